package bot

import (
	"context"
	"time"
)

// ReminderInterval returns how often reminders are looked for.
func (s *Meetups) ReminderInterval() time.Duration {
	if s.ReminderEvery > 0 {
		return s.ReminderEvery
	}
	return 30 * time.Second
}

// RunReminders queues meetup reminders for the outbox as they fall due,
// and gives any place still free to the people waiting, until ctx is
// cancelled. It looks at once, then every ReminderInterval, so reminders
// that fell due while the bot was down go out at start (if the meetup has
// not begun). Several replicas may run it: each reminder is queued once,
// in the database.
func (s *Meetups) RunReminders(ctx context.Context) error {
	if s == nil {
		<-ctx.Done()
		return nil
	}
	t := time.NewTicker(s.ReminderInterval())
	defer t.Stop()
	for {
		if _, err := s.QueueDueReminders(ctx); err != nil && ctx.Err() == nil {
			s.log().Error("could not send meetup reminders", "err", err)
		}
		s.moveUpWaiting(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// moveUpWaiting moves waiting lists up wherever a place is still free (a
// safety net: whatever frees a place fills it at once), and updates the
// announcements. Those moved are told through the outbox.
func (s *Meetups) moveUpWaiting(ctx context.Context) {
	ps, err := s.FillFreePlaces(ctx)
	if err != nil && ctx.Err() == nil {
		s.log().Error("could not fill freed meetup places", "err", err)
	}
	for _, p := range ps {
		s.log().Info("meetup waiting list moved up", "meetup", p.Meetup.ID, "moved", len(p.Promoted))
		s.refresh(ctx, p.Meetup.ID)
	}
}

// QueueDueReminders queues the reminders due now that no replica has
// queued, for the outbox to send, and returns how many this call queued.
func (s *Meetups) QueueDueReminders(ctx context.Context) (int, error) {
	due, err := s.DueReminders(ctx)
	if err != nil {
		return 0, err
	}
	queued := 0
	for _, r := range due {
		if ctx.Err() != nil {
			break
		}
		won, err := s.QueueReminder(ctx, r.MeetupReminder)
		if err != nil {
			s.log().Error("could not queue a meetup reminder", "meetup", r.MeetupID, "user", r.UserID, "err", err)
			continue
		}
		if won {
			s.log().Info("meetup reminder queued", "meetup", r.MeetupID, "user", r.UserID, "kind", r.Kind)
			queued++
		}
	}
	return queued, nil
}

// DueReminder is a reminder with the meetup it is about.
type DueReminder struct {
	MeetupReminder
	Meetup *Meetup
}

// DueReminders returns the reminders due now that nobody has sent.
func (s *Meetups) DueReminders(ctx context.Context) ([]DueReminder, error) {
	now := s.now()
	rs, err := s.Store.DueMeetupReminders(ctx, now)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*Meetup{}
	out := make([]DueReminder, 0, len(rs))
	for _, r := range rs {
		m, ok := byID[r.MeetupID]
		if !ok {
			if m, err = s.Store.FindMeetup(ctx, r.MeetupID); err != nil {
				return nil, err
			}
			byID[r.MeetupID] = m
		}
		out = append(out, DueReminder{MeetupReminder: r, Meetup: m})
	}
	return out, nil
}

// QueueReminder queues r for the outbox to send, unless another replica
// has or it is no longer owed; queued says whether this call did.
func (s *Meetups) QueueReminder(ctx context.Context, r MeetupReminder) (queued bool, err error) {
	queued, err = s.Store.QueueMeetupReminder(ctx, r, s.now())
	if queued {
		s.queued()
	}
	return queued, err
}

// FillFreePlaces gives any place still free to the people waiting (every
// change that frees one fills it already; this is a safety net), and
// returns who moved up where. Those moved are told through the outbox.
func (s *Meetups) FillFreePlaces(ctx context.Context) ([]MeetupPromotion, error) {
	ps, err := s.Store.FillFreePlaces(ctx, s.now())
	if len(ps) > 0 {
		s.queued()
	}
	return ps, err
}
