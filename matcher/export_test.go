package matcher

import "math/rand/v2"

// ScalableVsExact runs the scalable path on in and the exact solver on the
// same candidate graph, and returns both totals (scores plus the fairness
// bonus, the quantity both maximise) and the pairs each matched.
func ScalableVsExact(in Input, opt Options) (approx, exact int64, approxPairs, exactPairs int, err error) {
	approx, exact, _, approxPairs, exactPairs, err = ScalableVsExact2(in, opt)
	return
}

// ScalableVsExact2 also returns the exact optimum of the candidate graph
// alone, before the pairs the local search scored on the spot are added.
func ScalableVsExact2(in Input, opt Options) (approx, exact, exactCandidates int64, approxPairs, exactPairs int, err error) {
	opt = opt.withDefaults()
	rng := rand.New(rand.NewPCG(uint64(opt.Seed), 0x9e3779b97f4a7c15))
	r, err := compile(in, opt, rng)
	if err != nil {
		return 0, 0, 0, 0, 0, err
	}
	g := buildCandidates(r, opt.Workers, rng.Uint64())
	mate := scalableMatch(r, g, rng, opt.Workers)
	total := func(mate []int32) (int64, int) {
		var t int64
		pairs := 0
		for v, m := range mate {
			if int32(v) < m {
				w, st, _ := r.pair(int32(v), m)
				if st == pairForbidden {
					panic("matched pair breaks a hard rule")
				}
				t += r.bonusWeight(cand{int32(v), m, w}, r.fairnessBonus())
				pairs++
			}
		}
		return t, pairs
	}
	approx, approxPairs = total(mate)
	// The local search scores some pairs outside the candidate graph (the
	// old partners in a swap); the ones it kept join the graph the exact
	// solver sees, so the comparison is never flattering.
	edges := g.edges()
	exactCandidates, _ = total(r.solveWithBonus(edges, nil).mates())
	for v, m := range mate {
		if int32(v) < m {
			if _, ok := g.weight(int32(v), m); !ok {
				w, _, _ := r.pair(int32(v), m)
				edges = append(edges, cand{int32(v), m, w})
			}
		}
	}
	exact, exactPairs = total(r.solveWithBonus(edges, nil).mates())

	return approx, exact, exactCandidates, approxPairs, exactPairs, nil
}
