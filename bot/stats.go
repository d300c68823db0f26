package bot

import (
	"context"
	"errors"
	"time"
)

// Stats are the network's figures for admins.
type Stats struct {
	Active, Paused, Inactive int
	Rounds, Intros           int
	// CrossOrganisation and CrossSector are shares (0 to 1) of intros whose
	// members all come from different organisations, or sectors.
	CrossOrganisation, CrossSector float64
	// MetRate is the share of delivered intros in which someone said they
	// met.
	MetRate float64
	// ArrangedRate is the share of delivered intros in which someone said
	// they had arranged to meet and nobody has said yet that they met.
	ArrangedRate float64
	// Recent are the latest rounds, newest first.
	Recent []RoundStats
}

// RoundStats are one round's figures. Met counts delivered intros in which
// someone said they met; Arranged those in which someone had only arranged
// to.
type RoundStats struct {
	Round
	Trios, Delivered, Failed, Met, Arranged int
}

// Stats returns the network's figures for an admin. Returns EFORBIDDEN for
// anyone else.
func (r *Rounds) Stats(ctx context.Context, u User) (*Stats, error) {
	if err := r.checkAdmin(u, "stats"); err != nil {
		return nil, err
	}
	return r.Store.RoundStats(ctx, r.now(), 4)
}

func (r *Rounds) checkAdmin(u User, what string) error {
	if r.IsAdmin == nil || !r.IsAdmin(u) {
		return Errorf(EFORBIDDEN, "Only network admins can use `%s admin %s`.", CommandName, what)
	}
	return nil
}

// PreviewFor plans the next round for an admin without storing or sending
// anything. Returns EFORBIDDEN for anyone else.
func (r *Rounds) PreviewFor(ctx context.Context, u User) (*RoundPlan, time.Time, error) {
	if err := r.checkAdmin(u, "preview"); err != nil {
		return nil, time.Time{}, err
	}
	period := r.now()
	if r.NextRound != nil {
		period = r.NextRound(r.now())
	}
	p, err := r.Preview(ctx, period)
	return p, period, err
}

// RunNow starts a round now for an admin. It belongs to the current
// period (the latest scheduled time), so it does not run twice in one
// period unless force is set. Returns EFORBIDDEN for anyone else and
// ECONFLICT when the period already has a round.
func (r *Rounds) RunNow(ctx context.Context, u User, force bool) (*Round, *RoundPlan, error) {
	if err := r.checkAdmin(u, "run-now"); err != nil {
		return nil, nil, err
	}
	period := r.CurrentPeriod(r.now())
	round, plan, err := r.Run(ctx, period, force)
	if ErrorCode(err) == ECONFLICT {
		return nil, nil, Errorf(ECONFLICT, "The round for this period has already run. To run another anyway, use `%s admin run-now --force`.", CommandName)
	}
	return round, plan, err
}

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

// Answer records a member's answer about an intro ("arranged", "yes",
// "not_yet", "no"). "Not yet" queues one more ask near the end of the
// round, once; askAgain says whether one is coming. Returns ENOTFOUND when
// the member is not in the intro.
func (r *Rounds) Answer(ctx context.Context, u User, introID int64, answer string) (in *Intro, askAgain bool, err error) {
	var second time.Time
	now := r.now()
	if answer == AnswerNotYet {
		in, err := r.Store.FindIntro(ctx, introID)
		if err != nil {
			return nil, false, err
		}
		second = in.CreatedAt.Add(r.settings().SecondAskAfter)
		if !second.After(now) {
			second = time.Time{} // the round is over: no second ask
		}
	}
	in, askAgain, err = r.Store.RecordAnswer(ctx, introID, u.Platform, u.ID, answer, second, now)
	if ErrorCode(err) == ENOTFOUND {
		return nil, false, Errorf(ENOTFOUND, "That introduction isn't one of yours, or it was erased.")
	}
	if err == nil && askAgain && r.OnQueued != nil {
		r.OnQueued()
	}
	return in, askAgain, err
}

// NotAGoodMatch blocks the member from being introduced to the others in
// the intro again. Only the member knows.
func (r *Rounds) NotAGoodMatch(ctx context.Context, u User, introID int64) (*Intro, error) {
	in, err := r.Store.BlockIntro(ctx, introID, u.Platform, u.ID, r.now())
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(ENOTFOUND, "That introduction isn't one of yours, or it was erased.")
	}
	return in, err
}

// History returns the member's latest intros, newest first.
func (r *Rounds) History(ctx context.Context, m *Member, limit int) ([]Intro, error) {
	if m == nil {
		return nil, errors.New("history: no member")
	}
	return r.Store.RecentIntros(ctx, m.ID, limit)
}
