package matcher

import "time"

// Comparison sets the scalable path against the exact solver on the same
// candidate graph, for measuring how close the fast path gets. Totals are
// what both solvers maximise: pair scores plus the fairness bonus.
type Comparison struct {
	Members    int
	Candidates int // pairs in the candidate graph

	Scalable      int64 // total of the scalable path's pairing
	ScalablePairs int
	ScalableTime  time.Duration // candidate graph, pairing and clean-up; not reasons

	// Exact is the optimum over the candidate graph alone.
	Exact      int64
	ExactPairs int
	ExactTime  time.Duration

	// ExactWithUsed is the optimum over the candidate graph plus the pairs
	// outside it that the scalable path scored on the spot and kept, so the
	// comparison never flatters the scalable path. Set only when asked for.
	ExactWithUsed      int64
	ExactWithUsedPairs int
}

// CompareScalable runs the scalable path on in whatever its size, then the
// exact solver on the scalable path's candidate graph (and, with withUsed,
// on that graph plus the pairs the scalable path added). The exact solves
// take minutes at 100,000 members: this is a measuring tool, not for rounds.
func CompareScalable(in Input, opt Options, withUsed bool) (Comparison, error) {
	r, opt, rng, err := prepare(in, opt)
	if err != nil {
		return Comparison{}, err
	}
	c := Comparison{Members: r.n}
	start := time.Now()
	g := buildCandidates(r, opt.Workers, rng.Uint64())
	mate := scalableMatch(r, g, rng, opt.Workers)
	c.ScalableTime = time.Since(start)
	c.Candidates = len(g.nbr) / 2

	bonus := r.fairnessBonus()
	// A pair only the repeat window forbids counts at the small weight the
	// solvers give it when they relax the window, not at its full score.
	weight := func(u, v int32) (cand, bool) {
		w, st, last := r.pair(u, v)
		switch st {
		case pairForbidden:
			panic("matcher: a matched pair breaks a hard rule")
		case pairRecent:
			return cand{u, v, r.relaxedWeight(last)}, true
		}
		return cand{u, v, w}, false
	}
	total := func(mate []int32) (int64, int) {
		var t int64
		pairs := 0
		for v, m := range mate {
			if int32(v) < m {
				e, _ := weight(int32(v), m)
				t += r.bonusWeight(e, bonus)
				pairs++
			}
		}
		return t, pairs
	}
	c.Scalable, c.ScalablePairs = total(mate)

	edges := g.edges()
	start = time.Now()
	c.Exact, c.ExactPairs = total(r.solveWithBonus(edges, nil).mates())
	c.ExactTime = time.Since(start)
	if withUsed {
		var relaxed []cand
		for v, m := range mate {
			if int32(v) < m {
				if _, ok := g.weight(int32(v), m); !ok {
					if e, recent := weight(int32(v), m); recent {
						relaxed = append(relaxed, e)
					} else {
						edges = append(edges, e)
					}
				}
			}
		}
		c.ExactWithUsed, c.ExactWithUsedPairs = total(r.solveWithBonus(edges, relaxed).mates())
	}
	return c, nil
}
