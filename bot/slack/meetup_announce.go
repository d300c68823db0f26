package slack

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// announcer coalesces announcement updates: while one update of a meetup
// is in flight, further requests only mark it dirty, and the updater goes
// round again. Two hundred clicks in a second cost a handful of
// chat.update calls instead of two hundred (Slack allows about 50 a
// minute), and the last update always reads the database after the last
// click was committed.
type announcer struct {
	mu    sync.Mutex
	busy  map[int64]bool
	dirty map[int64]bool
}

func newAnnouncer() *announcer {
	return &announcer{busy: map[int64]bool{}, dirty: map[int64]bool{}}
}

// announceEvery spaces repeated updates of one announcement, about
// Slack's sustained rate for chat.update (tier 3, 50 a minute); each pass
// shows every answer counted before it.
const announceEvery = time.Second

// maxAnnounceAttempts bounds the tries of one announcement update beyond
// the client's own retries of 429s.
const maxAnnounceAttempts = 6

// refreshAnnouncement renders the meetup's announcement from the database
// and updates it in place, unless an update of it is already running here,
// which will then go round once more. After each update it reads the
// meetup's version again and goes round if it moved, so an older rendering
// (from another replica, say) cannot be left showing.
func (a *Adapter) refreshAnnouncement(ctx context.Context, id int64) {
	an := a.announcer
	an.mu.Lock()
	if an.busy[id] {
		an.dirty[id] = true
		an.mu.Unlock()
		return
	}
	an.busy[id] = true
	an.mu.Unlock()
	released := false
	defer func() {
		if released {
			return
		}
		an.mu.Lock()
		delete(an.busy, id)
		delete(an.dirty, id)
		an.mu.Unlock()
	}()
	// release ends this updater's turn, unless a request came in since
	// the last look: that request found the updater busy and left it to
	// go round, so it must not be dropped on the way out.
	release := func() bool {
		an.mu.Lock()
		defer an.mu.Unlock()
		if an.dirty[id] {
			return false
		}
		delete(an.busy, id)
		delete(an.dirty, id)
		released = true
		return true
	}

	failures := 0
	var last time.Time
	for {
		if !last.IsZero() && !sleepCtx(ctx, time.Until(last.Add(announceEvery))) {
			return
		}
		an.mu.Lock()
		an.dirty[id] = false
		an.mu.Unlock()

		m, err := a.meetups.Get(ctx, id)
		if err != nil {
			a.log.Error("could not read a meetup to update its announcement", "meetup", id, "err", err)
			return
		}
		if !m.Announced() {
			return
		}
		last = time.Now()
		if err := a.updateAnnouncement(ctx, m); err != nil {
			failures++
			a.log.Warn("could not update a meetup announcement; will retry", "meetup", id, "attempt", failures, "err", err)
			if failures >= maxAnnounceAttempts || !sleepCtx(ctx, retryWait(err, failures)) {
				a.log.Error("gave up updating a meetup announcement; the next answer will update it", "meetup", id)
				return
			}
			continue
		}
		failures = 0
		an.mu.Lock()
		again := an.dirty[id]
		an.mu.Unlock()
		if again {
			continue
		}
		now, err := a.meetups.Get(ctx, id)
		if (err != nil || now.Version == m.Version) && release() {
			return
		}
	}
}

func (a *Adapter) updateAnnouncement(ctx context.Context, m *bot.Meetup) error {
	text, blocks := announcementMessage(m, a.loc)
	_, _, _, err := a.api.UpdateMessageContext(ctx, m.Channel, m.MessageRef, slack.MsgOptionText(fallback(text), false), slack.MsgOptionBlocks(blocks...))
	return err
}

// retryWait is how long to wait before trying an update again: what
// Slack asked for after a 429, or a growing pause.
func retryWait(err error, attempt int) time.Duration {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) && rl.RetryAfter > 0 {
		return rl.RetryAfter
	}
	return time.Duration(attempt) * 500 * time.Millisecond
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// RunMeetupReminders queues meetup reminders for the outbox as they fall
// due, and gives any place still free to the people waiting, until ctx is
// cancelled. It looks at once, then every Meetups.ReminderInterval, so
// reminders that fell due while the bot was down go out at start (if the
// meetup has not begun). Several replicas may run it: each reminder is
// queued once, in the database.
func (a *Adapter) RunMeetupReminders(ctx context.Context) error {
	if a.meetups == nil {
		<-ctx.Done()
		return nil
	}
	t := time.NewTicker(a.meetups.ReminderInterval())
	defer t.Stop()
	for {
		if _, err := a.QueueDueMeetupReminders(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("could not send meetup reminders", "err", err)
		}
		a.fillFreePlaces(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// fillFreePlaces moves waiting lists up wherever a place is still free
// (a safety net: whatever frees a place fills it at once), and updates
// the announcements. Those moved are told through the outbox.
func (a *Adapter) fillFreePlaces(ctx context.Context) {
	ps, err := a.meetups.FillFreePlaces(ctx)
	if err != nil && ctx.Err() == nil {
		a.log.Error("could not fill freed meetup places", "err", err)
	}
	for _, p := range ps {
		a.log.Info("meetup waiting list moved up", "meetup", p.Meetup.ID, "moved", len(p.Promoted))
		a.refreshAnnouncement(ctx, p.Meetup.ID)
	}
}

// QueueDueMeetupReminders queues the reminders due now that no replica
// has queued, for the outbox to send, and returns how many this call
// queued.
func (a *Adapter) QueueDueMeetupReminders(ctx context.Context) (int, error) {
	if a.meetups == nil {
		return 0, nil
	}
	due, err := a.meetups.DueReminders(ctx)
	if err != nil {
		return 0, err
	}
	queued := 0
	for _, r := range due {
		if ctx.Err() != nil {
			break
		}
		won, err := a.meetups.QueueReminder(ctx, r.MeetupReminder)
		if err != nil {
			a.log.Error("could not queue a meetup reminder", "meetup", r.MeetupID, "user", r.UserID, "err", err)
			continue
		}
		if won {
			a.log.Info("meetup reminder queued", "meetup", r.MeetupID, "user", r.UserID, "kind", r.Kind)
			queued++
		}
	}
	return queued, nil
}
