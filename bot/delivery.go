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

// Deliverer carries messages on one platform. Delivery decides what is
// said and to whom; the deliverer renders each Message in its platform's
// own way and sends it, paced to the platform's limits, waiting out its
// Pause. It returns a *DeliveryError when the platform says how a send
// failed.
type Deliverer interface {
	// PostGroup posts m in the group conversation of users, opening it,
	// or in channelID when that is set, tagged with at. On a resumed
	// attempt it first looks there for a message with the same tag, and
	// returns that one rather than post again. It returns where the
	// message is; when the send fails once the conversation is known, it
	// returns the conversation too, so that a retry looks there first.
	PostGroup(ctx context.Context, at Attempt, users []string, channelID string, m *Message) (channel, ref string, err error)
	// DM sends m to one user as a direct message from the bot, tagged
	// with at; on a resumed attempt it sends nothing when it finds the tag.
	DM(ctx context.Context, at Attempt, userID string, m *Message) error
	// Update replaces a posted message. A message that is gone is nothing
	// to update, not an error.
	Update(ctx context.Context, channelID, ref string, m *Message) error
	// Delete deletes a posted message; one that is gone already is not an
	// error.
	Delete(ctx context.Context, channelID, ref string) error
	// Pause is the platform's pause after a 429: the Delivery holds it
	// when the platform asks it to wait, and every send of the deliverer
	// waits it out. Each platform has its own, so one platform's limits do
	// not hold another's messages.
	Pause() *Pause
}

// Attempt is one try at sending an outbox message. The deliverer tags
// what it sends with Kind and Tag; when Resume is set an earlier try may
// have sent it already (the process died before recording it), and the
// deliverer looks for the tag before sending again, so nothing goes twice.
type Attempt struct {
	// Kind is what is sent: OutboxIntro, OutboxFollowUp or OutboxNotice.
	Kind string
	// Tag is the intro's ID for an intro (which keeps its tag however
	// often it is queued), the outbox message's ID for the rest.
	Tag    int64
	Resume bool
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
	SetIntroDelivery(ctx context.Context, introID int64, channelID, status, ref string) error
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

// Pause holds a platform's sending after it asks everyone to wait (a 429
// with Retry-After). The platform's deliverer keeps it and its pacing
// waits on it, so a send already on its way to a rate-limit slot does not
// go out inside the pause either; only the Delivery calls Hold.
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

// Delivery sends what the outbox holds, once each, until stopped. It puts
// each message into words and sends it on the platform of the member it
// is for, so one process can serve several platforms at once.
type Delivery struct {
	Store DeliveryStore
	// Platforms are the deliverers by platform (Member.Platform).
	Platforms map[string]Deliverer
	// Location is the network's time zone, for dates in messages.
	Location *time.Location
	Now      func() time.Time
	Log      *slog.Logger
	// Workers is how many messages are sent at once (default 2: the
	// platforms' pace, not the workers, bounds delivery).
	Workers int
	// StaleAfter is how long a claimed message may go unrecorded before
	// another worker takes it over (default 5 minutes).
	StaleAfter time.Duration
	// Idle is the longest wait between looks at the outbox (default 30 s).
	Idle time.Duration
	// MaxAttempts is when a message that keeps failing is given up on.
	MaxAttempts int
	// Meter counts each attempt's outcome by platform, and the outbox's
	// database errors; nil counts nothing.
	Meter Meter

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
		if d.Location == nil {
			d.Location = time.UTC
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
		if wait := d.allPaused(); wait > 0 {
			sleep(ctx, wait, nil)
			continue
		}
		now := d.Now().UTC()
		msgs, err := d.Store.ClaimOutbox(ctx, now, now.Add(-d.StaleAfter), d.Workers)
		if err != nil {
			if ctx.Err() == nil {
				d.Log.Error("reading the outbox failed", "err", err)
				d.meter().DBError("outbox claim")
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

// allPaused returns how long every platform must still wait after a 429,
// or zero when one of them may send: the outbox is not read while none
// can. While only some are paused, their messages claimed meanwhile are
// put back for the end of their pause (see ready).
func (d *Delivery) allPaused() time.Duration {
	var wait time.Duration
	for _, out := range d.Platforms {
		w := d.paused(out)
		if w <= 0 {
			return 0
		}
		if wait == 0 || w < wait {
			wait = w
		}
	}
	return wait
}

// paused returns how long out's platform must still wait after a 429.
func (d *Delivery) paused(out Deliverer) time.Duration {
	return out.Pause().Until().Sub(d.Now())
}

// ready returns the deliverer of platform and whether m may go now. A
// message claimed while its platform is paused after a 429 is put back
// for the end of the pause, so the pause holds for all.
func (d *Delivery) ready(m OutboxMessage, platform string) (Deliverer, bool, error) {
	out, name, err := d.deliverer(platform)
	if err != nil {
		return nil, false, err
	}
	named := namedDeliverer{Deliverer: out, platform: name}
	if wait := d.paused(out); wait > 0 {
		d.deferMsg(m, d.Now().Add(wait))
		return named, false, nil
	}
	return named, true, nil
}

// namedDeliverer is a deliverer with the name of its platform, so that
// an attempt's outcome is counted by platform.
type namedDeliverer struct {
	Deliverer
	platform string
}

// platformOf names the platform of a deliverer that ready returned.
func platformOf(out Deliverer) string {
	if n, ok := out.(namedDeliverer); ok {
		return n.platform
	}
	return ""
}

func (d *Delivery) meter() Meter { return meterOf(d.Meter) }

// sent counts an attempt that reached the platform.
func (d *Delivery) sent(out Deliverer) { d.meter().Send(platformOf(out), SendOK) }

// errNoPlatform says a message is for a platform this process does not
// serve; it is retried, in case the platform is being set up, and given
// up in the end.
var errNoPlatform = errors.New("no deliverer for the member's platform")

// deliverer returns the deliverer of a platform. A platform that cannot
// be told (an intro whose members have all left) is the only one served,
// when there is one.
func (d *Delivery) deliverer(platform string) (Deliverer, string, error) {
	if out, ok := d.Platforms[platform]; ok {
		return out, platform, nil
	}
	if platform == "" && len(d.Platforms) == 1 {
		for name, out := range d.Platforms {
			return out, name, nil
		}
	}
	d.Log.Error("no deliverer for a message's platform", "platform", platform)
	return nil, "", fmt.Errorf("%w %q", errNoPlatform, platform)
}

// introPlatform is the platform of an intro's members: that of the first
// who is still in Rapport.
func introPlatform(in *Intro) string {
	for _, im := range in.Members {
		if !im.Left && im.Member.Platform != "" {
			return im.Member.Platform
		}
	}
	return ""
}

// send sends one message and records the outcome.
func (d *Delivery) send(ctx context.Context, m OutboxMessage) {
	// No deadline here: waiting for a rate-limit slot is not a failure.
	// Each platform call has its own timeout, and StaleAfter must exceed a
	// paced send (a minute's wait for a slot and a few calls).
	var out Deliverer
	var err error
	switch m.Kind {
	case OutboxIntro:
		out, err = d.sendIntro(ctx, m)
	case OutboxFollowUp:
		out, err = d.sendFollowUp(ctx, m)
	case OutboxNotice:
		out, err = d.sendNotice(ctx, m)
	case OutboxIntroUpdate:
		out, err = d.updateIntro(ctx, m)
	default:
		d.Log.Error("unknown outbox kind; not sent", "kind", m.Kind, "outbox", m.ID)
		d.finish(m, OutboxFailed, "")
		return
	}
	if err != nil {
		d.failed(ctx, m, out, err)
	}
}

// attempt is the try at m that is being made: a resumed one when an
// earlier claim may have sent it.
func attempt(m OutboxMessage) Attempt {
	return Attempt{Kind: m.Kind, Tag: m.ID, Resume: m.Attempts > 1}
}

func (d *Delivery) sendNotice(ctx context.Context, m OutboxMessage) (Deliverer, error) {
	out, ok, err := d.ready(m, m.Platform)
	if !ok {
		return out, err
	}
	msg, err := d.noticeMessage(ctx, m)
	if err == errSkipNotice {
		d.Log.Info("notice no longer applies; skipped", "kind", m.Notice, "outbox", m.ID)
		d.finish(m, OutboxSkipped, "")
		return out, nil
	} else if err != nil {
		return out, err
	}
	if err := out.DM(ctx, attempt(m), m.UserID, msg); err != nil {
		return out, err
	}
	d.sent(out)
	d.finish(m, OutboxSent, "")
	return out, nil
}

func (d *Delivery) sendIntro(ctx context.Context, m OutboxMessage) (Deliverer, error) {
	in, err := d.Store.FindIntro(ctx, m.IntroID)
	if ErrorCode(err) == ENOTFOUND {
		d.finish(m, OutboxSkipped, "") // erased with a member who left
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if in.Status == IntroSent {
		d.finish(m, OutboxSent, "")
		return nil, nil
	}
	var users []string
	for _, im := range in.Members {
		if takingPart(im) {
			users = append(users, im.Member.UserID)
		}
	}
	if len(users) < 2 {
		d.Log.Info("intro has fewer than two reachable members; not sent", "intro", in.ID)
		d.giveUp(ctx, m)
		return nil, nil
	}
	out, ok, err := d.ready(m, introPlatform(in))
	if !ok {
		return out, err
	}
	at := Attempt{Kind: OutboxIntro, Tag: in.ID, Resume: m.Attempts > 1}
	channel, ref, err := out.PostGroup(ctx, at, users, in.ChannelID, introMessage(in))
	if err != nil {
		if channel != "" {
			// Remember the conversation, so a retry looks there first.
			_ = d.Store.SetIntroDelivery(context.WithoutCancel(ctx), in.ID, channel, "", "")
		}
		var de *DeliveryError
		if errors.As(err, &de) && len(de.Unreachable) > 0 {
			d.meter().Send(platformOf(out), SendUnreachable)
			return out, d.unreachable(ctx, m, in, de.Unreachable)
		}
		return out, err
	}
	d.sent(out)
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err = d.Store.RecordIntroSent(rctx, m.ID, in.ID, channel, ref, d.Now())
	switch {
	case ErrorCode(err) == ENOTFOUND:
		// A member left while the intro was on its way, and leave called it
		// off: take back the message that shows their profile.
		d.Log.Info("intro called off while it was sent; withdrawing it", "intro", in.ID)
		if err := out.Delete(rctx, channel, ref); err != nil {
			d.Log.Error("could not withdraw an intro that was called off", "intro", in.ID, "err", err)
		}
	case err != nil:
		// The message is out but not recorded: the claim goes stale, and
		// the next attempt finds the message in the conversation.
		d.Log.Error("could not record a sent intro", "intro", in.ID, "err", err)
		d.meter().DBError("intro record")
	}
	return out, nil
}

// updateIntro edits a posted intro once a member of it has left.
func (d *Delivery) updateIntro(ctx context.Context, m OutboxMessage) (Deliverer, error) {
	in, err := d.Store.FindIntro(ctx, m.IntroID)
	if ErrorCode(err) == ENOTFOUND {
		d.finish(m, OutboxSkipped, "") // deleted with old history
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if in.ChannelID == "" || in.MessageRef == "" {
		d.finish(m, OutboxSkipped, "")
		return nil, nil
	}
	out, ok, err := d.ready(m, introPlatform(in))
	if !ok {
		return out, err
	}
	if err := out.Update(ctx, in.ChannelID, in.MessageRef, leftIntroMessage(in)); err != nil {
		return out, err
	}
	d.sent(out)
	d.finish(m, OutboxSent, "")
	return out, nil
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

func (d *Delivery) sendFollowUp(ctx context.Context, m OutboxMessage) (Deliverer, error) {
	in, err := d.Store.FindIntro(ctx, m.IntroID)
	if ErrorCode(err) == ENOTFOUND {
		d.finish(m, OutboxSkipped, "")
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	im := in.Member(m.MemberID)
	switch {
	case im == nil || in.Status == IntroFailed || !takingPart(*im):
		d.finish(m, OutboxSkipped, "")
		return nil, nil
	case in.Status == IntroPending:
		// The intro itself has not gone out yet: ask later.
		d.retry(m, d.Now().Add(time.Hour), "intro not yet delivered")
		return nil, nil
	case im.Answer != AnswerNone && im.Answer != AnswerNotYet:
		d.finish(m, OutboxSkipped, "") // they told us already
		return nil, nil
	}
	out, ok, err := d.ready(m, m.Platform)
	if !ok {
		return out, err
	}
	if err := out.DM(ctx, attempt(m), im.Member.UserID, followUpMessage(in, im, im.Answer == AnswerNotYet)); err != nil {
		return out, err
	}
	d.sent(out)
	d.finish(m, OutboxSent, "")
	return out, nil
}

// failed decides what a failed send on out means: pause out's platform
// after a 429, give up on an error that will not change, or try again
// later with jittered backoff.
func (d *Delivery) failed(ctx context.Context, m OutboxMessage, out Deliverer, err error) {
	d.count(out, err, m.Attempts >= d.MaxAttempts)
	var de *DeliveryError
	switch {
	case errors.As(err, &de) && de.RetryAfter > 0 && out != nil:
		out.Pause().Hold(d.Now().Add(de.RetryAfter))
		d.Log.Warn("rate limited; pausing delivery", "platform", m.Platform, "retry_after", de.RetryAfter)
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
			d.meter().DBError("mark unreachable")
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

// count counts a failed attempt: as a send on out's platform by what
// becomes of the message (waiting out a 429, given up on, tried again),
// or, when no platform was asked (out is nil), as the database failing.
// last says the message has had its last attempt.
func (d *Delivery) count(out Deliverer, err error, last bool) {
	var de *DeliveryError
	switch {
	case out == nil && errors.Is(err, errNoPlatform):
		// A platform this process does not serve: neither a send nor the
		// database.
	case out == nil:
		d.meter().DBError("outbox read")
	case errors.As(err, &de) && de.RetryAfter > 0:
		d.meter().Send(platformOf(out), SendRateLimited)
	case errors.As(err, &de) && de.Permanent, last:
		d.meter().Send(platformOf(out), SendUnreachable)
	default:
		d.meter().Send(platformOf(out), SendRetried)
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
				if takingPart(im) {
					notices = append(notices, Notice{MemberID: im.Member.ID, Kind: NoticeUndelivered})
				}
			}
			if err := d.Store.MarkUnreachable(wctx, in.ID, nil, true, notices, d.Now()); err != nil {
				d.Log.Error("could not mark an undelivered intro failed", "intro", in.ID, "err", err)
				d.meter().DBError("mark unreachable")
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
		d.meter().DBError("outbox finish")
	}
}

func (d *Delivery) retry(m OutboxMessage, due time.Time, reason string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Store.RetryOutbox(ctx, m.ID, due, reason); err != nil {
		d.Log.Error("could not reschedule a message", "outbox", m.ID, "err", err)
		d.meter().DBError("outbox retry")
	}
}

// deferMsg puts a message back for later without counting an attempt.
func (d *Delivery) deferMsg(m OutboxMessage, due time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Store.DeferOutbox(ctx, m.ID, due); err != nil {
		d.Log.Error("could not reschedule a message", "outbox", m.ID, "err", err)
		d.meter().DBError("outbox defer")
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
