package bot

import (
	"context"
	"errors"
	"testing"
	"time"
)

// fakeSweepStore records what the sweep asked for.
type fakeSweepStore struct {
	unreachable chan time.Time
	history     chan time.Time
	err         error
}

func (f *fakeSweepStore) EraseUnreachable(ctx context.Context, before time.Time) (int, error) {
	f.unreachable <- before
	return 1, f.err
}

func (f *fakeSweepStore) DeleteHistory(ctx context.Context, before time.Time) (int, error) {
	f.history <- before
	return 0, nil
}

// The sweep runs at start, erases members unreachable for 90 days and
// history older than the cutoff, and stops when its context is cancelled.
func TestSweeperRunsAtStartAndStopsOnCancel(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	store := &fakeSweepStore{unreachable: make(chan time.Time, 1), history: make(chan time.Time, 1)}
	s := &Sweeper{Store: store, Now: func() time.Time { return now },
		HistoryCutoff: func(t time.Time) time.Time { return t.AddDate(0, -24, 0) }, Every: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	if got := <-store.unreachable; !got.Equal(now.Add(-90 * 24 * time.Hour)) {
		t.Errorf("erased members unreachable since before %v, want 90 days before %v", got, now)
	}
	if got := <-store.history; !got.Equal(time.Date(2024, 12, 1, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("deleted history before %v, want 24 months back", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run returned %v", err)
	}
}

// A failed erasure is reported, and history is not touched in that sweep.
func TestSweepReportsFailure(t *testing.T) {
	store := &fakeSweepStore{unreachable: make(chan time.Time, 1), history: make(chan time.Time, 1), err: errors.New("disk full")}
	s := &Sweeper{Store: store, HistoryCutoff: func(t time.Time) time.Time { return t }}
	if err := s.Sweep(context.Background()); err == nil {
		t.Fatal("Sweep hid the failure")
	}
	if len(store.history) != 0 {
		t.Error("history was deleted after a failed erasure")
	}
}
