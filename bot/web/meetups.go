package web

import (
	"net/http"

	"github.com/rapport-pcn/rapport/bot"
)

// meetupsShown is how many upcoming meetups the page lists.
const meetupsShown = 50

// meetupRow is a meetup with who answered, by answer.
type meetupRow struct {
	Meetup                          bot.Meetup
	Going, Waiting, Maybe, NotGoing []bot.Attendee
}

type meetupsData struct {
	Meetups []meetupRow
}

func (s *Server) meetups(w http.ResponseWriter, r *http.Request, sess *bot.Session) {
	ctx := r.Context()
	d := meetupsData{}
	if s.o.Meetups != nil {
		ms, err := s.o.Meetups.ListMeetups(ctx, s.o.Now(), meetupsShown)
		if err != nil {
			s.failed(w, sess, "read the meetups", err)
			return
		}
		for _, m := range ms {
			as, err := s.o.Meetups.MeetupAttendees(ctx, m.ID)
			if err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
				s.failed(w, sess, "read a meetup's answers", err)
				return
			}
			row := meetupRow{Meetup: m}
			for _, a := range as {
				switch a.Status {
				case bot.RSVPGoing:
					row.Going = append(row.Going, a)
				case bot.RSVPWaiting:
					row.Waiting = append(row.Waiting, a)
				case bot.RSVPMaybe:
					row.Maybe = append(row.Maybe, a)
				case bot.RSVPNotGoing:
					row.NotGoing = append(row.NotGoing, a)
				}
			}
			d.Meetups = append(d.Meetups, row)
		}
	}
	s.pages.render(w, http.StatusOK, "meetups", view{Title: "Meetups", Nav: "/admin/meetups", Session: sess, Data: d})
}
