package matcher

import (
	"math/rand/v2"
	"slices"
	"sync"
)

// sparseDegree is b in the greedy b-matching that thins the graph before
// the exact solver: each member keeps at most this many of their best
// pairs. Thinning alone reached 99.7 to 99.9% of the full optimum at 2,000
// members; one round of pricing after it brings that to 99.95% or more,
// and a smaller b keeps both solves fast.
const sparseDegree = 20

// cand is a candidate pair with its score (fairness bonus not included).
type cand struct {
	u, v int32
	w    int32
}

// solveExact solves a round of up to Options.ExactLimit members with the
// exact solver, first on a greedy b-matching of the allowed pairs. Up to
// Options.FullGraphLimit members it then prices every allowed pair against
// the solver's final duals and re-solves with any pair that could improve
// the result, until none can: the result is then optimal over every
// allowed pair, at a fraction of the cost of solving the complete graph.
// It returns the mates, the number of pairs given to the solver and whether
// the result is proven optimal over every allowed pair.
func solveExact(r *roster, opt Options, rng *rand.Rand) ([]int32, int, bool) {
	all := allPairs(r, opt.Workers)
	edges := all
	if len(all) > sparseDegree*r.n/2 {
		edges = sparsify(r, all, sparseDegree, rng)
	}
	st := r.solveWithBonus(edges, nil)
	exact := len(edges) == len(all)
	rounds := 1
	if r.n <= opt.FullGraphLimit {
		rounds = maxPricingRounds
	}
	if !exact {
		edges = slices.Clip(edges)
		bonus := r.fairnessBonus()
		opened := map[int32]bool{}
		for range rounds {
			// Members left single get all their pairs (once), so the
			// pricing cannot miss a larger matching through them.
			single := map[int32]bool{}
			for _, u := range unmatchedOf(st.mates()) {
				if !opened[u] {
					single[u], opened[u] = true, true
				}
			}
			// Price every pair, split between the workers; the parts are
			// joined in order, so the result does not depend on timing.
			st.prepareReducedCosts()
			parts := make([][]cand, opt.Workers)
			inParallel(len(all), opt.Workers, func(part, lo, hi int) {
				var out []cand
				for _, c := range all[lo:hi] {
					if single[c.u] || single[c.v] || st.couldImprove(c.u, c.v, r.bonusWeight(c, bonus)) {
						out = append(out, c)
					}
				}
				parts[part] = out
			})
			added := 0
			for _, p := range parts {
				edges = append(edges, p...)
				added += len(p)
			}
			if added == 0 {
				exact = true
				break
			}
			edges = dedupeCands(edges)
			st = r.solveWithBonus(edges, nil)
		}
	}
	mate := st.mates()
	if u := unmatchedOf(mate); len(u) >= 2 {
		if extra := r.relaxedEdges(u); len(extra) > 0 {
			mate = r.solveWithBonus(edges, extra).mates()
		}
	}
	return mate, len(edges), exact
}

// maxPricingRounds bounds the re-solves when proving optimality; two to
// four are usual. Above Options.FullGraphLimit one round is made, which
// recovers nearly all of the gap left by thinning (see the tests).
const maxPricingRounds = 8

func dedupeCands(cs []cand) []cand {
	slices.SortFunc(cs, func(a, b cand) int {
		if a.u != b.u {
			return int(a.u) - int(b.u)
		}
		return int(a.v) - int(b.v)
	})
	return slices.CompactFunc(cs, func(a, b cand) bool { return a.u == b.u && a.v == b.v })
}

// allPairs scores every pair the hard rules allow, split across workers by
// rows of roughly equal work, and returns them in a fixed order.
func allPairs(r *roster, workers int) []cand {
	n := r.n
	if n < 2 {
		return nil
	}
	// Row i has n-1-i pairs; cut the rows into chunks of similar size.
	chunks := workers * 4
	bounds := []int{0}
	total := n * (n - 1) / 2
	acc := 0
	for i := 0; i < n; i++ {
		acc += n - 1 - i
		if acc*chunks >= total*len(bounds) && len(bounds) < chunks {
			bounds = append(bounds, i+1)
		}
	}
	if bounds[len(bounds)-1] != n {
		bounds = append(bounds, n)
	}
	parts := make([][]cand, len(bounds)-1)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for c := range next {
				size := 0
				for i := bounds[c]; i < bounds[c+1]; i++ {
					size += n - 1 - i
				}
				out := make([]cand, 0, size)
				for i := bounds[c]; i < bounds[c+1]; i++ {
					for j := i + 1; j < n; j++ {
						if r.org[i] == r.org[j] {
							continue
						}
						if s, st, _ := r.pair(int32(i), int32(j)); st == pairAllowed {
							out = append(out, cand{int32(i), int32(j), s})
						}
					}
				}
				parts[c] = out
			}
		})
	}
	for c := range parts {
		next <- c
	}
	close(next)
	wg.Wait()
	size := 0
	for _, p := range parts {
		size += len(p)
	}
	all := make([]cand, 0, size)
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

// sortKey orders pairs for the greedy passes: pairs whose members have
// most recently been left out or in a trio first, then by score.
func (r *roster) sortKey(c cand) int64 {
	f := int64(r.turns[c.u] + r.turns[c.v])
	return f*(r.maxScore+1) + int64(c.w)
}

// byKeyDesc returns the pairs' indexes from the highest sort key down,
// stable, using a counting sort because scores are small integers.
func (r *roster) byKeyDesc(cs []cand) []int32 {
	order, _ := r.byKeyDescRuns(cs)
	return order
}

// byKeyDescRuns is byKeyDesc that also returns where each run of equal
// keys starts (with len(cs) at the end).
func (r *roster) byKeyDescRuns(cs []cand) ([]int32, []int32) {
	buckets := (2*int64(r.maxTurns) + 1) * (r.maxScore + 1)
	keys := make([]int32, len(cs))
	count := make([]int32, buckets+1)
	for i, c := range cs {
		k := int32(buckets - r.sortKey(c))
		keys[i] = k
		count[k]++
	}
	var starts []int32
	sum := int32(0)
	for k := range count {
		if count[k] > 0 {
			starts = append(starts, sum)
		}
		c := count[k]
		count[k] = sum
		sum += c
	}
	starts = append(starts, sum)
	order := make([]int32, len(cs))
	for i, k := range keys {
		order[count[k]] = int32(i)
		count[k]++
	}
	return order, starts
}

// sparsify keeps a greedy b-matching: pairs from the best down, each kept
// while both members have fewer than b pairs. Unlike per-member top-k lists
// this spreads pairs evenly, so popular members do not soak up everyone.
func sparsify(r *roster, cs []cand, b int, rng *rand.Rand) []cand {
	deg := make([]int32, r.n)
	var out []cand
	order, starts := r.byKeyDescRuns(cs)
	// Pairs are listed row by row, so within one score the first members
	// would fill up first; shuffle each run of equal keys to spread them.
	for i := 0; i+1 < len(starts); i++ {
		run := order[starts[i]:starts[i+1]]
		rng.Shuffle(len(run), func(a, b int) { run[a], run[b] = run[b], run[a] })
	}
	for _, k := range order {
		c := cs[k]
		if deg[c.u] < int32(b) && deg[c.v] < int32(b) {
			deg[c.u]++
			deg[c.v]++
			out = append(out, c)
		}
	}
	return out
}

// fairnessBonus is added to an edge once for each of its endpoints' turns
// (recent rounds left out or in a trio). It exceeds any total score, so
// among matchings of the same size the solver keeps those with the most
// turns in pairs whenever it can; it changes nothing when everyone can be
// matched.
func (r *roster) fairnessBonus() int64 {
	return r.maxScore*int64(r.n/2+1) + 1
}

// bonusWeight is a pair's weight for the solver: its score plus the
// fairness bonus for each of its members' turns.
func (r *roster) bonusWeight(c cand, bonus int64) int64 {
	return int64(c.w) + bonus*int64(r.turns[c.u]+r.turns[c.v])
}

// solveWithBonus runs the exact solver in max-cardinality mode on the
// candidate pairs plus relaxed ones.
func (r *roster) solveWithBonus(edges, relaxed []cand) *blossomState {
	bonus := r.fairnessBonus()
	es := make([]wedge, 0, len(edges)+len(relaxed))
	for _, list := range [][]cand{edges, relaxed} {
		for _, c := range list {
			es = append(es, wedge{c.u, c.v, r.bonusWeight(c, bonus)})
		}
	}
	return solveBlossom(r.n, es, true)
}

func unmatchedOf(mate []int32) []int32 {
	var u []int32
	for v, m := range mate {
		if m < 0 {
			u = append(u, int32(v))
		}
	}
	return u
}

// relaxedEdges lists, for members left without a partner, the pairs that
// only the repeat window forbids. Their weight grows with the time since
// the last introduction, so the oldest is preferred, and stays below any
// ordinary pair's so they are used only to match someone who otherwise
// could not be.
func (r *roster) relaxedEdges(unmatched []int32) []cand {
	var out []cand
	isU := make(map[int32]bool, len(unmatched))
	for _, u := range unmatched {
		isU[u] = true
	}
	for _, u := range unmatched {
		for v := int32(0); v < int32(r.n); v++ {
			if v == u || (isU[v] && v < u) || r.org[u] == r.org[v] {
				continue
			}
			if _, st, last := r.pair(u, v); st == pairRecent {
				out = append(out, cand{u, v, r.relaxedWeight(last)})
			}
		}
	}
	return out
}

func (r *roster) relaxedWeight(last int32) int32 {
	age := int64(r.round) - int64(last)
	return int32(max(1, min(age, int64(r.window))))
}
