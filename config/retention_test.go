package config

import (
	"strings"
	"testing"
	"time"
)

func TestRetention(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time // the cutoff at now; zero for an error
	}{
		{"", time.Date(2024, 12, 1, 9, 0, 0, 0, time.UTC)}, // the default, 24 months
		{"24 months", time.Date(2024, 12, 1, 9, 0, 0, 0, time.UTC)},
		{"18 Months", time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)},
		{"1 month", time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)},
		{"2 years", time.Date(2024, 12, 1, 9, 0, 0, 0, time.UTC)},
		{"730d", now.Add(-730 * 24 * time.Hour)},
		{" 104 weeks ", now.Add(-104 * 7 * 24 * time.Hour)},
		{"17520h", now.Add(-17520 * time.Hour)},
		{"12mo", time.Date(2025, 12, 1, 9, 0, 0, 0, time.UTC)},
		{"forever", time.Time{}},
		{"2", time.Time{}},
		{"1.5 years", time.Time{}},
		{"-24 months", time.Time{}},
		{"7d", time.Time{}}, // shorter than 30 days
		{"1h", time.Time{}},
		{"0 months", time.Time{}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			c, err := Load(env(map[string]string{"RAPPORT_RETENTION": tc.in}), false)
			if tc.want.IsZero() {
				if err == nil || !strings.Contains(err.Error(), "RAPPORT_RETENTION") || !strings.Contains(err.Error(), "24 months") {
					t.Fatalf("err = %v, want a message naming RAPPORT_RETENTION with an example", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Retention.Cutoff(now); !got.Equal(tc.want) {
				t.Errorf("cutoff %v, want %v", got, tc.want)
			}
			if c.UnreachableFor != 90*24*time.Hour {
				t.Errorf("unreachable members erased after %v, want 90 days", c.UnreachableFor)
			}
		})
	}
}
