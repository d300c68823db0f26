package bot

import "time"

// CurrentPeriod returns the latest scheduled round time at or before t: the
// period a round run at t belongs to. Without a schedule, or with one that
// has not fired in the last periodLookBack, it is t.
func (r *Rounds) CurrentPeriod(t time.Time) time.Time {
	if r.NextRound == nil {
		return t
	}
	if p := previousRun(r.NextRound, t); !p.IsZero() {
		return p
	}
	return t
}

// periodLookBack is how far back CurrentPeriod looks for the last scheduled
// time. A cron schedule fires at least once in any five years (its fields
// repeat every year, and a 29 February every four).
const periodLookBack = 5*366*24*time.Hour + 24*time.Hour

// previousRun returns the latest time at or before t at which the schedule
// next fires, or the zero time if it did not fire within periodLookBack.
// A schedule can only be walked forward, so it walks forward through ever
// longer spans before t, each ending where the last began: a frequent
// schedule is found in the first short span and a quarterly one after a
// few doublings, without walking every firing of the whole look-back.
func previousRun(next func(time.Time) time.Time, t time.Time) time.Time {
	hi := t
	for span := time.Hour; ; span *= 2 {
		lo := hi.Add(-span)
		if floor := t.Add(-periodLookBack); lo.Before(floor) {
			lo = floor
		}
		// Firings in (lo, hi]; the one at hi itself was not in the last span.
		var last time.Time
		for p := next(lo); !p.IsZero() && !p.After(hi); p = next(p) {
			last = p
		}
		if !last.IsZero() {
			return last
		}
		if !lo.After(t.Add(-periodLookBack)) {
			return time.Time{}
		}
		hi = lo
	}
}
