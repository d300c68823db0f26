package bot

import (
	"context"
	"errors"
	"time"
)

// maxAnnounceAttempts bounds the tries of one announcement update beyond
// the platform client's own retries.
const maxAnnounceAttempts = 6

func (s *Meetups) updateEvery() time.Duration {
	if s.UpdateEvery > 0 {
		return s.UpdateEvery
	}
	return time.Second
}

// announce posts m's announcement in its channel and records where it
// went. If the platform refuses (the bot is not in a private channel,
// say), the meetup stays unannounced, and the host can try again by
// saving it.
func (s *Meetups) announce(ctx context.Context, m *Meetup) error {
	if s.Board == nil {
		return errors.New("meetups have no board to announce on")
	}
	ch, ref, err := s.Board.Post(ctx, m.Channel, announcementMessage(m, s.loc()))
	if err != nil {
		s.log().Error("could not announce a meetup", "meetup", m.ID, "channel", m.Channel, "err", err)
		return err
	}
	for attempt := range 3 {
		if err = s.Store.SetMeetupAnnouncement(ctx, m.ID, ch, ref); err == nil {
			break
		}
		if !sleepCtx(ctx, time.Duration(attempt+1)*200*time.Millisecond) {
			break
		}
	}
	if err != nil {
		// The announcement is out: answers to it still count, and the next
		// save records where it is.
		s.log().Error("announced a meetup but could not record where", "meetup", m.ID, "err", err)
	}
	m.Channel, m.MessageRef = ch, ref
	return nil
}

// announceOrRefresh posts m's announcement if it has none yet, and brings
// it up to date otherwise. It reports whether it tried to post one, and
// whether the post went out.
func (s *Meetups) announceOrRefresh(ctx context.Context, m *Meetup) (tried, posted bool) {
	if m.Announced() {
		s.refresh(ctx, m.ID)
		return false, false
	}
	return true, s.announce(ctx, m) == nil
}

// refresh renders the meetup's announcement from the database and updates
// it in place, unless an update of it is already running here, which will
// then go round once more. Two hundred clicks in a second so cost a
// handful of updates instead of two hundred (Slack allows about 50 a
// minute), and the last update always reads the database after the last
// click was committed. After each update it reads the meetup's version
// again and goes round if it moved, so an older rendering (from another
// replica, say) cannot be left showing.
func (s *Meetups) refresh(ctx context.Context, id int64) {
	an := &s.announcing
	an.mu.Lock()
	if an.busy == nil {
		an.busy, an.dirty = map[int64]bool{}, map[int64]bool{}
	}
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
		if !last.IsZero() && !sleepCtx(ctx, time.Until(last.Add(s.updateEvery()))) {
			return
		}
		an.mu.Lock()
		an.dirty[id] = false
		an.mu.Unlock()

		m, err := s.Get(ctx, id)
		if err != nil {
			s.log().Error("could not read a meetup to update its announcement", "meetup", id, "err", err)
			return
		}
		if !m.Announced() || s.Board == nil {
			return
		}
		last = time.Now()
		if err := s.Board.Update(ctx, m.Channel, m.MessageRef, announcementMessage(m, s.loc())); err != nil {
			failures++
			s.log().Warn("could not update a meetup announcement; will retry", "meetup", id, "attempt", failures, "err", err)
			if failures >= maxAnnounceAttempts || !sleepCtx(ctx, retryWait(err, failures)) {
				s.log().Error("gave up updating a meetup announcement; the next answer will update it", "meetup", id)
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
		now, err := s.Get(ctx, id)
		if (err != nil || now.Version == m.Version) && release() {
			return
		}
	}
}

// retryWait is how long to wait before trying an update again: what the
// platform asked for after a 429, or a growing pause.
func retryWait(err error, attempt int) time.Duration {
	var de *DeliveryError
	if errors.As(err, &de) && de.RetryAfter > 0 {
		return de.RetryAfter
	}
	return time.Duration(attempt) * 500 * time.Millisecond
}

// sleepCtx waits d, and reports false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d > 0 {
		sleep(ctx, d, nil)
	}
	return ctx.Err() == nil
}
