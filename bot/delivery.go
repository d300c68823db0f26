package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Deliverer sends outbox messages on a platform. Implementations pace
// themselves to the platform's limits, waiting out the Pause the Delivery
// holds after a 429.
type Deliverer interface {
	// SendIntro sends the intro's group message to its reachable members.
	// When resume is set an earlier attempt may have sent it already, and
	// the deliverer looks for it before sending again. It returns where the
	// message is.
	SendIntro(ctx context.Context, in *Intro, resume bool) (channelID, ref string, err error)
	// SendFollowUp asks one member of a delivered intro whether they met.
	SendFollowUp(ctx context.Context, at Attempt, in *Intro, m *IntroMember, second bool) error
	// SendNotice sends a notice to one member.
	SendNotice(ctx context.Context, at Attempt, n *NoticeMessage) error
	// UpdateIntro edits the intro's posted message (in.ChannelID,
	// in.MessageRef) after a member of it has left, so that it no longer
	// shows their details.
	UpdateIntro(ctx context.Context, in *Intro) error
	// WithdrawIntro deletes an intro message just posted whose intro was
	// called off meanwhile (a member of it left).
	WithdrawIntro(ctx context.Context, channelID, ref string) error
}

// Attempt is one try at sending an outbox message. The deliverer tags
// what it sends with OutboxID; when Resume is set an earlier try may have
// sent it already (the process died before recording it), and the
// deliverer looks for the tag before sending again, so nothing goes twice.
type Attempt struct {
	OutboxID int64
	Resume   bool
}

// DeliveryStore is what Delivery needs of the database: the outbox, the
// intros it sends, and what notices speak of.
type DeliveryStore interface {
	// ClaimOutbox claims up to limit messages that are due at now, or whose
	// earlier claim is older than staleBefore, and counts an attempt for
	// each. A message claimed here is claimed nowhere else.
	ClaimOutbox(ctx context.Context, now, staleBefore time.Time, limit int) ([]OutboxMessage, error)
	// FinishOutbox records a message as sent (ref says where), skipped or
	// failed.
	FinishOutbox(ctx context.Context, id int64, status, ref string, now time.Time) error
	// RetryOutbox makes a message due again at due.
	RetryOutbox(ctx context.Context, id int64, due time.Time, reason string) error
	// DeferOutbox makes a message due again at due without counting the
	// claim as an attempt.
	DeferOutbox(ctx context.Context, id int64, due time.Time) error
	// NextOutboxDue returns when the next pending message falls due, or
	// the zero time when none is pending.
	NextOutboxDue(ctx context.Context) (time.Time, error)

	// FindIntro returns an intro with its members as they are now.
	// Returns ENOTFOUND when it does not exist.
	FindIntro(ctx context.Context, id int64) (*Intro, error)
	// RecordIntroSent records, in one transaction, that the intro was
	// posted and that its outbox message is done. Returns ENOTFOUND when
	// the intro is gone: a member left while it was being posted.
	RecordIntroSent(ctx context.Context, outboxID, introID int64, channelID, ref string, now time.Time) error
	// SetIntroDelivery records the intro's conversation and, once sent, its
	// status and message reference.
	SetIntroDelivery(ctx context.Context, introID int64, channelID, status, messageTS string) error
	// MarkUnreachable marks members whose account cannot be reached,
	// gives their meetup places to the people waiting, marks the intro
	// failed when failIntro is set (which puts its members first in line
	// next round), and queues the notices, all in one transaction, so no
	// notice goes out about a failure that is not recorded.
	MarkUnreachable(ctx context.Context, introID int64, memberIDs []int64, failIntro bool, notices []Notice, now time.Time) error

	// MemberNames returns the names of those of the members who are still
	// in Rapport, by ID; a member who has left is missing.
	MemberNames(ctx context.Context, ids []int64) (map[int64]string, error)
	// FindMeetup returns the meetup with its counts. Returns ENOTFOUND.
	FindMeetup(ctx context.Context, id int64) (*Meetup, error)
	// MeetupAttendees returns every answer to the meetup. Returns
	// ENOTFOUND.
	MeetupAttendees(ctx context.Context, id int64) ([]Attendee, error)
}

// Pause holds all sending after a platform asks everyone to wait (a 429
// with Retry-After). The Delivery that owns it sets it; the deliverer's
// pacing only waits on it, so a send already on its way to a rate-limit
// slot does not go out inside the pause either.
type Pause struct {
	mu    sync.Mutex
	until time.Time
}

// Hold pauses sending until t, unless it is paused longer already.
func (p *Pause) Hold(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.After(p.until) {
		p.until = t
	}
}

// Until returns when the pause ends; a time in the past means none.
func (p *Pause) Until() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.until
}

// Wait returns when the pause is over, or ctx's error.
func (p *Pause) Wait(ctx context.Context) error {
	for {
		wait := time.Until(p.Until())
		if wait <= 0 {
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// DeliveryError says how a send failed, so the worker knows what to do.
type DeliveryError struct {
	// RetryAfter, when set, is how long the platform asked everyone to
	// wait (a 429); all sending pauses that long.
	RetryAfter time.Duration
	// Permanent errors will not change on retry.
	Permanent bool
	// Unreachable lists the platform user IDs that cannot receive messages
	// (deactivated, unknown): they become inactive.
	Unreachable []string
	Err         error
}

func (e *DeliveryError) Error() string { return fmt.Sprintf("delivery: %v", e.Err) }
func (e *DeliveryError) Unwrap() error { return e.Err }

// Delivery sends what the outbox holds, once each, until stopped.
type Delivery struct {
	Store DeliveryStore
	Out   Deliverer
	Now   func() time.Time
	Log   *slog.Logger
	// Workers is how many messages are sent at once (default 2: Slack's
	// pace, not the workers, bounds delivery).
	Workers int
	// StaleAfter is how long a claimed message may go unrecorded before
	// another worker takes it over (default 5 minutes).
	StaleAfter time.Duration
	// Idle is the longest wait between looks at the outbox (default 30 s).
	Idle time.Duration
	// MaxAttempts is when a message that keeps failing is given up on.
	MaxAttempts int
	// Pause is the pause after a 429, shared with the deliverer's pacing;
	// nil means one of the Delivery's own.
	Pause *Pause

	wakeOnce sync.Once
	wake     chan struct{}
}

// Wake tells a waiting worker that new messages are due.
func (d *Delivery) Wake() {
	d.init()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *Delivery) init() {
	d.wakeOnce.Do(func() {
		d.wake = make(chan struct{}, 1)
		if d.Now == nil {
			d.Now = time.Now
		}
		if d.Log == nil {
			d.Log = slog.New(slog.DiscardHandler)
		}
		if d.Workers <= 0 {
			d.Workers = 2
		}
		if d.StaleAfter <= 0 {
			d.StaleAfter = 5 * time.Minute
		}
		if d.Idle <= 0 {
			d.Idle = 30 * time.Second
		}
		if d.MaxAttempts <= 0 {
			d.MaxAttempts = 12
		}
		if d.Pause == nil {
			d.Pause = &Pause{}
		}
	})
}

// Run sends due messages until ctx is cancelled. Workers take messages
// as they free up, and the outbox is claimed a little ahead of them.
func (d *Delivery) Run(ctx context.Context) error {
	d.init()
	jobs := make(chan OutboxMessage)
	var wg sync.WaitGroup
	for range d.Workers {
		wg.Go(func() {
			for m := range jobs {
				d.send(ctx, m)
			}
		})
	}
	defer func() {
		close(jobs)
		wg.Wait()
	}()
	for ctx.Err() == nil {
		if wait := d.pause(); wait > 0 {
			sleep(ctx, wait, nil)
			continue
		}
		now := d.Now().UTC()
		msgs, err := d.Store.ClaimOutbox(ctx, now, now.Add(-d.StaleAfter), d.Workers)
		if err != nil {
			if ctx.Err() == nil {
				d.Log.Error("reading the outbox failed", "err", err)
				sleep(ctx, 5*time.Second, d.wake)
			}
			continue
		}
		if len(msgs) == 0 {
			wait := d.Idle
			if next, err := d.Store.NextOutboxDue(ctx); err == nil && !next.IsZero() {
				wait = min(wait, max(next.Sub(d.Now()), 10*time.Millisecond))
			}
			sleep(ctx, wait, d.wake)
			continue
		}
		for i, m := range msgs {
			select {
			case jobs <- m:
			case <-ctx.Done():
				// Give back what no worker took, so it is not left
				// claimed until the claim goes stale.
				for _, left := range msgs[i:] {
					d.deferMsg(left, d.Now())
				}
				return nil
			}
		}
	}
	return nil
}

// pause returns how long sending must still wait after a 429.
func (d *Delivery) pause() time.Duration {
	return d.Pause.Until().Sub(d.Now())
}

func (d *Delivery) pauseFor(wait time.Duration) {
	d.Pause.Hold(d.Now().Add(wait))
}

// send sends one message and records the outcome. A message claimed
// during a 429 pause waits for it, so the pause holds for all.
func (d *Delivery) send(ctx context.Context, m OutboxMessage) {
	if wait := d.pause(); wait > 0 {
		d.deferMsg(m, d.Now().Add(wait))
		return
	}
	// No deadline here: waiting for a rate-limit slot is not a failure.
	// Each platform call has its own timeout, and StaleAfter must exceed a
	// paced send (a minute's wait for a slot and a few calls).
	var err error
	switch m.Kind {
	case OutboxIntro:
		err = d.sendIntro(ctx, m)
	case OutboxFollowUp:
		err = d.sendFollowUp(ctx, m)
	case OutboxNotice:
		err = d.sendNotice(ctx, m)
	case OutboxIntroUpdate:
		err = d.updateIntro(ctx, m)
	default:
		d.Log.Error("unknown outbox kind; not sent", "kind", m.Kind, "outbox", m.ID)
		d.finish(m, OutboxFailed, "")
		return
	}
	if err != nil {
		d.failed(ctx, m, err)
	}
}

// attempt is the try at m that is being made: a resumed one when an
// earlier claim may have sent it.
func attempt(m OutboxMessage) Attempt {
	return Attempt{OutboxID: m.ID, Resume: m.Attempts > 1}
}

func (d *Delivery) sendNotice(ctx context.Context, m OutboxMessage) error {
	n, err := d.noticeMessage(ctx, m)
	if err == errSkipNotice {
		d.Log.Info("notice no longer applies; skipped", "kind", m.Notice, "outbox", m.ID)
		d.finish(m, OutboxSkipped, "")
		return nil
	} else if err != nil {
		return err
	}
	if err := d.Out.SendNotice(ctx, attempt(m), n); err != nil {
		return err
	}
	d.finish(m, OutboxSent, "")
	return nil
}

func (d *Delivery) sendIntro(ctx context.Context, m OutboxMessage) error {
	in, err := d.Store.FindIntro(ctx, m.IntroID)
	if ErrorCode(err) == ENOTFOUND {
		d.finish(m, OutboxSkipped, "") // erased with a member who left
		return nil
	} else if err != nil {
		return err
	}
	if in.Status == IntroSent {
		d.finish(m, OutboxSent, "")
		return nil
	}
	if reachable(in) < 2 {
		d.Log.Info("intro has fewer than two reachable members; not sent", "intro", in.ID)
		d.giveUp(ctx, m)
		return nil
	}
	channel, ref, err := d.Out.SendIntro(ctx, in, m.Attempts > 1)
	if err != nil {
		if channel != "" {
			// Remember the conversation, so a retry looks there first.
			_ = d.Store.SetIntroDelivery(context.WithoutCancel(ctx), in.ID, channel, "", "")
		}
		var de *DeliveryError
		if errors.As(err, &de) && len(de.Unreachable) > 0 {
			return d.unreachable(ctx, m, in, de.Unreachable)
		}
		return err
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err = d.Store.RecordIntroSent(rctx, m.ID, in.ID, channel, ref, d.Now())
	switch {
	case ErrorCode(err) == ENOTFOUND:
		// A member left while the intro was on its way, and leave called it
		// off: take back the message that shows their profile.
		d.Log.Info("intro called off while it was sent; withdrawing it", "intro", in.ID)
		if err := d.Out.WithdrawIntro(rctx, channel, ref); err != nil {
			d.Log.Error("could not withdraw an intro that was called off", "intro", in.ID, "err", err)
		}
	case err != nil:
		// The message is out but not recorded: the claim goes stale, and
		// the next attempt finds the message in the conversation.
		d.Log.Error("could not record a sent intro", "intro", in.ID, "err", err)
	}
	return nil
}

// updateIntro edits a posted intro once a member of it has left.
func (d *Delivery) updateIntro(ctx context.Context, m OutboxMessage) error {
	in, err := d.Store.FindIntro(ctx, m.IntroID)
	if ErrorCode(err) == ENOTFOUND {
		d.finish(m, OutboxSkipped, "") // deleted with old history
		return nil
	} else if err != nil {
		return err
	}
	if in.ChannelID == "" || in.MessageRef == "" {
		d.finish(m, OutboxSkipped, "")
		return nil
	}
	if err := d.Out.UpdateIntro(ctx, in); err != nil {
		return err
	}
	d.finish(m, OutboxSent, "")
	return nil
}

func reachable(in *Intro) int {
	n := 0
	for _, im := range in.Members {
		if !im.Unreachable && im.Member.Status == StatusActive {
			n++
		}
	}
	return n
}

// unreachable marks members who cannot receive the intro, tells the
// others, and sends the intro again to the rest when two or more remain.
func (d *Delivery) unreachable(ctx context.Context, m OutboxMessage, in *Intro, userIDs []string) error {
	var gone []int64
	for _, im := range in.Members {
		if slices.Contains(userIDs, im.Member.UserID) {
			gone = append(gone, im.Member.ID)
		}
	}
	remaining := 0
	for _, im := range in.Members {
		if !slices.Contains(gone, im.Member.ID) && !im.Unreachable {
			remaining++
		}
	}
	var notices []Notice
	if remaining < 2 {
		for _, im := range in.Members {
			if !slices.Contains(gone, im.Member.ID) && !im.Unreachable {
				notices = append(notices, Notice{MemberID: im.Member.ID, Kind: NoticePartnerUnreachable, Params: NoticeParams{Members: gone}})
			}
		}
	}
	wctx := context.WithoutCancel(ctx)
	if err := d.Store.MarkUnreachable(wctx, in.ID, gone, remaining < 2, notices, d.Now()); err != nil {
		return err
	}
	d.Log.Warn("members unreachable; marked inactive", "intro", in.ID, "members", len(gone))
	if remaining < 2 {
		d.finish(m, OutboxFailed, "")
		d.Wake()
		return nil
	}
	d.retry(m, d.Now(), "sending to the members who can be reached")
	return nil
}

func (d *Delivery) sendFollowUp(ctx context.Context, m OutboxMessage) error {
	in, err := d.Store.FindIntro(ctx, m.IntroID)
	if ErrorCode(err) == ENOTFOUND {
		d.finish(m, OutboxSkipped, "")
		return nil
	} else if err != nil {
		return err
	}
	im := in.Member(m.MemberID)
	switch {
	case im == nil || in.Status == IntroFailed || im.Unreachable || im.Member.Status != StatusActive:
		d.finish(m, OutboxSkipped, "")
		return nil
	case in.Status == IntroPending:
		// The intro itself has not gone out yet: ask later.
		d.retry(m, d.Now().Add(time.Hour), "intro not yet delivered")
		return nil
	case im.Answer != AnswerNone && im.Answer != AnswerNotYet:
		d.finish(m, OutboxSkipped, "") // they told us already
		return nil
	}
	if err := d.Out.SendFollowUp(ctx, attempt(m), in, im, im.Answer == AnswerNotYet); err != nil {
		return err
	}
	d.finish(m, OutboxSent, "")
	return nil
}

// failed decides what a failed send means: pause everything after a 429,
// give up on an error that will not change, or try again later with
// jittered backoff.
func (d *Delivery) failed(ctx context.Context, m OutboxMessage, err error) {
	var de *DeliveryError
	switch {
	case errors.As(err, &de) && de.RetryAfter > 0:
		d.pauseFor(de.RetryAfter)
		d.Log.Warn("rate limited; pausing delivery", "retry_after", de.RetryAfter)
		d.deferMsg(m, d.Now().Add(de.RetryAfter))
	case errors.As(err, &de) && de.Permanent && m.Kind != OutboxIntro && m.MemberID != 0 && slices.Contains(de.Unreachable, m.UserID):
		// The member's account can no longer receive anything. Marking them
		// unreachable takes them out of rounds, frees their meetup places
		// and starts the clock after which they are erased, as leave would.
		d.Log.Warn("member cannot be reached; marked unreachable", "kind", m.Kind, "outbox", m.ID, "member", m.MemberID)
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := d.Store.MarkUnreachable(wctx, 0, []int64{m.MemberID}, false, nil, d.Now()); err != nil {
			d.Log.Error("could not mark a member unreachable", "member", m.MemberID, "err", err)
		}
		d.finish(m, OutboxFailed, "")
		d.Wake() // a freed meetup place queues a notice
	case errors.As(err, &de) && de.Permanent:
		d.Log.Error("giving up on a message", "kind", m.Kind, "outbox", m.ID, "err", err)
		d.giveUp(ctx, m)
	case m.Attempts >= d.MaxAttempts:
		d.Log.Error("giving up on a message after repeated failures", "kind", m.Kind, "outbox", m.ID, "attempts", m.Attempts, "err", err)
		d.giveUp(ctx, m)
	default:
		wait := backoff(m.Attempts)
		d.Log.Warn("send failed; will retry", "kind", m.Kind, "outbox", m.ID, "attempt", m.Attempts, "in", wait, "err", err)
		d.retry(m, d.Now().Add(wait), err.Error())
	}
}

// giveUp ends a message that will not be sent. An intro that cannot go out
// is marked failed, which puts its members first in line next round, and
// those who can be reached are told.
func (d *Delivery) giveUp(ctx context.Context, m OutboxMessage) {
	if m.Kind == OutboxIntro {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if in, err := d.Store.FindIntro(wctx, m.IntroID); err == nil && in.Status != IntroFailed {
			var notices []Notice
			for _, im := range in.Members {
				if !im.Unreachable && im.Member.Status == StatusActive {
					notices = append(notices, Notice{MemberID: im.Member.ID, Kind: NoticeUndelivered})
				}
			}
			if err := d.Store.MarkUnreachable(wctx, in.ID, nil, true, notices, d.Now()); err != nil {
				d.Log.Error("could not mark an undelivered intro failed", "intro", in.ID, "err", err)
			}
			d.Wake()
		}
	}
	d.finish(m, OutboxFailed, "")
}

// backoff is the wait before attempt n+1: exponential from one second,
// capped at ten minutes, with up to half again of jitter so that workers
// do not retry in step.
func backoff(attempts int) time.Duration {
	base := time.Second << min(max(attempts-1, 0), 10)
	base = min(base, 10*time.Minute)
	return base + rand.N(base/2+1)
}

func (d *Delivery) finish(m OutboxMessage, status, ref string) {
	// Recording the outcome must not be cut short by shutdown.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Store.FinishOutbox(ctx, m.ID, status, ref, d.Now()); err != nil {
		d.Log.Error("could not record a sent message", "outbox", m.ID, "err", err)
	}
}

func (d *Delivery) retry(m OutboxMessage, due time.Time, reason string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Store.RetryOutbox(ctx, m.ID, due, reason); err != nil {
		d.Log.Error("could not reschedule a message", "outbox", m.ID, "err", err)
	}
}

// deferMsg puts a message back for later without counting an attempt.
func (d *Delivery) deferMsg(m OutboxMessage, due time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Store.DeferOutbox(ctx, m.ID, due); err != nil {
		d.Log.Error("could not reschedule a message", "outbox", m.ID, "err", err)
	}
}

func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-wake:
	}
}
