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

// announce posts m's announcement on every board that has none yet and
// records where each went. If a platform refuses (the bot is not in a
// private channel, say), the meetup stays unannounced there, and the host
// can try again by saving it. It fails when no board took it.
func (s *Meetups) announce(ctx context.Context, m *Meetup) error {
	if len(s.Boards) == 0 {
		return errors.New("meetups have no board to announce on")
	}
	var firstErr error
	posted := 0
	for _, b := range s.Boards {
		if b.Board == nil || m.PostOn(b.Platform) != nil {
			continue
		}
		ch, ref, err := b.Board.Post(ctx, b.Channel, announcementMessage(m, s.loc()))
		if err != nil {
			s.log().Error("could not announce a meetup", "meetup", m.ID, "platform", b.Platform, "channel", b.Channel, "err", err)
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		posted++
		for attempt := range 3 {
			if err = s.Store.SetMeetupPost(ctx, m.ID, b.Platform, ch, ref); err == nil {
				break
			}
			if !sleepCtx(ctx, time.Duration(attempt+1)*200*time.Millisecond) {
				break
			}
		}
		if err != nil {
			// The announcement is out: answers to it still count, and the
			// next save records where it is.
			s.log().Error("announced a meetup but could not record where", "meetup", m.ID, "platform", b.Platform, "err", err)
		}
		m.Posts = append(m.Posts, MeetupPost{Platform: b.Platform, Channel: ch, MessageRef: ref})
		if m.Channel == "" {
			m.Channel = ch
		}
	}
	if posted == 0 && !m.Announced() {
		return firstErr
	}
	return nil
}

// announceOrRefresh posts m's announcement where it has none yet, and
// brings the others up to date. It reports whether it tried to post one,
// and whether the post went out.
func (s *Meetups) announceOrRefresh(ctx context.Context, m *Meetup) (tried, posted bool) {
	missing := false
	for _, b := range s.Boards {
		if b.Board != nil && m.PostOn(b.Platform) == nil {
			missing = true
		}
	}
	if !missing {
		s.refresh(ctx, m.ID)
		return false, false
	}
	had := m.Announced()
	err := s.announce(ctx, m)
	if !had && err == nil {
		meterOf(s.Meter).Meetup()
	}
	if had {
		s.refresh(ctx, m.ID)
		return false, false
	}
	return true, err == nil
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
		if !m.Announced() {
			return
		}
		last = time.Now()
		if err := s.updatePosts(ctx, m); err != nil {
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

// updatePosts renders m's announcement once and updates it on every
// board it was posted on.
func (s *Meetups) updatePosts(ctx context.Context, m *Meetup) error {
	msg := announcementMessage(m, s.loc())
	var firstErr error
	for _, p := range m.Posts {
		b := s.board(p.Platform)
		if b == nil || b.Board == nil {
			continue
		}
		if err := b.Board.Update(ctx, p.Channel, p.MessageRef, msg); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
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
