package bot

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// What the others in an intro see once a member has left Rapport. The
// member's row is erased; their place in each intro stays, so that the
// partners keep their own history, but nothing that named or described the
// member is kept.
const (
	// StatusLeft is the status of the placeholder for a member who left.
	StatusLeft = "left"
	// LeftMemberName stands for the member wherever a name was shown.
	LeftMemberName = "a member who has left"
	// ErasedExplanation replaces an intro's explanation, which spoke of
	// every member in it, once one of them has left.
	ErasedExplanation = "One of the people in this introduction has since left Rapport, so what it said about them is no longer kept."
)

// OutboxIntroUpdate is the outbox kind that edits an intro message
// already posted, once a member of it has left, so that the message no
// longer carries their details.
const OutboxIntroUpdate = "intro_update"

// DefaultUnreachableFor is how long a member must have been unreachable
// (their account deactivated or deleted, so they can never run leave)
// before the sweep erases them as leave would.
const DefaultUnreachableFor = 90 * 24 * time.Hour

// DefaultSweepEvery is how often the sweep looks for what to erase.
const DefaultSweepEvery = 6 * time.Hour

// SweepStore erases what Rapport no longer needs to keep.
type SweepStore interface {
	// EraseUnreachable erases, as DeleteMember does, every member who has
	// been inactive (unreachable) since before the time. It returns how
	// many were erased.
	EraseUnreachable(ctx context.Context, inactiveBefore time.Time) (int, error)
	// DeleteHistory deletes intros, their messages, left-out records, sent
	// notices and meetups older than the time. It returns how many intros
	// went.
	DeleteHistory(ctx context.Context, before time.Time) (int, error)
}

// Sweeper periodically erases unreachable members and history older than
// the retention period.
type Sweeper struct {
	Store SweepStore
	Now   func() time.Time
	Log   *slog.Logger
	// UnreachableFor is how long a member stays unreachable before they
	// are erased (default DefaultUnreachableFor).
	UnreachableFor time.Duration
	// HistoryCutoff returns the oldest time whose history is kept, given
	// the current time. Nil keeps history for ever.
	HistoryCutoff func(now time.Time) time.Time
	// Every is the time between sweeps (default DefaultSweepEvery).
	Every time.Duration
	// OnQueued, when set, is called after a sweep erased members, whose
	// erasure queues notices and edits of posted intros.
	OnQueued func()
}

// Sweep runs one sweep.
func (s *Sweeper) Sweep(ctx context.Context) error {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	t := now()
	unreachable := s.UnreachableFor
	if unreachable <= 0 {
		unreachable = DefaultUnreachableFor
	}
	erased, err := s.Store.EraseUnreachable(ctx, t.Add(-unreachable))
	if err != nil {
		return fmt.Errorf("erasing unreachable members: %w", err)
	}
	if erased > 0 && s.OnQueued != nil {
		s.OnQueued()
	}
	intros := 0
	if s.HistoryCutoff != nil {
		if intros, err = s.Store.DeleteHistory(ctx, s.HistoryCutoff(t)); err != nil {
			return fmt.Errorf("deleting old history: %w", err)
		}
	}
	// Sign-in links and sessions that can no longer be used go too. A
	// session idle for SessionIdle cannot be used; a link is kept as long
	// past its expiry, so that a late second click is told it was used or
	// has expired rather than that Rapport never made it.
	signIns := 0
	if ss, ok := s.Store.(signInSweeper); ok {
		if signIns, err = ss.SweepSignIns(ctx, t.Add(-SessionIdle)); err != nil {
			return fmt.Errorf("deleting old sign-in links: %w", err)
		}
	}
	// Intro requests nobody answered in time lapse, and their askers are
	// told.
	lapsed := 0
	if rl, ok := s.Store.(requestLapser); ok {
		if lapsed, err = rl.LapseIntroRequests(ctx, t.Add(-RequestLapsesAfter), t); err != nil {
			return fmt.Errorf("lapsing intro requests: %w", err)
		}
		if lapsed > 0 && s.OnQueued != nil {
			s.OnQueued()
		}
	}
	if (erased > 0 || intros > 0 || signIns > 0 || lapsed > 0) && s.Log != nil {
		s.Log.Info("retention sweep", "members_erased", erased, "intros_deleted", intros, "sign_ins_deleted", signIns, "requests_lapsed", lapsed)
	}
	return nil
}

// signInSweeper is the part of DashboardStore the sweep uses, when its
// store has it.
type signInSweeper interface {
	SweepSignIns(ctx context.Context, before time.Time) (int, error)
}

// requestLapser is the part of DirectoryStore the sweep uses, when its
// store has it.
type requestLapser interface {
	LapseIntroRequests(ctx context.Context, before, now time.Time) (int, error)
}

// Run sweeps at once and then every s.Every until ctx is cancelled. A
// failed sweep is logged and tried again at the next one.
func (s *Sweeper) Run(ctx context.Context) error {
	every := s.Every
	if every <= 0 {
		every = DefaultSweepEvery
	}
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			log.Error("retention sweep failed", "err", err)
		}
		t.Reset(every)
	}
}
