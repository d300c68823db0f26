package matcher

import (
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
		why  Skip
	}{
		{"never introduced", Eligibility{Frequency: "weekly"}, true, Skip{}},
		{"empty frequency is weekly", Eligibility{LastIntro: at(-7)}, true, Skip{}},
		{"weekly after a week", Eligibility{Frequency: "weekly", LastIntro: at(-7)}, true, Skip{}},
		{"weekly after a week, run a little early", Eligibility{Frequency: "weekly", LastIntro: at(-7, 2)}, true, Skip{}},
		{"weekly twice in one week", Eligibility{Frequency: "weekly", LastIntro: at(-3)}, false, Skip{Kind: SkipTooSoon, Frequency: "weekly", Made: *at(-3)}},
		{"twice in one week, asked for nothing", Eligibility{LastIntro: at(-3)}, false, Skip{Kind: SkipTooSoon, Frequency: "weekly", Made: *at(-3)}},
		{"the day the intro was made", Eligibility{Frequency: "weekly", LastIntro: at(-3), LastIntroMade: at(-2)}, false, Skip{Kind: SkipTooSoon, Frequency: "weekly", Made: *at(-2)}},
		{"fortnightly after one week", Eligibility{Frequency: "fortnightly", LastIntro: at(-7)}, false, Skip{Kind: SkipTooSoon, Frequency: "fortnightly", Made: *at(-7)}},
		{"fortnightly after two weeks", Eligibility{Frequency: "fortnightly", LastIntro: at(-14)}, true, Skip{}},
		{"monthly after three weeks", Eligibility{Frequency: "monthly", LastIntro: at(-21)}, false, Skip{Kind: SkipTooSoon, Frequency: "monthly", Made: *at(-21)}},
		{"monthly after four weeks", Eligibility{Frequency: "monthly", LastIntro: at(-28)}, true, Skip{}},
		{"paused indefinitely", Eligibility{Frequency: "weekly", PausedIndefinitely: true}, false, Skip{Kind: SkipPaused}},
		{"paused until later", Eligibility{Frequency: "weekly", PausedUntil: at(7)}, false, Skip{Kind: SkipPausedUntil, Until: *at(7)}},
		{"pause over", Eligibility{Frequency: "weekly", PausedUntil: at(-1)}, true, Skip{}},
		{"pause ends at the round", Eligibility{Frequency: "weekly", PausedUntil: at(0)}, true, Skip{}},
		{"unknown frequency", Eligibility{Frequency: "hourly"}, false, Skip{Kind: SkipUnknownFrequency, Frequency: "hourly"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, why := Eligible(tc.e, round)
			if got != tc.want || why != tc.why {
				t.Errorf("Eligible = %v, %+v; want %v, %+v", got, why, tc.want, tc.why)
			}
		})
	}
}
