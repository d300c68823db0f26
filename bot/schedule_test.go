package bot

import (
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// The period a round belongs to is the latest scheduled time, however
// sparse the schedule: a quarterly one must not make every restart's
// catch-up an unscheduled round of its own.
func TestCurrentPeriod(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05", s, london)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name, spec string
		now, want  string
	}{
		{"weekly, the day after", "0 9 * * 1", "2026-12-01 10:00:00", "2026-11-30 09:00:00"},
		{"weekly, at the moment it fires", "0 9 * * 1", "2026-11-30 09:00:00", "2026-11-30 09:00:00"},
		{"weekly, a second before it fires", "0 9 * * 1", "2026-11-30 08:59:59", "2026-11-23 09:00:00"},
		{"quarterly", "0 9 1 1,4,7,10 *", "2026-12-01 10:00:00", "2026-10-01 09:00:00"},
		{"yearly", "30 8 15 6 *", "2026-06-14 12:00:00", "2025-06-15 08:30:00"},
		{"every leap day", "0 9 29 2 *", "2026-12-01 10:00:00", "2024-02-29 09:00:00"},
		{"every minute", "* * * * *", "2026-12-01 10:00:30", "2026-12-01 10:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sched, err := cron.ParseStandard(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			r := &Rounds{NextRound: func(t time.Time) time.Time { return sched.Next(t.In(london)) }}
			if got := r.CurrentPeriod(at(tt.now)); !got.Equal(at(tt.want)) {
				t.Errorf("CurrentPeriod(%s) = %s, want %s", tt.now, got.In(london), tt.want)
			}
		})
	}
	now := at("2026-12-01 10:00:00")
	if got := (&Rounds{}).CurrentPeriod(now); !got.Equal(now) {
		t.Errorf("without a schedule: %s, want now", got)
	}
}
