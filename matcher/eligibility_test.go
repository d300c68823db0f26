package matcher

import (
	"strings"
	"testing"
	"time"
)

func TestEligible(t *testing.T) {
	round := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) // a Monday
	at := func(days int, hours ...int) *time.Time {
		d := round.AddDate(0, 0, days)
		if len(hours) > 0 {
			d = d.Add(time.Duration(hours[0]) * time.Hour)
		}
		return &d
	}
	tests := []struct {
		name string
		e    Eligibility
		want bool
		why  string
	}{
		{"never introduced", Eligibility{Frequency: "weekly"}, true, ""},
		{"empty frequency is weekly", Eligibility{LastIntro: at(-7)}, true, ""},
		{"weekly after a week", Eligibility{Frequency: "weekly", LastIntro: at(-7)}, true, ""},
		{"weekly after a week, run a little early", Eligibility{Frequency: "weekly", LastIntro: at(-7, 2)}, true, ""},
		{"weekly twice in one week", Eligibility{Frequency: "weekly", LastIntro: at(-3)}, false, "weekly"},
		{"fortnightly after one week", Eligibility{Frequency: "fortnightly", LastIntro: at(-7)}, false, "fortnightly"},
		{"fortnightly after two weeks", Eligibility{Frequency: "fortnightly", LastIntro: at(-14)}, true, ""},
		{"monthly after three weeks", Eligibility{Frequency: "monthly", LastIntro: at(-21)}, false, "monthly"},
		{"monthly after four weeks", Eligibility{Frequency: "monthly", LastIntro: at(-28)}, true, ""},
		{"paused indefinitely", Eligibility{Frequency: "weekly", PausedIndefinitely: true}, false, "Paused"},
		{"paused until later", Eligibility{Frequency: "weekly", PausedUntil: at(7)}, false, "Monday 9 March 2026"},
		{"pause over", Eligibility{Frequency: "weekly", PausedUntil: at(-1)}, true, ""},
		{"pause ends at the round", Eligibility{Frequency: "weekly", PausedUntil: at(0)}, true, ""},
		{"unknown frequency", Eligibility{Frequency: "hourly"}, false, "Unknown frequency"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, why := Eligible(tc.e, round)
			if got != tc.want {
				t.Errorf("Eligible = %v (%q), want %v", got, why, tc.want)
			}
			if !strings.Contains(why, tc.why) || (tc.want && why != "") {
				t.Errorf("reason %q, want it to mention %q", why, tc.why)
			}
		})
	}
}
