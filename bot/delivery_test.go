package bot

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeStore is a DeliveryStore whose methods are function fields; a nil
// field does nothing. Calls to the outbox's bookkeeping are recorded.
type fakeStore struct {
	claim       func(now, staleBefore time.Time, limit int) ([]OutboxMessage, error)
	findIntro   func(id int64) (*Intro, error)
	unreachable func(introID int64, memberIDs []int64, failIntro bool, notices []Notice) error
	names       func(ids []int64) (map[int64]string, error)
	findMeetup  func(id int64) (*Meetup, error)
	attendees   func(id int64) ([]Attendee, error)
	recordSent  func(introID int64) error

	mu       sync.Mutex
	finished map[int64]string    // outbox ID -> status
	deferred map[int64]time.Time // outbox ID -> due again
	retried  map[int64]time.Time
	statuses map[int64]string // intro ID -> status set
}

func newFakeStore() *fakeStore {
	return &fakeStore{finished: map[int64]string{}, deferred: map[int64]time.Time{}, retried: map[int64]time.Time{}, statuses: map[int64]string{}}
}

func (f *fakeStore) ClaimOutbox(_ context.Context, now, staleBefore time.Time, limit int) ([]OutboxMessage, error) {
	if f.claim == nil {
		return nil, nil
	}
	return f.claim(now, staleBefore, limit)
}

func (f *fakeStore) FinishOutbox(_ context.Context, id int64, status, _ string, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finished[id] = status
	return nil
}

func (f *fakeStore) RetryOutbox(_ context.Context, id int64, due time.Time, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.retried[id] = due
	return nil
}

func (f *fakeStore) DeferOutbox(_ context.Context, id int64, due time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deferred[id] = due
	return nil
}

func (f *fakeStore) NextOutboxDue(context.Context) (time.Time, error) { return time.Time{}, nil }

func (f *fakeStore) FindIntro(_ context.Context, id int64) (*Intro, error) {
	if f.findIntro == nil {
		return nil, Errorf(ENOTFOUND, "no intro")
	}
	return f.findIntro(id)
}

func (f *fakeStore) RecordIntroSent(_ context.Context, outboxID, introID int64, _, _ string, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.recordSent != nil {
		if err := f.recordSent(introID); err != nil {
			return err
		}
	}
	f.finished[outboxID] = OutboxSent
	f.statuses[introID] = IntroSent
	return nil
}

func (f *fakeStore) SetIntroDelivery(_ context.Context, introID int64, _, status, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if status != "" {
		f.statuses[introID] = status
	}
	return nil
}

func (f *fakeStore) MarkUnreachable(_ context.Context, introID int64, memberIDs []int64, failIntro bool, notices []Notice, _ time.Time) error {
	if f.unreachable != nil {
		if err := f.unreachable(introID, memberIDs, failIntro, notices); err != nil {
			return err
		}
	}
	if failIntro {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.statuses[introID] = IntroFailed
	}
	return nil
}

func (f *fakeStore) MemberNames(_ context.Context, ids []int64) (map[int64]string, error) {
	if f.names == nil {
		return map[int64]string{}, nil
	}
	return f.names(ids)
}

func (f *fakeStore) FindMeetup(_ context.Context, id int64) (*Meetup, error) {
	if f.findMeetup == nil {
		return nil, Errorf(ENOTFOUND, "no meetup")
	}
	return f.findMeetup(id)
}

func (f *fakeStore) MeetupAttendees(_ context.Context, id int64) ([]Attendee, error) {
	if f.attendees == nil {
		return nil, nil
	}
	return f.attendees(id)
}

// fakeDeliverer is a Deliverer whose methods are function fields; a nil
// field succeeds.
type fakeDeliverer struct {
	intro    func(in *Intro, resume bool) (string, string, error)
	followUp func(at Attempt, in *Intro, m *IntroMember, second bool) error
	notice   func(at Attempt, n *NoticeMessage) error
	update   func(in *Intro) error
	withdraw func(channelID, ref string) error
}

func (f *fakeDeliverer) WithdrawIntro(_ context.Context, channelID, ref string) error {
	if f.withdraw == nil {
		return nil
	}
	return f.withdraw(channelID, ref)
}

func (f *fakeDeliverer) UpdateIntro(_ context.Context, in *Intro) error {
	if f.update == nil {
		return nil
	}
	return f.update(in)
}

func (f *fakeDeliverer) SendIntro(_ context.Context, in *Intro, resume bool) (string, string, error) {
	if f.intro == nil {
		return "C1", "1.0", nil
	}
	return f.intro(in, resume)
}

func (f *fakeDeliverer) SendFollowUp(_ context.Context, at Attempt, in *Intro, m *IntroMember, second bool) error {
	if f.followUp == nil {
		return nil
	}
	return f.followUp(at, in, m, second)
}

func (f *fakeDeliverer) SendNotice(_ context.Context, at Attempt, n *NoticeMessage) error {
	if f.notice == nil {
		return nil
	}
	return f.notice(at, n)
}

var deliveryNow = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func newTestDelivery(st *fakeStore, out *fakeDeliverer) *Delivery {
	d := &Delivery{Store: st, Out: out, Now: func() time.Time { return deliveryNow }, MaxAttempts: 3}
	d.init()
	return d
}

func pairIntro(id int64) *Intro {
	return &Intro{ID: id, Status: IntroPending, Members: []IntroMember{
		{Member: Member{ID: 1, UserID: "U1", Name: "Ann Example", Status: StatusActive}},
		{Member: Member{ID: 2, UserID: "U2", Name: "Bob Example", Status: StatusActive}},
	}}
}

// A 429 pauses all sending for as long as the platform asked: the message
// is put back for then without counting an attempt, and a message claimed
// during the pause is put back too, not sent.
func TestDeliveryPausesAfterA429(t *testing.T) {
	st := newFakeStore()
	st.findIntro = func(id int64) (*Intro, error) { return pairIntro(id), nil }
	sent := 0
	out := &fakeDeliverer{intro: func(*Intro, bool) (string, string, error) {
		sent++
		return "", "", &DeliveryError{RetryAfter: 30 * time.Second, Err: errors.New("ratelimited")}
	}}
	d := newTestDelivery(st, out)
	d.send(context.Background(), OutboxMessage{ID: 10, Kind: OutboxIntro, IntroID: 1, Attempts: 1})
	if want := deliveryNow.Add(30 * time.Second); !st.deferred[10].Equal(want) || !d.Pause.Until().Equal(want) {
		t.Fatalf("after a 429: put back until %v, paused until %v; want both %v", st.deferred[10], d.Pause.Until(), want)
	}
	d.send(context.Background(), OutboxMessage{ID: 11, Kind: OutboxNotice, MemberID: 1, UserID: "U1", Notice: NoticeLeftOut, Attempts: 1})
	if sent != 1 || st.finished[11] != "" || st.deferred[11].IsZero() {
		t.Errorf("during the pause: %d sends, message finished %q, put back until %v; want it put back unsent", sent, st.finished[11], st.deferred[11])
	}
}

// An intro that keeps failing is given up after MaxAttempts: it is marked
// failed, which puts its members first in line, and each member who can
// be reached is queued a notice saying so.
func TestDeliveryGivesUpAfterRepeatedFailures(t *testing.T) {
	st := newFakeStore()
	st.findIntro = func(id int64) (*Intro, error) { return pairIntro(id), nil }
	var queued []Notice
	st.unreachable = func(_ int64, gone []int64, failIntro bool, ns []Notice) error {
		if len(gone) != 0 {
			t.Errorf("gave up and marked %v unreachable", gone)
		}
		if !failIntro {
			t.Errorf("notices %v queued without marking the intro failed with them", ns)
		}
		queued = append(queued, ns...)
		return nil
	}
	out := &fakeDeliverer{intro: func(*Intro, bool) (string, string, error) { return "", "", errors.New("connection reset") }}
	d := newTestDelivery(st, out)
	for attempt := 1; attempt <= 3; attempt++ {
		d.send(context.Background(), OutboxMessage{ID: 20, Kind: OutboxIntro, IntroID: 7, Attempts: attempt})
		if attempt < 3 && (st.retried[20].IsZero() || st.finished[20] != "") {
			t.Fatalf("attempt %d: not retried (%v) or finished (%q)", attempt, st.retried[20], st.finished[20])
		}
	}
	if st.finished[20] != OutboxFailed || st.statuses[7] != IntroFailed {
		t.Errorf("after the last attempt: outbox %q, intro %q; want both failed", st.finished[20], st.statuses[7])
	}
	var to []int64
	for _, n := range queued {
		if n.Kind == NoticeUndelivered {
			to = append(to, n.MemberID)
		}
	}
	slices.Sort(to)
	if !slices.Equal(to, []int64{1, 2}) {
		t.Errorf("undelivered notices to %v, want both members", to)
	}
}

// A permanent error gives up at once, without waiting for more attempts.
func TestDeliveryGivesUpOnAPermanentError(t *testing.T) {
	st := newFakeStore()
	out := &fakeDeliverer{notice: func(Attempt, *NoticeMessage) error {
		return &DeliveryError{Permanent: true, Err: errors.New("channel_not_found")}
	}}
	d := newTestDelivery(st, out)
	d.send(context.Background(), OutboxMessage{ID: 30, Kind: OutboxNotice, MemberID: 1, UserID: "U1", Notice: NoticeUndelivered, Attempts: 1})
	if st.finished[30] != OutboxFailed || !st.retried[30].IsZero() {
		t.Errorf("outbox %q, retried %v; want failed at once", st.finished[30], st.retried[30])
	}
}

// A direct message that Slack refuses because the member's account is
// gone marks the member unreachable, as an undeliverable intro does, so
// that the sweep erases them in time and their meetup places are freed.
func TestDirectMessageToAGoneAccountMarksTheMemberUnreachable(t *testing.T) {
	for _, kind := range []string{OutboxNotice, OutboxFollowUp} {
		t.Run(kind, func(t *testing.T) {
			st := newFakeStore()
			st.findIntro = func(id int64) (*Intro, error) {
				return &Intro{ID: id, Status: IntroSent, Members: []IntroMember{
					{Member: Member{ID: 1, UserID: "U1", Status: StatusActive}},
					{Member: Member{ID: 2, UserID: "U2", Status: StatusActive}},
				}}, nil
			}
			var marked []int64
			st.unreachable = func(introID int64, ids []int64, failIntro bool, notices []Notice) error {
				marked = append(marked, ids...)
				return nil
			}
			gone := &DeliveryError{Permanent: true, Unreachable: []string{"U1"}, Err: errors.New("account_inactive")}
			out := &fakeDeliverer{
				notice:   func(Attempt, *NoticeMessage) error { return gone },
				followUp: func(Attempt, *Intro, *IntroMember, bool) error { return gone },
			}
			d := newTestDelivery(st, out)
			d.send(context.Background(), OutboxMessage{ID: 50, Kind: kind, IntroID: 9, MemberID: 1, UserID: "U1", Platform: "slack", Notice: NoticeUndelivered, Attempts: 1})
			if !slices.Equal(marked, []int64{1}) {
				t.Errorf("marked unreachable %v, want [1]", marked)
			}
			if st.finished[50] != OutboxFailed || !st.retried[50].IsZero() {
				t.Errorf("outbox %q, retried %v; want failed at once", st.finished[50], st.retried[50])
			}
		})
	}
}

// An intro called off while it was being posted (a member of it left)
// is taken back, since it shows the leaver's profile.
func TestIntroCalledOffWhileSentIsWithdrawn(t *testing.T) {
	st := newFakeStore()
	st.findIntro = func(id int64) (*Intro, error) {
		return &Intro{ID: id, Status: IntroPending, Members: []IntroMember{
			{Member: Member{ID: 1, UserID: "U1", Status: StatusActive}},
			{Member: Member{ID: 2, UserID: "U2", Status: StatusActive}},
		}}, nil
	}
	st.recordSent = func(int64) error { return Errorf(ENOTFOUND, "That introduction no longer exists.") }
	var withdrawn []string
	out := &fakeDeliverer{
		intro:    func(*Intro, bool) (string, string, error) { return "G1", "1.5", nil },
		withdraw: func(channelID, ref string) error { withdrawn = append(withdrawn, channelID+"/"+ref); return nil },
	}
	d := newTestDelivery(st, out)
	d.send(context.Background(), OutboxMessage{ID: 60, Kind: OutboxIntro, IntroID: 9, Attempts: 1})
	if !slices.Equal(withdrawn, []string{"G1/1.5"}) {
		t.Errorf("withdrawn %v, want the posted message G1/1.5", withdrawn)
	}
}

// A notice is put into words when it is sent: a partner who has left
// since it was queued is not named, and a member left out of a round is
// told kindly that they go first next time, never why.
func TestNoticesAreRenderedAtSendTime(t *testing.T) {
	st := newFakeStore()
	st.names = func(ids []int64) (map[int64]string, error) {
		return map[int64]string{5: "Cara Example"}, nil // 6 has left
	}
	var got []*NoticeMessage
	var tries []Attempt
	out := &fakeDeliverer{notice: func(at Attempt, n *NoticeMessage) error {
		got = append(got, n)
		tries = append(tries, at)
		return nil
	}}
	d := newTestDelivery(st, out)
	d.send(context.Background(), OutboxMessage{ID: 40, Kind: OutboxNotice, MemberID: 1, UserID: "U1", Platform: "slack",
		Notice: NoticePartnerUnreachable, Params: NoticeParams{Members: []int64{5, 6}}, Attempts: 1})
	d.send(context.Background(), OutboxMessage{ID: 41, Kind: OutboxNotice, MemberID: 1, UserID: "U1", Platform: "slack",
		Notice: NoticeLeftOut, Attempts: 2})
	if len(got) != 2 {
		t.Fatalf("%d notices sent, want 2", len(got))
	}
	if want := "Cara Example and " + LeftMemberName; !strings.Contains(got[0].Text, want) {
		t.Errorf("unreachable notice %q does not say %q", got[0].Text, want)
	}
	left := strings.ToLower(got[1].Text)
	if !strings.Contains(left, "first") {
		t.Errorf("left-out notice %q does not say they go first", got[1].Text)
	}
	for _, never := range []string{"block", "do-not-pair", "not a good match", "chose", "organisation", "colleague"} {
		if strings.Contains(left, never) {
			t.Errorf("left-out notice %q mentions %q", got[1].Text, never)
		}
	}
	if tries[0] != (Attempt{OutboxID: 40}) || tries[1] != (Attempt{OutboxID: 41, Resume: true}) {
		t.Errorf("attempts %+v: want the outbox IDs, and a resume on the second try", tries)
	}
	if st.finished[40] != OutboxSent || st.finished[41] != OutboxSent {
		t.Errorf("finished %v", st.finished)
	}
}

// Meetup notices are skipped when they no longer apply: the meetup is
// gone, cancelled or moved, or the member has said can't go since.
func TestMeetupNoticesThatNoLongerApplyAreSkipped(t *testing.T) {
	st := newFakeStore()
	soon := deliveryNow.Add(time.Hour)
	moved := soon.Add(-30 * time.Minute)
	meetups := map[int64]*Meetup{
		1: {ID: 1, Title: "Lunch", Status: MeetupCancelled},
		2: {ID: 2, Title: "Walk", Status: MeetupScheduled, StartsAt: soon},
	}
	st.findMeetup = func(id int64) (*Meetup, error) {
		if m, ok := meetups[id]; ok {
			return m, nil
		}
		return nil, Errorf(ENOTFOUND, "gone")
	}
	st.attendees = func(int64) ([]Attendee, error) {
		return []Attendee{{MemberID: 1, Status: RSVPNotGoing}, {MemberID: 2, Status: RSVPGoing}}, nil
	}
	var sent []string
	out := &fakeDeliverer{notice: func(_ Attempt, n *NoticeMessage) error {
		sent = append(sent, n.Kind+":"+n.UserID)
		return nil
	}}
	d := newTestDelivery(st, out)
	for i, m := range []OutboxMessage{
		{MemberID: 1, UserID: "U1", Notice: NoticeMeetupChanged, Params: NoticeParams{MeetupID: 1}},                                                  // cancelled since
		{MemberID: 1, UserID: "U1", Notice: NoticeMeetupCancelled, Params: NoticeParams{MeetupID: 1}},                                                // sent
		{MemberID: 1, UserID: "U1", Notice: NoticeMeetupPromoted, Params: NoticeParams{MeetupID: 3}},                                                 // gone
		{MemberID: 1, UserID: "U1", Notice: NoticeMeetupPromoted, Params: NoticeParams{MeetupID: 2}},                                                 // can't go since
		{MemberID: 2, UserID: "U2", Notice: NoticeMeetupPromoted, Params: NoticeParams{MeetupID: 2}},                                                 // sent
		{MemberID: 2, UserID: "U2", Notice: NoticeMeetupReminder, Params: NoticeParams{MeetupID: 2, Reminder: ReminderHourBefore, StartsAt: &moved}}, // moved since
		{MemberID: 1, UserID: "U1", Notice: NoticeMeetupReminder, Params: NoticeParams{MeetupID: 2, Reminder: ReminderHourBefore, StartsAt: &soon}},  // can't go since
		{MemberID: 2, UserID: "U2", Notice: NoticeMeetupReminder, Params: NoticeParams{MeetupID: 2, Reminder: ReminderHourBefore, StartsAt: &soon}},  // sent
	} {
		m.ID, m.Kind, m.Attempts = int64(50+i), OutboxNotice, 1
		d.send(context.Background(), m)
	}
	want := []string{NoticeMeetupCancelled + ":U1", NoticeMeetupPromoted + ":U2", NoticeMeetupReminder + ":U2"}
	if !slices.Equal(sent, want) {
		t.Errorf("sent %v, want %v", sent, want)
	}
	for _, id := range []int64{50, 52, 53, 55, 56} {
		if st.finished[id] != OutboxSkipped {
			t.Errorf("message %d finished %q; want those that no longer apply skipped", id, st.finished[id])
		}
	}
}

// When one of a pair cannot be reached, the intro is marked failed in the
// same store call that queues the partner's "first in line" notice, so the
// notice never goes out (nor a crash lands) before the failure that puts
// them first in line is recorded.
func TestUnreachablePartnerFailsTheIntroWithTheNotice(t *testing.T) {
	st := newFakeStore()
	st.findIntro = func(id int64) (*Intro, error) { return pairIntro(id), nil }
	calls := 0
	st.unreachable = func(introID int64, gone []int64, failIntro bool, ns []Notice) error {
		calls++
		if introID != 8 || !slices.Equal(gone, []int64{2}) || !failIntro {
			t.Errorf("marked intro %d members %v unreachable, failing it %v; want intro 8, [2], true", introID, gone, failIntro)
		}
		if len(ns) != 1 || ns[0].MemberID != 1 || ns[0].Kind != NoticePartnerUnreachable {
			t.Errorf("notices %+v, want one partner-unreachable notice to member 1", ns)
		}
		return nil
	}
	out := &fakeDeliverer{intro: func(*Intro, bool) (string, string, error) {
		return "", "", &DeliveryError{Unreachable: []string{"U2"}, Err: errors.New("user_not_found")}
	}}
	d := newTestDelivery(st, out)
	d.send(context.Background(), OutboxMessage{ID: 50, Kind: OutboxIntro, IntroID: 8, Attempts: 1})
	if calls != 1 || st.statuses[8] != IntroFailed || st.finished[50] != OutboxFailed {
		t.Errorf("%d store calls, intro %q, outbox %q; want 1, failed, failed", calls, st.statuses[8], st.finished[50])
	}
}
