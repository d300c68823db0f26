package bot

import (
	"net/url"
	"time"
)

// MaxCalendarURL is the longest calendar link made, short enough for a
// link button on every platform (Slack's limit, 3,000 characters, is the
// smallest; its renderer drops a longer one).
const MaxCalendarURL = 3000

// CalendarLinks returns "add to calendar" links for Google Calendar and
// Outlook on the web, built from the meetup alone, each at most
// MaxCalendarURL long. Percent-encoding can make a long title, purpose or
// place (in accents or emoji, say) too long, so they are shortened in the
// calendar entry until it fits; when nothing fits (a very long video
// link), both are empty.
func CalendarLinks(m *Meetup) (google, outlook string) {
	for _, n := range []int{0, 40, 20, 8} {
		c := *m
		if n > 0 {
			c.Title, c.Purpose, c.Place = Truncate(m.Title, n), Truncate(m.Purpose, n), Truncate(m.Place, n)
		}
		google, outlook = calendarLinks(&c)
		if len(google) <= MaxCalendarURL && len(outlook) <= MaxCalendarURL {
			return google, outlook
		}
	}
	return "", ""
}

func calendarLinks(m *Meetup) (google, outlook string) {
	where := m.Place
	if where == "" {
		where = m.Link
	}
	details := m.Purpose
	if m.Link != "" {
		details += "\nJoin: " + m.Link
	}
	details += "\nAnnounced by Rapport."
	const gcal = "20060102T150405Z"
	g := url.Values{}
	g.Set("action", "TEMPLATE")
	g.Set("text", m.Title)
	g.Set("dates", m.StartsAt.UTC().Format(gcal)+"/"+m.EndsAt.UTC().Format(gcal))
	g.Set("details", details)
	g.Set("location", where)
	o := url.Values{}
	o.Set("subject", m.Title)
	o.Set("startdt", m.StartsAt.UTC().Format(time.RFC3339))
	o.Set("enddt", m.EndsAt.UTC().Format(time.RFC3339))
	o.Set("body", details)
	o.Set("location", where)
	return "https://calendar.google.com/calendar/render?" + g.Encode(),
		"https://outlook.office.com/calendar/0/deeplink/compose?" + o.Encode()
}
