package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// DefaultRetention is how long intro history is kept when
// RAPPORT_RETENTION is unset: 24 months.
var DefaultRetention = Retention{Months: 24}

// UnreachableErasure is how long a member must have been unreachable
// (their Slack account deactivated or deleted, so they can never run
// leave) before they are erased as leave would erase them.
const UnreachableErasure = 90 * 24 * time.Hour

// minRetention is the shortest retention accepted: shorter would erase
// intros before their follow-ups are answered.
const minRetention = 30 * 24 * time.Hour

// Retention is how long history is kept: whole calendar months plus a
// fixed duration, so "24 months" means the same date two years back.
type Retention struct {
	Months int
	Extra  time.Duration
}

// Cutoff returns the oldest time whose history is kept at now.
func (r Retention) Cutoff(now time.Time) time.Time {
	return now.AddDate(0, -r.Months, 0).Add(-r.Extra)
}

// String gives the retention as RAPPORT_RETENTION would spell it.
func (r Retention) String() string {
	switch {
	case r.Extra == 0 && r.Months == 1:
		return "1 month"
	case r.Extra == 0:
		return strconv.Itoa(r.Months) + " months"
	case r.Months == 0 && r.Extra%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(r.Extra/(24*time.Hour)), 10) + "d"
	case r.Months == 0:
		return r.Extra.String()
	}
	return fmt.Sprintf("%d months and %s", r.Months, r.Extra)
}

// retentionUnits are the words RAPPORT_RETENTION accepts after a number.
var retentionUnits = map[string]Retention{
	"month": {Months: 1}, "months": {Months: 1}, "mo": {Months: 1},
	"year": {Months: 12}, "years": {Months: 12}, "y": {Months: 12},
	"week": {Extra: 7 * 24 * time.Hour}, "weeks": {Extra: 7 * 24 * time.Hour}, "w": {Extra: 7 * 24 * time.Hour},
	"day": {Extra: 24 * time.Hour}, "days": {Extra: 24 * time.Hour}, "d": {Extra: 24 * time.Hour},
}

// ParseRetention reads a retention period: a whole number and a unit
// ("24 months", "2 years", "104 weeks", "730d") or a Go duration
// ("17520h"). It must be at least 30 days and at most 100 years.
func ParseRetention(s string) (Retention, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	bad := fmt.Errorf("RAPPORT_RETENTION %q must be a period such as \"24 months\", \"2 years\", \"730d\" or \"17520h\", of at least 30 days", s)
	i := strings.IndexFunc(v, func(r rune) bool { return !unicode.IsDigit(r) })
	var r Retention
	if unit, ok := retentionUnits[strings.TrimSpace(v[max(i, 0):])]; ok && i > 0 {
		n, err := strconv.Atoi(v[:i])
		if err != nil || n > 1200 {
			return Retention{}, bad
		}
		r = Retention{Months: unit.Months * n, Extra: unit.Extra * time.Duration(n)}
	} else {
		d, err := time.ParseDuration(v)
		if err != nil {
			return Retention{}, bad
		}
		r = Retention{Extra: d}
	}
	// A month counts as 30 days for the minimum, so "1 month" is enough.
	if time.Duration(r.Months)*30*24*time.Hour+r.Extra < minRetention || r.Months > 1200 {
		return Retention{}, bad
	}
	return r, nil
}
