package matcher

import (
	"fmt"
	"time"
)

// Eligibility is what decides whether a member takes part in a round.
type Eligibility struct {
	// Frequency is "weekly", "fortnightly" or "monthly"; empty means weekly.
	Frequency          string
	PausedUntil        *time.Time // paused until this moment, if set
	PausedIndefinitely bool
	LastIntro          *time.Time // the scheduled time of the member's last intro, if any
	// LastIntroMade is when that intro was actually made (a round run
	// late, or by an admin, is made after its scheduled time). The reason
	// given names this day; nil names LastIntro's.
	LastIntroMade *time.Time
}

// intervals between introductions. Rounds run weekly, so monthly means
// every fourth round rather than a calendar month, which would make some
// gaps five weeks.
var intervals = map[string]time.Duration{
	"":            7 * 24 * time.Hour,
	"weekly":      7 * 24 * time.Hour,
	"fortnightly": 14 * 24 * time.Hour,
	"monthly":     28 * 24 * time.Hour,
}

// slackTime lets a round that starts a little early (a late previous run, a
// clock change) still count as a full interval.
const slackTime = 12 * time.Hour

// Eligible reports whether a member takes part in the round held at
// roundDate. When they do not, the reason is a short sentence for the
// member or an admin. It is a pure function of its arguments.
func Eligible(e Eligibility, roundDate time.Time) (bool, string) {
	interval, ok := intervals[e.Frequency]
	if !ok {
		return false, fmt.Sprintf("Unknown frequency %q.", e.Frequency)
	}
	if e.PausedIndefinitely {
		return false, "Paused until they resume."
	}
	if e.PausedUntil != nil && roundDate.Before(*e.PausedUntil) {
		return false, fmt.Sprintf("Paused until %s.", e.PausedUntil.In(roundDate.Location()).Format("Monday 2 January 2006"))
	}
	if e.LastIntro == nil {
		return true, ""
	}
	next := e.LastIntro.Add(interval - slackTime)
	if roundDate.Before(next) {
		freq := e.Frequency
		if freq == "" {
			freq = "weekly"
		}
		made := *e.LastIntro
		if e.LastIntroMade != nil {
			made = *e.LastIntroMade
		}
		return false, fmt.Sprintf("Introduced on %s and asked for %s introductions.",
			made.In(roundDate.Location()).Format("Monday 2 January"), freq)
	}
	return true, ""
}
