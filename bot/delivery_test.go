package bot

import (
	"context"
	"errors"
	"fmt"
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
// field succeeds. Like a real one, it waits out its pause before each
// send.
type fakeDeliverer struct {
	post   func(at Attempt, users []string, channelID string, m *Message) (string, string, error)
	dm     func(at Attempt, userID string, m *Message) error
	update func(channelID, ref string, m *Message) error
	remove func(channelID, ref string) error
	pause  Pause
}

func (f *fakeDeliverer) Pause() *Pause { return &f.pause }

func (f *fakeDeliverer) PostGroup(ctx context.Context, at Attempt, users []string, channelID string, m *Message) (string, string, error) {
	if err := f.pause.Wait(ctx); err != nil {
		return "", "", err
	}
	if f.post == nil {
		return "C1", "1.0", nil
	}
	return f.post(at, users, channelID, m)
}

func (f *fakeDeliverer) DM(ctx context.Context, at Attempt, userID string, m *Message) error {
	if err := f.pause.Wait(ctx); err != nil {
		return err
	}
	if f.dm == nil {
		return nil
	}
	return f.dm(at, userID, m)
}

func (f *fakeDeliverer) Update(_ context.Context, channelID, ref string, m *Message) error {
	if f.update == nil {
		return nil
	}
	return f.update(channelID, ref, m)
}

func (f *fakeDeliverer) Delete(_ context.Context, channelID, ref string) error {
	if f.remove == nil {
		return nil
	}
	return f.remove(channelID, ref)
}

var deliveryNow = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// newTestDelivery is a Delivery on a fixed clock whose members are all on
// one platform, "slack".
func newTestDelivery(st *fakeStore, out *fakeDeliverer) *Delivery {
	d := &Delivery{Store: st, Platforms: map[string]Deliverer{"slack": out}, Now: func() time.Time { return deliveryNow }, MaxAttempts: 3}
	d.init()
	return d
}

// pairIntro is intro id between Ann, of Riverside Surgery, and Bob, of
// Northfield Pharmacy, waiting to be sent.
func pairIntro(id int64) *Intro {
	return &Intro{ID: id, Status: IntroPending, Members: []IntroMember{
		{Member: Member{ID: 1, Platform: "slack", UserID: "U1", Name: "Ann Example", Status: StatusActive,
			Profile: formProfile(ProfileForm{OrganisationOther: "Riverside Surgery"})}},
		{Member: Member{ID: 2, Platform: "slack", UserID: "U2", Name: "Bob Example", Status: StatusActive,
			Profile: formProfile(ProfileForm{OrganisationOther: "Northfield Pharmacy", Sector: "community_pharmacy"})}},
	}}
}

// A 429 pauses the platform's sending for as long as it asked: the
// message is put back for then without counting an attempt, and a
// message claimed during the pause is put back too, not sent.
func TestDeliveryPausesAfterA429(t *testing.T) {
	st := newFakeStore()
	st.findIntro = func(id int64) (*Intro, error) { return pairIntro(id), nil }
	sent := 0
	out := &fakeDeliverer{post: func(Attempt, []string, string, *Message) (string, string, error) {
		sent++
		return "", "", &DeliveryError{RetryAfter: 30 * time.Second, Err: errors.New("ratelimited")}
	}}
	d := newTestDelivery(st, out)
	d.send(context.Background(), OutboxMessage{ID: 10, Kind: OutboxIntro, IntroID: 1, Attempts: 1})
	if want := deliveryNow.Add(30 * time.Second); !st.deferred[10].Equal(want) || !out.Pause().Until().Equal(want) {
		t.Fatalf("after a 429: put back until %v, paused until %v; want both %v", st.deferred[10], out.Pause().Until(), want)
	}
	d.send(context.Background(), OutboxMessage{ID: 11, Kind: OutboxNotice, MemberID: 1, UserID: "U1", Platform: "slack", Notice: NoticeLeftOut, Attempts: 1})
	if sent != 1 || st.finished[11] != "" || st.deferred[11].IsZero() {
		t.Errorf("during the pause: %d sends, message finished %q, put back until %v; want it put back unsent", sent, st.finished[11], st.deferred[11])
	}
	if d.allPaused() <= 0 {
		t.Errorf("the only platform is paused, but the outbox would still be read")
	}
}

// memOutbox is an outbox in memory that claims what is due, as the
// database does, on the real clock: with it a Delivery runs as it does in
// production.
type memOutbox struct {
	*fakeStore
	msgs    []OutboxMessage
	pending map[int64]bool
	due     map[int64]time.Time
}

func newMemOutbox(msgs ...OutboxMessage) *memOutbox {
	o := &memOutbox{fakeStore: newFakeStore(), msgs: msgs, pending: map[int64]bool{}, due: map[int64]time.Time{}}
	for _, m := range msgs {
		o.pending[m.ID] = true
	}
	return o
}

func (o *memOutbox) ClaimOutbox(_ context.Context, now, _ time.Time, limit int) ([]OutboxMessage, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []OutboxMessage
	for i := range o.msgs {
		m := &o.msgs[i]
		if o.pending[m.ID] && !o.due[m.ID].After(now) && len(out) < limit {
			m.Attempts++
			o.pending[m.ID] = false
			out = append(out, *m)
		}
	}
	return out, nil
}

func (o *memOutbox) again(id int64, due time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.pending[id], o.due[id] = true, due
}

func (o *memOutbox) DeferOutbox(_ context.Context, id int64, due time.Time) error {
	o.mu.Lock()
	for i := range o.msgs {
		if o.msgs[i].ID == id {
			o.msgs[i].Attempts-- // a deferral is not an attempt
		}
	}
	o.mu.Unlock()
	o.again(id, due)
	return nil
}

func (o *memOutbox) RetryOutbox(_ context.Context, id int64, due time.Time, _ string) error {
	o.again(id, due)
	return nil
}

func (o *memOutbox) NextOutboxDue(context.Context) (time.Time, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var next time.Time
	for id, p := range o.pending {
		if p && (next.IsZero() || o.due[id].Before(next)) {
			next = o.due[id]
		}
	}
	return next, nil
}

// While a 429's pause runs, nothing is sent on that platform, and once it
// is over every message goes out once: nothing is lost or sent twice.
func TestDeliveryWaitsOutA429AndLosesNothing(t *testing.T) {
	var msgs []OutboxMessage
	for i := range 6 {
		msgs = append(msgs, OutboxMessage{ID: int64(i + 1), Kind: OutboxNotice, MemberID: 1, UserID: "U1", Platform: "slack", Notice: NoticeLeftOut})
	}
	st := newMemOutbox(msgs...)
	const retryAfter = 150 * time.Millisecond
	out := &fakeDeliverer{}
	var mu sync.Mutex
	sent := map[int64]int{}
	var limitedAt time.Time
	done := make(chan struct{})
	out.dm = func(at Attempt, _ string, _ *Message) error {
		mu.Lock()
		defer mu.Unlock()
		if at.Tag == 3 && limitedAt.IsZero() {
			limitedAt = time.Now()
			return &DeliveryError{RetryAfter: retryAfter, Err: errors.New("ratelimited")}
		}
		if !limitedAt.IsZero() && time.Now().Before(limitedAt.Add(retryAfter)) {
			t.Errorf("message %d sent %v after the 429, inside its pause of %v", at.Tag, time.Since(limitedAt), retryAfter)
		}
		sent[at.Tag]++
		if len(sent) == len(msgs) {
			close(done)
		}
		return nil
	}
	// One worker, so that no send is already on its way when the 429
	// comes back.
	d := &Delivery{Store: st, Platforms: map[string]Deliverer{"slack": out}, Idle: 20 * time.Millisecond, Workers: 1}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { _ = d.Run(ctx); close(stopped) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Error("not every message was delivered")
	}
	cancel()
	<-stopped
	mu.Lock()
	defer mu.Unlock()
	for _, m := range msgs {
		if sent[m.ID] != 1 {
			t.Errorf("message %d sent %d times, want once", m.ID, sent[m.ID])
		}
	}
	if limitedAt.IsZero() {
		t.Error("the 429 never happened")
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
	out := &fakeDeliverer{post: func(Attempt, []string, string, *Message) (string, string, error) {
		return "", "", errors.New("connection reset")
	}}
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

// A follow-up that keeps failing is given up after MaxAttempts without
// touching the intro, which was delivered.
func TestFollowUpGivenUpAfterRepeatedFailures(t *testing.T) {
	st := newFakeStore()
	st.findIntro = func(id int64) (*Intro, error) {
		in := pairIntro(id)
		in.Status = IntroSent
		return in, nil
	}
	st.unreachable = func(int64, []int64, bool, []Notice) error {
		t.Error("giving up on a follow-up marked the intro or a member")
		return nil
	}
	out := &fakeDeliverer{dm: func(Attempt, string, *Message) error { return errors.New("connection reset") }}
	d := newTestDelivery(st, out)
	d.send(context.Background(), OutboxMessage{ID: 21, Kind: OutboxFollowUp, IntroID: 7, MemberID: 1, UserID: "U1", Platform: "slack", Attempts: 3})
	if st.finished[21] != OutboxFailed || st.statuses[7] != "" {
		t.Errorf("outbox %q, intro %q; want the follow-up failed and the intro as it was", st.finished[21], st.statuses[7])
	}
}

// A permanent error gives up at once, without waiting for more attempts.
func TestDeliveryGivesUpOnAPermanentError(t *testing.T) {
	st := newFakeStore()
	out := &fakeDeliverer{dm: func(Attempt, string, *Message) error {
		return &DeliveryError{Permanent: true, Err: errors.New("channel_not_found")}
	}}
	d := newTestDelivery(st, out)
	d.send(context.Background(), OutboxMessage{ID: 30, Kind: OutboxNotice, MemberID: 1, UserID: "U1", Platform: "slack", Notice: NoticeUndelivered, Attempts: 1})
	if st.finished[30] != OutboxFailed || !st.retried[30].IsZero() {
		t.Errorf("outbox %q, retried %v; want failed at once", st.finished[30], st.retried[30])
	}
}

// A direct message that the platform refuses because the member's account
// is gone marks the member unreachable, as an undeliverable intro does,
// so that the sweep erases them in time and their meetup places are
// freed.
func TestDirectMessageToAGoneAccountMarksTheMemberUnreachable(t *testing.T) {
	for _, kind := range []string{OutboxNotice, OutboxFollowUp} {
		t.Run(kind, func(t *testing.T) {
			st := newFakeStore()
			st.findIntro = func(id int64) (*Intro, error) {
				in := pairIntro(id)
				in.Status = IntroSent
				return in, nil
			}
			var marked []int64
			st.unreachable = func(introID int64, ids []int64, failIntro bool, notices []Notice) error {
				marked = append(marked, ids...)
				return nil
			}
			gone := &DeliveryError{Permanent: true, Unreachable: []string{"U1"}, Err: errors.New("account_inactive")}
			out := &fakeDeliverer{dm: func(Attempt, string, *Message) error { return gone }}
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
	st.findIntro = func(id int64) (*Intro, error) { return pairIntro(id), nil }
	st.recordSent = func(int64) error { return Errorf(ENOTFOUND, "That introduction no longer exists.") }
	var withdrawn []string
	out := &fakeDeliverer{
		post:   func(Attempt, []string, string, *Message) (string, string, error) { return "G1", "1.5", nil },
		remove: func(channelID, ref string) error { withdrawn = append(withdrawn, channelID+"/"+ref); return nil },
	}
	d := newTestDelivery(st, out)
	d.send(context.Background(), OutboxMessage{ID: 60, Kind: OutboxIntro, IntroID: 9, Attempts: 1})
	if !slices.Equal(withdrawn, []string{"G1/1.5"}) {
		t.Errorf("withdrawn %v, want the posted message G1/1.5", withdrawn)
	}
}

// An intro posted by a worker that died before recording it is found by
// its tag when the claim is taken over, recorded, and not posted again;
// the retry looks in the conversation the first try opened.
func TestResumedIntroIsNotPostedTwice(t *testing.T) {
	st := newFakeStore()
	channel := ""
	st.findIntro = func(id int64) (*Intro, error) {
		in := pairIntro(id)
		in.ChannelID = channel
		in.Status = st.statuses[id]
		if in.Status == "" {
			in.Status = IntroPending
		}
		return in, nil
	}
	crash := true
	st.recordSent = func(int64) error {
		if crash {
			crash = false
			return errors.New("the process died")
		}
		return nil
	}
	posted := map[int64]string{} // tag -> ref
	var tries []Attempt
	out := &fakeDeliverer{post: func(at Attempt, users []string, channelID string, m *Message) (string, string, error) {
		tries = append(tries, at)
		if channelID == "" {
			channelID = "G1"
		}
		if ref, ok := posted[at.Tag]; ok && at.Resume {
			return channelID, ref, nil
		}
		posted[at.Tag] = fmt.Sprintf("1.%d", len(posted)+1)
		return channelID, posted[at.Tag], nil
	}}
	d := newTestDelivery(st, out)
	d.send(context.Background(), OutboxMessage{ID: 70, Kind: OutboxIntro, IntroID: 4, Attempts: 1})
	if st.finished[70] != "" {
		t.Fatalf("an intro whose sending was not recorded finished %q", st.finished[70])
	}
	channel = "G1"
	d.send(context.Background(), OutboxMessage{ID: 70, Kind: OutboxIntro, IntroID: 4, Attempts: 2})
	if len(posted) != 1 || st.finished[70] != OutboxSent || st.statuses[4] != IntroSent {
		t.Errorf("posted %v, outbox %q, intro %q; want one post, recorded as sent", posted, st.finished[70], st.statuses[4])
	}
	if want := []Attempt{{Kind: OutboxIntro, Tag: 4}, {Kind: OutboxIntro, Tag: 4, Resume: true}}; !slices.Equal(tries, want) {
		t.Errorf("attempts %+v, want %+v: tagged with the intro, the second resumed", tries, want)
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
	var got []string
	var tries []Attempt
	out := &fakeDeliverer{dm: func(at Attempt, userID string, m *Message) error {
		got = append(got, PlainText(m))
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
	if want := "introduced you to Cara Example and " + LeftMemberName + ", but"; !strings.Contains(got[0], want) {
		t.Errorf("unreachable notice %q does not say %q", got[0], want)
	}
	left := strings.ToLower(got[1])
	if !strings.Contains(left, "first") {
		t.Errorf("left-out notice %q does not say they go first", got[1])
	}
	for _, never := range []string{"block", "do-not-pair", "not a good match", "chose", "organisation", "colleague"} {
		if strings.Contains(left, never) {
			t.Errorf("left-out notice %q mentions %q", got[1], never)
		}
	}
	want := []Attempt{{Kind: OutboxNotice, Tag: 40}, {Kind: OutboxNotice, Tag: 41, Resume: true}}
	if !slices.Equal(tries, want) {
		t.Errorf("attempts %+v, want %+v: the outbox IDs, and a resume on the second try", tries, want)
	}
	if st.finished[40] != OutboxSent || st.finished[41] != OutboxSent {
		t.Errorf("finished %v", st.finished)
	}
}

// A member whose intros went unanswered is told they are paused, how many
// went unanswered, and the command that resumes them, shown as one.
func TestAutoPausedMemberIsToldHowToResume(t *testing.T) {
	st := newFakeStore()
	var got *Message
	out := &fakeDeliverer{dm: func(_ Attempt, _ string, m *Message) error { got = m; return nil }}
	d := newTestDelivery(st, out)
	d.send(context.Background(), OutboxMessage{ID: 45, Kind: OutboxNotice, MemberID: 1, UserID: "U1", Platform: "slack",
		Notice: NoticeAutoPaused, Params: NoticeParams{Count: 3}, Attempts: 1})
	if got == nil {
		t.Fatal("no notice sent")
	}
	text := PlainText(got)
	for _, want := range []string{"your last 3 introductions", "paused", "type " + CommandName + " resume."} {
		if !strings.Contains(text, want) {
			t.Errorf("auto-pause notice %q does not say %q", text, want)
		}
	}
	if !slices.Contains(got.Sections[0].Text, Cmd("resume")) {
		t.Errorf("the resume command is not shown as a command: %+v", got.Sections[0].Text)
	}
	if strings.Contains(text, "`") {
		t.Errorf("the notice carries markup: %q", text)
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
	out := &fakeDeliverer{dm: func(at Attempt, userID string, _ *Message) error {
		sent = append(sent, fmt.Sprintf("%d:%s", at.Tag, userID))
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
		m.ID, m.Kind, m.Platform, m.Attempts = int64(50+i), OutboxNotice, "slack", 1
		d.send(context.Background(), m)
	}
	want := []string{"51:U1", "54:U2", "57:U2"}
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
	out := &fakeDeliverer{post: func(Attempt, []string, string, *Message) (string, string, error) {
		return "", "", &DeliveryError{Unreachable: []string{"U2"}, Err: errors.New("user_not_found")}
	}}
	d := newTestDelivery(st, out)
	d.send(context.Background(), OutboxMessage{ID: 50, Kind: OutboxIntro, IntroID: 8, Attempts: 1})
	if calls != 1 || st.statuses[8] != IntroFailed || st.finished[50] != OutboxFailed {
		t.Errorf("%d store calls, intro %q, outbox %q; want 1, failed, failed", calls, st.statuses[8], st.finished[50])
	}
}

// When one of a trio cannot be reached, they are marked unreachable and
// the intro goes at once to the other two, without them: neither their
// mention nor their name is in it.
func TestTrioGoesAheadWithoutAnUnreachableMember(t *testing.T) {
	st := newFakeStore()
	unreachable := false
	st.findIntro = func(id int64) (*Intro, error) {
		in := pairIntro(id)
		in.Members = append(in.Members, IntroMember{Member: Member{ID: 3, Platform: "slack", UserID: "U3", Name: "Cy Gone", Status: StatusActive,
			Profile: formProfile(ProfileForm{OrganisationOther: "Hillview Surgery"})}, Unreachable: unreachable})
		return in, nil
	}
	st.unreachable = func(introID int64, gone []int64, failIntro bool, ns []Notice) error {
		if !slices.Equal(gone, []int64{3}) || failIntro || len(ns) != 0 {
			t.Errorf("marked %v unreachable, failing the intro %v, notices %v; want [3] alone", gone, failIntro, ns)
		}
		unreachable = true
		return nil
	}
	var sentTo [][]string
	var intro *Message
	out := &fakeDeliverer{post: func(_ Attempt, users []string, _ string, m *Message) (string, string, error) {
		sentTo = append(sentTo, users)
		if slices.Contains(users, "U3") {
			return "", "", &DeliveryError{Permanent: true, Unreachable: []string{"U3"}, Err: errors.New("account_inactive")}
		}
		intro = m
		return "G1", "1.0", nil
	}}
	d := newTestDelivery(st, out)
	d.send(context.Background(), OutboxMessage{ID: 80, Kind: OutboxIntro, IntroID: 5, Attempts: 1})
	if !st.retried[80].Equal(deliveryNow) || st.finished[80] != "" {
		t.Fatalf("after the refusal: retry at %v, finished %q; want retried at once", st.retried[80], st.finished[80])
	}
	d.send(context.Background(), OutboxMessage{ID: 80, Kind: OutboxIntro, IntroID: 5, Attempts: 2})
	if len(sentTo) != 2 || !slices.Equal(sentTo[1], []string{"U1", "U2"}) || st.finished[80] != OutboxSent {
		t.Fatalf("sent to %v, outbox %q; want the retry to the two who can be reached, recorded", sentTo, st.finished[80])
	}
	if text := PlainText(intro); strings.Contains(text, "Cy Gone") || !strings.HasPrefix(text, "Meet Ann Example and Bob Example") {
		t.Errorf("the intro is not for the two who remain:\n%s", text)
	}
}

// Each message goes out on the platform of the member it is for, and a
// 429 on one platform does not hold the other's messages.
func TestMessagesGoOutOnTheMembersPlatform(t *testing.T) {
	st := newFakeStore()
	st.findIntro = func(id int64) (*Intro, error) {
		in := pairIntro(id)
		if id == 2 {
			for i := range in.Members {
				in.Members[i].Member.Platform = "teams"
			}
		}
		return in, nil
	}
	got := map[string][]string{}
	on := func(platform string) *fakeDeliverer {
		return &fakeDeliverer{
			dm: func(at Attempt, userID string, _ *Message) error {
				got[platform] = append(got[platform], fmt.Sprintf("dm %d to %s", at.Tag, userID))
				return nil
			},
			post: func(at Attempt, users []string, _ string, _ *Message) (string, string, error) {
				got[platform] = append(got[platform], fmt.Sprintf("intro %d", at.Tag))
				return "C", "1", nil
			},
		}
	}
	slack, teams := on("slack"), on("teams")
	d := newTestDelivery(st, slack)
	d.Platforms["teams"] = teams
	ctx := context.Background()
	d.send(ctx, OutboxMessage{ID: 1, Kind: OutboxNotice, MemberID: 1, UserID: "U1", Platform: "slack", Notice: NoticeLeftOut, Attempts: 1})
	d.send(ctx, OutboxMessage{ID: 2, Kind: OutboxNotice, MemberID: 9, UserID: "29:teams-user", Platform: "teams", Notice: NoticeLeftOut, Attempts: 1})
	d.send(ctx, OutboxMessage{ID: 3, Kind: OutboxIntro, IntroID: 1, Attempts: 1})
	d.send(ctx, OutboxMessage{ID: 4, Kind: OutboxIntro, IntroID: 2, Attempts: 1})
	want := map[string][]string{"slack": {"dm 1 to U1", "intro 1"}, "teams": {"dm 2 to 29:teams-user", "intro 2"}}
	for p := range want {
		if !slices.Equal(got[p], want[p]) {
			t.Errorf("%s was asked to send %v, want %v", p, got[p], want[p])
		}
	}

	slack.dm = func(Attempt, string, *Message) error {
		return &DeliveryError{RetryAfter: time.Minute, Err: errors.New("ratelimited")}
	}
	d.send(ctx, OutboxMessage{ID: 5, Kind: OutboxNotice, MemberID: 1, UserID: "U1", Platform: "slack", Notice: NoticeLeftOut, Attempts: 1})
	d.send(ctx, OutboxMessage{ID: 6, Kind: OutboxNotice, MemberID: 9, UserID: "29:teams-user", Platform: "teams", Notice: NoticeLeftOut, Attempts: 1})
	if slack.Pause().Until().IsZero() || !teams.Pause().Until().IsZero() {
		t.Errorf("paused until: slack %v, teams %v; want only slack paused", slack.Pause().Until(), teams.Pause().Until())
	}
	if st.finished[6] != OutboxSent || d.allPaused() != 0 {
		t.Errorf("teams message %q, all paused for %v; want it sent while slack waits", st.finished[6], d.allPaused())
	}

	d.send(ctx, OutboxMessage{ID: 7, Kind: OutboxNotice, MemberID: 9, UserID: "X", Platform: "irc", Notice: NoticeLeftOut, Attempts: 1})
	if st.retried[7].IsZero() || st.finished[7] != "" {
		t.Errorf("a message for a platform not served: retried %v, finished %q; want it retried later", st.retried[7], st.finished[7])
	}
}

// A posted intro from which a member has left is edited, on its
// platform, to name only those still in it.
func TestPostedIntroEditedAfterAMemberLeft(t *testing.T) {
	st := newFakeStore()
	st.findIntro = func(id int64) (*Intro, error) {
		in := pairIntro(id)
		in.Status, in.ChannelID, in.MessageRef = IntroSent, "G1", "1.5"
		in.Members[1] = IntroMember{Left: true, Member: Member{Name: LeftMemberName, Status: StatusLeft}}
		return in, nil
	}
	var edited []string
	out := &fakeDeliverer{update: func(channelID, ref string, m *Message) error {
		edited = append(edited, channelID+"/"+ref+": "+PlainText(m))
		return nil
	}}
	d := newTestDelivery(st, out)
	d.send(context.Background(), OutboxMessage{ID: 90, Kind: OutboxIntroUpdate, IntroID: 3, Attempts: 1})
	want := "G1/1.5: An introduction from Rapport\nThis introduction was between Ann Example (Ann Example) and a member who has since left Rapport."
	if len(edited) != 1 || !strings.HasPrefix(edited[0], want) || st.finished[90] != OutboxSent {
		t.Errorf("edited %q, outbox %q; want %q…, sent", edited, st.finished[90], want)
	}
}
