package bot

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Notice kinds: what a direct message to one member is about. A notice is
// stored as its kind and parameters, never as finished text, and is put
// into words when it is sent, as intros are: so it speaks of members and
// meetups as they are then, and a member who has left since is not named.
const (
	// NoticeText carries words written before notices were stored by
	// kind (Params.Text); nothing queues it now.
	NoticeText = "text"
	// NoticeLeftOut tells a member the hard rules left them without a
	// partner this round, and that they go first next time.
	NoticeLeftOut = "left_out"
	// NoticeAutoPaused tells a member their intros are paused after
	// Params.Count unanswered ones.
	NoticeAutoPaused = "auto_paused"
	// NoticeUndelivered tells a member their intro could not go out.
	NoticeUndelivered = "undelivered"
	// NoticePartnerUnreachable tells a member that the partners in
	// Params.Members could not receive their intro.
	NoticePartnerUnreachable = "partner_unreachable"
	// NoticePartnerLeft tells a member their partner left before the intro
	// was sent.
	NoticePartnerLeft = "partner_left"
	// NoticeMeetupPromoted tells a member a place opened up at meetup
	// Params.MeetupID, so they are going.
	NoticeMeetupPromoted = "meetup_promoted"
	// NoticeMeetupChanged tells a member what the host changed
	// (Params.Changed) of meetup Params.MeetupID, titled Params.Title
	// before the change.
	NoticeMeetupChanged = "meetup_changed"
	// NoticeMeetupCancelled tells a member meetup Params.MeetupID is off.
	NoticeMeetupCancelled = "meetup_cancelled"
	// NoticeMeetupReminder reminds a member going to meetup
	// Params.MeetupID, starting at Params.StartsAt, that it is near
	// (Params.Reminder is ReminderDayBefore or ReminderHourBefore).
	NoticeMeetupReminder = "meetup_reminder"
)

// Notice is a direct message to one member, queued in the outbox in the
// transaction that decides it.
type Notice struct {
	MemberID int64
	Kind     string
	Params   NoticeParams
}

// NoticeParams are what a notice's kind needs to be put into words. They
// hold IDs and codes, looked up again at send time; Title is the one
// piece of member text, kept only for a meetup whose title has changed.
type NoticeParams struct {
	Text     string     `json:"text,omitempty"`
	Members  []int64    `json:"members,omitempty"`
	Count    int        `json:"count,omitempty"`
	MeetupID int64      `json:"meetup_id,omitempty"`
	Changed  []string   `json:"changed,omitempty"`
	Title    string     `json:"title,omitempty"`
	Reminder string     `json:"reminder,omitempty"`
	StartsAt *time.Time `json:"starts_at,omitempty"`
}

// NoticeMessage is a notice put together at send time, for a Deliverer to
// render on its platform.
type NoticeMessage struct {
	Platform string
	UserID   string
	Kind     string
	// Text is what a notice that is not about a meetup says, in plain
	// words; the platform escapes it like any other text.
	Text string
	// Meetup is the meetup a meetup notice is about, as it is now.
	Meetup *Meetup
	// Changed and TitleBefore say what a NoticeMeetupChanged changed.
	Changed     []string
	TitleBefore string
	// Reminder is which reminder a NoticeMeetupReminder is.
	Reminder string
}

// LeftOutForMember is how a member's export gives the reason they were
// left out of a round. The reason admins see may be that someone chose not
// to be paired with them, which a member is never told.
const LeftOutForMember = "There was no one we could introduce you to in this round."

// Words of the notices that are not about meetups. A member is never told
// why the hard rules left them out: the reason may be that someone chose
// not to be paired with them.
const (
	leftOutText       = "There was no one we could introduce you to this round, sorry: sometimes the numbers don't quite work out. You'll go first in the next round."
	undeliveredText   = "Sorry: we couldn't deliver your introduction this round. It's not you: something went wrong on our side. You'll be first in line in the next round."
	partnerLeftText   = "The person we were about to introduce you to is no longer taking part, so this round's introduction is off. Sorry about that: you'll be first in line in the next round."
	unreachableFormat = "Sorry: this round we introduced you to %s, but their account can no longer receive messages, so the introduction couldn't go ahead. You'll be first in line in the next round."
)

func autoPauseText(n int) string {
	return fmt.Sprintf("We haven't heard back about your last %d introductions, so we've paused yours for now: no more will come until you're ready. "+
		"Whenever you'd like to meet people again, type `%s resume`. Thank you for being part of the network.", n, CommandName)
}

// errSkipNotice says a notice no longer applies (its meetup is gone, say)
// and is not sent.
var errSkipNotice = Errorf(ENOTFOUND, "the notice no longer applies")

// noticeMessage puts a claimed notice into words, reading what it speaks
// of as it is now. It returns errSkipNotice when there is nothing to say.
func (d *Delivery) noticeMessage(ctx context.Context, m OutboxMessage) (*NoticeMessage, error) {
	if m.UserID == "" {
		return nil, errSkipNotice
	}
	n := &NoticeMessage{Platform: m.Platform, UserID: m.UserID, Kind: m.Notice}
	p := m.Params
	switch m.Notice {
	case NoticeText:
		n.Text = p.Text
	case NoticeLeftOut:
		n.Text = leftOutText
	case NoticeAutoPaused:
		n.Text = autoPauseText(p.Count)
	case NoticeUndelivered:
		n.Text = undeliveredText
	case NoticePartnerLeft:
		n.Text = partnerLeftText
	case NoticePartnerUnreachable:
		names, err := d.Store.MemberNames(ctx, p.Members)
		if err != nil {
			return nil, err
		}
		var who []string
		for _, id := range p.Members {
			name := names[id]
			if name == "" {
				name = LeftMemberName
			}
			who = append(who, name)
		}
		n.Text = fmt.Sprintf(unreachableFormat, joinNames(who))
	case NoticeMeetupPromoted, NoticeMeetupChanged, NoticeMeetupCancelled, NoticeMeetupReminder:
		mt, err := d.Store.FindMeetup(ctx, p.MeetupID)
		if ErrorCode(err) == ENOTFOUND {
			return nil, errSkipNotice
		} else if err != nil {
			return nil, err
		}
		if m.Notice != NoticeMeetupCancelled && mt.Status == MeetupCancelled {
			return nil, errSkipNotice // the cancellation says all there is
		}
		if m.Notice == NoticeMeetupReminder && (p.StartsAt == nil || !p.StartsAt.Equal(mt.StartsAt) || !d.Now().Before(mt.StartsAt)) {
			return nil, errSkipNotice // moved (it earns reminders of its own) or begun
		}
		if m.Notice == NoticeMeetupPromoted || m.Notice == NoticeMeetupReminder {
			going, err := d.stillGoing(ctx, mt.ID, m.MemberID)
			if err != nil {
				return nil, err
			}
			if !going {
				return nil, errSkipNotice // they said can't go since
			}
		}
		n.Meetup, n.Changed, n.TitleBefore, n.Reminder = mt, p.Changed, p.Title, p.Reminder
		if n.TitleBefore == "" {
			n.TitleBefore = mt.Title
		}
	default:
		return nil, errSkipNotice
	}
	return n, nil
}

func (d *Delivery) stillGoing(ctx context.Context, meetupID, memberID int64) (bool, error) {
	as, err := d.Store.MeetupAttendees(ctx, meetupID)
	if err != nil {
		return false, err
	}
	for _, a := range as {
		if a.MemberID == memberID {
			return a.Status == RSVPGoing, nil
		}
	}
	return false, nil
}

func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return "someone"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
