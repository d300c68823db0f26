package bot

import (
	"context"
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
	// NoticePausedByAdmin tells a member a network admin paused their
	// intros; NoticeResumedByAdmin that one resumed them.
	NoticePausedByAdmin  = "paused_by_admin"
	NoticeResumedByAdmin = "resumed_by_admin"
	// NoticeIntroRequest asks a member whether they will be introduced to
	// the member who asked (Params.RequestID), with Accept and Not now.
	NoticeIntroRequest = "intro_request"
	// NoticeRequestNotNow tells the asker, kindly, that the person asked
	// cannot now; NoticeRequestLapsed that nobody answered in time.
	NoticeRequestNotNow = "request_not_now"
	NoticeRequestLapsed = "request_lapsed"
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
	// RequestID is the intro request a request notice is about.
	RequestID int64 `json:"request_id,omitempty"`
}

// NoticeMessage is a notice about a meetup put together at send time,
// for meetupNotice to put into words.
type NoticeMessage struct {
	Platform string
	UserID   string
	Kind     string
	// Meetup is the meetup the notice is about, as it is now.
	Meetup *Meetup
	// Changed and TitleBefore say what a NoticeMeetupChanged changed.
	Changed     []string
	TitleBefore string
	// Reminder is which reminder a NoticeMeetupReminder is.
	Reminder string
}

// errSkipNotice says a notice no longer applies (its meetup is gone, say)
// and is not sent.
var errSkipNotice = Errorf(ENOTFOUND, "the notice no longer applies")

// noticeMessage puts a claimed notice into words, reading what it speaks
// of as it is now. It returns errSkipNotice when there is nothing to say.
func (d *Delivery) noticeMessage(ctx context.Context, m OutboxMessage) (*Message, error) {
	if m.UserID == "" {
		return nil, errSkipNotice
	}
	p := m.Params
	switch m.Notice {
	case NoticeText:
		return Say(p.Text), nil
	case NoticeLeftOut:
		return leftOutNotice(), nil
	case NoticeAutoPaused:
		return autoPausedNotice(p.Count), nil
	case NoticeUndelivered:
		return undeliveredNotice(), nil
	case NoticePartnerLeft:
		return partnerLeftNotice(), nil
	case NoticePausedByAdmin:
		return pausedByAdminNotice(), nil
	case NoticeResumedByAdmin:
		return resumedByAdminNotice(), nil
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
		return partnerUnreachableNotice(who), nil
	case NoticeIntroRequest, NoticeRequestNotNow, NoticeRequestLapsed:
		return d.requestNotice(ctx, m)
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
		n := &NoticeMessage{Platform: m.Platform, UserID: m.UserID, Kind: m.Notice,
			Meetup: mt, Changed: p.Changed, TitleBefore: p.Title, Reminder: p.Reminder}
		if n.TitleBefore == "" {
			n.TitleBefore = mt.Title
		}
		return meetupNotice(n, d.Location), nil
	}
	return nil, errSkipNotice
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

// requestFinder is the part of DirectoryStore a request notice reads, when
// the delivery's store has it.
type requestFinder interface {
	FindIntroRequest(ctx context.Context, id int64) (*IntroRequest, error)
}

// requestNotice puts a notice about an intro request into words, with the
// two members as they are now: a request gone (a member left) or, for the
// person asked, no longer pending says nothing.
func (d *Delivery) requestNotice(ctx context.Context, m OutboxMessage) (*Message, error) {
	rf, ok := d.Store.(requestFinder)
	if !ok {
		return nil, errSkipNotice
	}
	r, err := rf.FindIntroRequest(ctx, m.Params.RequestID)
	if ErrorCode(err) == ENOTFOUND {
		return nil, errSkipNotice
	} else if err != nil {
		return nil, err
	}
	switch m.Notice {
	case NoticeIntroRequest:
		if r.Status != RequestPending || r.Asked.ID != m.MemberID {
			return nil, errSkipNotice
		}
		return introRequestNotice(r), nil
	case NoticeRequestNotNow:
		if r.Asker.ID != m.MemberID {
			return nil, errSkipNotice
		}
		return requestNotNowNotice(r), nil
	case NoticeRequestLapsed:
		if r.Asker.ID != m.MemberID {
			return nil, errSkipNotice
		}
		return requestLapsedNotice(r), nil
	}
	return nil, errSkipNotice
}
