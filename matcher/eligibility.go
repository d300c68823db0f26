package matcher

import "time"

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

// SkipKind is why a member does not take part in a round.
type SkipKind int

// Reasons for not taking part, with the Skip fields each one sets.
const (
	// SkipNone: the member takes part.
	SkipNone SkipKind = iota
	// SkipUnknownFrequency: Frequency is not one the matcher knows.
	SkipUnknownFrequency
	// SkipPaused: paused until they resume.
	SkipPaused
	// SkipPausedUntil: paused until Until.
	SkipPausedUntil
	// SkipTooSoon: introduced at Made, and asked for Frequency
	// introductions.
	SkipTooSoon
)

// Skip is why a member does not take part in a round, as data for the
// caller to word.
type Skip struct {
	Kind SkipKind
	// Frequency is the frequency asked for, "weekly" when none was.
	Frequency string
	Until     time.Time
	Made      time.Time
}

// Eligible reports whether a member takes part in the round held at
// roundDate, and when they do not, why. It is a pure function of its
// arguments.
func Eligible(e Eligibility, roundDate time.Time) (bool, Skip) {
	interval, ok := intervals[e.Frequency]
	if !ok {
		return false, Skip{Kind: SkipUnknownFrequency, Frequency: e.Frequency}
	}
	if e.PausedIndefinitely {
		return false, Skip{Kind: SkipPaused}
	}
	if e.PausedUntil != nil && roundDate.Before(*e.PausedUntil) {
		return false, Skip{Kind: SkipPausedUntil, Until: *e.PausedUntil}
	}
	if e.LastIntro == nil {
		return true, Skip{}
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
		return false, Skip{Kind: SkipTooSoon, Frequency: freq, Made: made}
	}
	return true, Skip{}
}
