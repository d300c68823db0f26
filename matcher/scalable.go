package matcher

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
)

// How many candidate partners each member proposes on the scalable path.
// Drawing at random from the people who offer what a member asks (and so
// on), rather than taking each member's top few, keeps popular members from
// soaking up everyone's list.
const (
	perAsk       = 3 // members who offer what this member asks, per ask
	perOffer     = 3 // members who ask what this member offers, per offer
	perInterest  = 1 // members sharing an interest, per interest
	perMentoring = 2 // mentors for a mentee, mentees for a mentor
	perRandom    = 4 // anyone from another organisation
	maxTagsUsed  = 4 // tags per list that draw candidates
	genChunks    = 64

	expectedProposals = 24 // per member, to size buffers
)

// graph is a candidate graph in compressed adjacency form: the neighbours
// of u are nbr[off[u]:off[u+1]], sorted, with scores in wt.
type graph struct {
	n   int
	off []int32
	nbr []int32
	wt  []int32
}

func (g *graph) edges() []cand {
	out := make([]cand, 0, len(g.nbr)/2)
	for u := 0; u < g.n; u++ {
		for k := g.off[u]; k < g.off[u+1]; k++ {
			if v := g.nbr[k]; int32(u) < v {
				out = append(out, cand{int32(u), v, g.wt[k]})
			}
		}
	}
	return out
}

// weight returns the score of edge u-v and whether it is a candidate.
func (g *graph) weight(u, v int32) (int32, bool) {
	lo, hi := g.off[u], g.off[u+1]
	for lo < hi {
		mid := int32(uint32(lo+hi) >> 1)
		if g.nbr[mid] < v {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < g.off[u+1] && g.nbr[lo] == v {
		return g.wt[lo], true
	}
	return 0, false
}

// solveScalable handles rounds too large for the exact solver: candidate
// pairs from the offer, ask and interest indexes plus random members of
// other organisations; a greedy matching; short augmenting paths to match
// as many as possible; local search (swaps of partners between two pairs,
// moves to a single member); then exact re-solves of small clusters.
func solveScalable(r *roster, opt Options, rng *rand.Rand) ([]int32, int) {
	g := buildCandidates(r, opt.Workers, rng.Uint64())
	return scalableMatch(r, g, rng, opt.Workers), len(g.nbr) / 2
}

// scalableMatch pairs the members over the candidate graph g.
func scalableMatch(r *roster, g *graph, rng *rand.Rand, workers int) []int32 {
	mate := approxMatch(r, g, rng)
	improveClusters(r, g, mate, rng, workers)
	relaxLocally(r, g, mate)
	return mate
}

// augmentSingles pairs more members along augmenting paths of any length
// in the candidate graph: alternating trees are grown from every single
// member at once, and an edge joining two trees pairs both roots. Each
// pass is linear in the graph; passes repeat while they pair anyone.
// Odd cycles are not shrunk, so a path only through one can be missed;
// in networks where most members share one organisation, which is where
// singles remain, the pairs cross that organisation and such cycles are
// rare.
func augmentSingles(g *graph, mate []int32) {
	n := g.n
	root := make([]int32, n) // tree of an even or odd member, or -1
	from := make([]int32, n) // for an odd member, the even one that reached it
	even := make([]bool, n)
	dead := make([]bool, n) // by root: the tree was used this pass
	var queue []int32
	// flip makes x's new partner p and walks up x's tree to its root,
	// re-pairing along the way.
	flip := func(x, p int32) {
		for {
			prev := mate[x]
			mate[x], mate[p] = p, x
			if prev < 0 {
				return
			}
			x, p = from[prev], prev
		}
	}
	for {
		queue = queue[:0]
		for v := range n {
			root[v], even[v], dead[v] = -1, false, false
			if mate[v] < 0 && g.off[v+1] > g.off[v] {
				root[v], even[v] = int32(v), true
				queue = append(queue, int32(v))
			}
		}
		if len(queue) < 2 {
			return
		}
		paired := 0
		for q := 0; q < len(queue); q++ {
			x := queue[q]
			if dead[root[x]] {
				continue
			}
			for k := g.off[x]; k < g.off[x+1]; k++ {
				y := g.nbr[k]
				switch {
				case root[y] < 0:
					// y is paired and unvisited: it joins x's tree, and its
					// partner grows the tree on.
					z := mate[y]
					root[y], from[y] = root[x], x
					root[z], even[z] = root[x], true
					queue = append(queue, z)
					continue
				case !even[y] || root[y] == root[x] || dead[root[y]]:
					continue
				}
				// x and y are even in two live trees: pair them and shift
				// both paths.
				rx, ry := root[x], root[y]
				yPrev := mate[y]
				flip(x, y)
				if yPrev >= 0 {
					flip(from[yPrev], yPrev)
				}
				dead[rx], dead[ry] = true, true
				paired++
				break
			}
		}
		if paired == 0 {
			return
		}
	}
}

// tagIndex lists, for each tag, the members holding it in one of their
// three lists (0 interests, 1 offers, 2 asks).
type tagIndex struct {
	off     []int32
	members []int32
}

func (r *roster) tagIndex(kind int) tagIndex {
	nt := len(r.tagNames)
	idx := tagIndex{off: make([]int32, nt+1)}
	for i := 0; i < r.n; i++ {
		for _, t := range r.tags[r.tagOff[3*i+kind]:r.tagOff[3*i+kind+1]] {
			idx.off[t+1]++
		}
	}
	for t := 0; t < nt; t++ {
		idx.off[t+1] += idx.off[t]
	}
	idx.members = make([]int32, idx.off[nt])
	fill := slices.Clone(idx.off[:nt])
	for i := 0; i < r.n; i++ {
		for _, t := range r.tags[r.tagOff[3*i+kind]:r.tagOff[3*i+kind+1]] {
			idx.members[fill[t]] = int32(i)
			fill[t]++
		}
	}
	return idx
}

func (x tagIndex) of(t int32) []int32 { return x.members[x.off[t]:x.off[t+1]] }

// buildCandidates draws each member's candidate partners, keeps those the
// hard rules allow, scores them, and merges both directions into a graph.
// Work is cut into a fixed number of chunks, each with its own random
// stream, so the graph depends on the seed and not on scheduling.
func buildCandidates(r *roster, workers int, seed uint64) *graph {
	interestIdx, offerIdx, askIdx := r.tagIndex(0), r.tagIndex(1), r.tagIndex(2)
	var mentors, mentees []int32
	for i := 0; i < r.n; i++ {
		switch r.mentoring[i] {
		case mentorMentor:
			mentors = append(mentors, int32(i))
		case mentorMentee:
			mentees = append(mentees, int32(i))
		}
	}

	type proposal struct {
		u, v int32
		w    int32
	}
	parts := make([][]proposal, genChunks)
	chunk := (r.n + genChunks - 1) / genChunks
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			var mine []int32
			for c := range next {
				rng := rand.New(rand.NewPCG(seed, uint64(c)))
				out := make([]proposal, 0, chunk*expectedProposals)
				for u := int32(c * chunk); u < int32(min(r.n, (c+1)*chunk)); u++ {
					mine = mine[:0]
					try := func(v int32) {
						if v == u || r.org[u] == r.org[v] || slices.Contains(mine, v) {
							return
						}
						mine = append(mine, v)
						if s, st, _ := r.pair(u, v); st == pairAllowed {
							out = append(out, proposal{u, v, s})
						}
					}
					draw := func(list []int32, k int) {
						if len(list) == 0 {
							return
						}
						for range k {
							try(list[rng.IntN(len(list))])
						}
					}
					for _, t := range r.asks(u)[:min(len(r.asks(u)), maxTagsUsed)] {
						draw(offerIdx.of(t), perAsk)
					}
					for _, t := range r.offers(u)[:min(len(r.offers(u)), maxTagsUsed)] {
						draw(askIdx.of(t), perOffer)
					}
					for _, t := range r.interests(u)[:min(len(r.interests(u)), maxTagsUsed)] {
						draw(interestIdx.of(t), perInterest)
					}
					switch r.mentoring[u] {
					case mentorMentor:
						draw(mentees, perMentoring)
					case mentorMentee:
						draw(mentors, perMentoring)
					}
					for range perRandom {
						try(int32(rng.IntN(r.n)))
					}
				}
				parts[c] = out
			}
		})
	}
	for c := range genChunks {
		next <- c
	}
	close(next)
	wg.Wait()

	// Merge proposals in both directions into sorted, de-duplicated
	// adjacency lists.
	g := &graph{n: r.n, off: make([]int32, r.n+1)}
	total := 0
	for _, p := range parts {
		for _, e := range p {
			g.off[e.u+1]++
			g.off[e.v+1]++
		}
		total += 2 * len(p)
	}
	for i := 0; i < r.n; i++ {
		g.off[i+1] += g.off[i]
	}
	// Each half-edge is packed as neighbour<<32 | score, so sorting the
	// numbers sorts each list by neighbour.
	adj := make([]uint64, total)
	fill := slices.Clone(g.off[:r.n])
	for _, p := range parts {
		for _, e := range p {
			adj[fill[e.u]] = uint64(e.v)<<32 | uint64(uint32(e.w))
			fill[e.u]++
			adj[fill[e.v]] = uint64(e.u)<<32 | uint64(uint32(e.w))
			fill[e.v]++
		}
	}
	// Sort and de-duplicate each list in place, then lay the lists end to
	// end; both steps split the members between the workers.
	kept := make([]int32, r.n+1)
	inParallel(r.n, workers, func(_, lo, hi int) {
		for u := lo; u < hi; u++ {
			run := adj[g.off[u]:g.off[u+1]]
			slices.Sort(run)
			k := 0
			for i, h := range run {
				if i > 0 && run[i-1]>>32 == h>>32 {
					continue
				}
				run[k] = h
				k++
			}
			kept[u+1] = int32(k)
		}
	})
	for u := 0; u < r.n; u++ {
		kept[u+1] += kept[u]
	}
	g.nbr = make([]int32, kept[r.n])
	g.wt = make([]int32, kept[r.n])
	inParallel(r.n, workers, func(_, lo, hi int) {
		for u := lo; u < hi; u++ {
			at := kept[u]
			for _, h := range adj[g.off[u] : g.off[u]+kept[u+1]-kept[u]] {
				g.nbr[at], g.wt[at] = int32(h>>32), int32(uint32(h))
				at++
			}
		}
	})
	g.off = kept
	return g
}

// inParallel calls f on consecutive ranges of 0..n, one per worker, and
// waits for them all. part numbers the ranges from 0, in order.
func inParallel(n, workers int, f func(part, lo, hi int)) {
	var wg sync.WaitGroup
	step := (n + workers - 1) / max(1, workers)
	for lo := 0; lo < n; lo += step {
		wg.Go(func() { f(lo/step, lo, min(n, lo+step)) })
	}
	wg.Wait()
}

// approxMatch finds a near-optimal max-cardinality matching on the
// candidate graph. Weights include the fairness bonus, as for the exact
// solver.
func approxMatch(r *roster, g *graph, rng *rand.Rand) []int32 {
	n := r.n
	bonus := r.fairnessBonus()
	ew := func(u, v, w int32) int64 {
		return int64(w) + bonus*int64(r.turns[u]+r.turns[v])
	}
	mate := filled(n, -1)
	// held[u] is the weight of u's current pair, so moves are priced
	// without looking the pair up again.
	held := make([]int64, n)
	link := func(a, b int32, w int64) {
		mate[a], mate[b] = b, a
		held[a], held[b] = w, w
	}

	// Greedy from the best pair down.
	es := g.edges()
	for _, k := range r.byKeyDesc(es) {
		e := es[k]
		if mate[e.u] < 0 && mate[e.v] < 0 {
			link(e.u, e.v, ew(e.u, e.v, e.w))
		}
	}

	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	rng.Shuffle(n, func(a, b int) { order[a], order[b] = order[b], order[a] })

	// augment3 matches a single u through a path u-v=v'-x to another single
	// x, choosing the path with the best gain.
	augment3 := func(u int32) bool {
		best := int64(-1 << 62)
		var bv, bx int32 = -1, -1
		var bw, bxw int64
		for k := g.off[u]; k < g.off[u+1]; k++ {
			v := g.nbr[k]
			vm := mate[v]
			if vm < 0 {
				// A direct pair is always best for cardinality.
				uv := ew(u, v, g.wt[k])
				if gain := uv + 1<<61; gain > best {
					best, bv, bx, bw = gain, v, -1, uv
				}
				continue
			}
			uv := ew(u, v, g.wt[k])
			base := uv - held[v]
			for q := g.off[vm]; q < g.off[vm+1]; q++ {
				x := g.nbr[q]
				if x == u || x == v || mate[x] >= 0 {
					continue
				}
				vx := ew(vm, x, g.wt[q])
				if gain := base + vx; gain > best {
					best, bv, bx, bw, bxw = gain, v, x, uv, vx
				}
			}
		}
		switch {
		case bv < 0:
			return false
		case bx < 0:
			link(u, bv, bw)
		default:
			vm := mate[bv]
			link(u, bv, bw)
			link(vm, bx, bxw)
		}
		return true
	}

	// pairWeight is the weight of any pair the hard rules allow, scored on
	// the spot: swapping partners between two pairs needs the pair of their
	// old partners, which a sparse candidate graph rarely holds.
	pairWeight := func(a, b int32) (int64, bool) {
		s, st, _ := r.pair(a, b)
		return ew(a, b, s), st == pairAllowed
	}

	// improve applies the best single move around a matched u: swap
	// partners with another pair (u-v, u'-v'), or take a single v and
	// leave u' single. Neither lowers the number of pairs.
	improve := func(u int32) bool {
		um := mate[u]
		if um < 0 {
			return false
		}
		cur := held[u]
		var best, bw, bw2 int64
		var bv int32 = -1
		for k := g.off[u]; k < g.off[u+1]; k++ {
			v := g.nbr[k]
			if v == um {
				continue
			}
			uv := ew(u, v, g.wt[k])
			gain := uv - cur
			if gain <= 0 {
				// Only moves where u gains are tried from u; a swap that
				// helps overall but not u is usually found from v's side.
				continue
			}
			if vm := mate[v]; vm >= 0 {
				if vm == um {
					continue
				}
				wv := held[v]
				// Skip scoring the old partners' pair when even its best
				// possible score could not beat the best move so far.
				if gain-wv+ew(um, vm, r.upperScore(um, vm)) <= best {
					continue
				}
				w2, ok := pairWeight(um, vm)
				if !ok {
					continue
				}
				gain += w2 - wv
				if gain > best {
					best, bv, bw, bw2 = gain, v, uv, w2
				}
				continue
			}
			if gain > best {
				best, bv, bw = gain, v, uv
			}
		}
		if bv < 0 {
			return false
		}
		vm := mate[bv]
		link(u, bv, bw)
		if vm >= 0 {
			link(um, vm, bw2)
		} else {
			mate[um], held[um] = -1, 0
		}
		return true
	}

	// Work through a queue of members whose surroundings changed, so later
	// passes touch only the few places that can still improve.
	queued := make([]bool, n)
	queue := append([]int32(nil), order...)
	for _, u := range queue {
		queued[u] = true
	}
	touch := func(u int32) {
		if !queued[u] {
			queued[u] = true
			queue = append(queue, u)
		}
	}
	budget := n // bounds the time; later moves gain little
	for len(queue) > 0 && budget > 0 {
		budget--
		u := queue[0]
		queue = queue[1:]
		queued[u] = false
		before := [2]int32{u, mate[u]}
		var changed bool
		if mate[u] < 0 {
			changed = augment3(u)
		} else {
			changed = improve(u)
		}
		if !changed {
			continue
		}
		for _, x := range [4]int32{before[0], before[1], mate[u], mateOr(mate, before[1])} {
			if x >= 0 {
				touch(x)
				if m := mate[x]; m >= 0 {
					touch(m)
				}
			}
		}
	}
	return mate
}

func mateOr(mate []int32, v int32) int32 {
	if v < 0 {
		return -1
	}
	return mate[v]
}

// relaxLocally is the scalable path's last resort for members still
// without a partner: pair them with each other under every hard rule, then
// along augmenting paths through the candidate graph, then with each other
// relaxing the repeat window oldest-first, or through one existing pair.
func relaxLocally(r *roster, g *graph, mate []int32) {
	single := unmatchedOf(mate)
	if len(single) < 2 {
		return
	}
	// Rounds where this runs long are pathological (most members from one
	// organisation); give up after a bounded amount of work.
	budget := 50_000_000
	for _, relax := range []bool{false, true} {
		if relax {
			// Before relaxing the repeat window, pair whoever an
			// augmenting path through the candidate graph can.
			augmentSingles(g, mate)
		}
		for _, u := range single {
			if mate[u] >= 0 {
				continue
			}
			best, bestW := int32(-1), int64(-1)
			for _, x := range single {
				budget--
				if x == u || mate[x] >= 0 || r.org[x] == r.org[u] {
					continue
				}
				s, st, last := r.pair(u, x)
				w := int64(s)
				switch {
				case st == pairForbidden, st == pairRecent && !relax:
					continue
				case st == pairRecent:
					w = int64(r.relaxedWeight(last))
				}
				if w > bestW {
					best, bestW = x, w
				}
			}
			if best >= 0 {
				mate[u], mate[best] = best, u
			}
		}
	}
	// Through one pair: u-v=v'-x where u and x are single. Few members get
	// here; a full scan of possible v is kept for the last handful.
	left := 0
	for _, u := range single {
		if mate[u] < 0 {
			left++
		}
	}
	for _, u := range single {
		if mate[u] >= 0 || budget < 0 || left > 64 {
			continue
		}
		for v := int32(0); v < int32(r.n) && mate[u] < 0 && budget > 0; v++ {
			vm := mate[v]
			if vm < 0 || r.org[v] == r.org[u] {
				continue
			}
			budget--
			if _, st, _ := r.pair(u, v); st == pairForbidden {
				continue
			}
			for _, x := range single {
				budget--
				if x == u || mate[x] >= 0 || r.org[x] == r.org[vm] {
					continue
				}
				if _, st, _ := r.pair(vm, x); st != pairForbidden {
					mate[u], mate[v] = v, u
					mate[vm], mate[x] = x, vm
					break
				}
			}
		}
	}
}

// Large-neighbourhood search: clusters of clusterSize members, grown from a
// random member through candidate pairs and kept closed under the current
// pairs, are re-solved exactly over the allowed pairs inside them. The
// pairs that separate a greedy matching from the optimum form long
// alternating cycles, which swaps alone cannot find. One pass of clusters of
// 128 reaches the exact optimum of the candidate graph at 100,000 members
// (it can pass it, as it also uses pairs outside the graph) for about a
// second of CPU; two passes of 64 gain a little less for the same time, and
// clusters of 32 fall short of it.
//
// A pair inside a cluster is left out of the solve when its score is more
// than pruneSlack below the mean of what its two members hold now: such a
// pair almost never takes part in an improvement, and leaving it out makes
// the solve several times faster.
const (
	clusterSize = 128
	pruneSlack  = 10
)

// improveClusters re-solves disjoint clusters exactly and keeps each new
// pairing that is better. Clusters are formed first, one after another,
// then solved in parallel; each touches only its own members, so the result
// does not depend on scheduling.
func improveClusters(r *roster, g *graph, mate []int32, rng *rand.Rand, workers int) {
	n := r.n
	assigned := make([]bool, n)
	order := rng.Perm(n)
	var clusters [][]int32
	var queue []int32
	add := func(c []int32, v int32) []int32 {
		if assigned[v] {
			return c
		}
		assigned[v] = true
		c = append(c, v)
		queue = append(queue, v)
		if m := mate[v]; m >= 0 && !assigned[m] {
			assigned[m] = true
			c = append(c, m)
			queue = append(queue, m)
		}
		return c
	}
	for _, s := range order {
		if assigned[s] {
			continue
		}
		queue = queue[:0]
		c := add(nil, int32(s))
		for q := 0; q < len(queue) && len(c) < clusterSize; q++ {
			x := queue[q]
			// Visit neighbours from a random offset so clusters differ
			// between passes.
			deg := g.off[x+1] - g.off[x]
			if deg == 0 {
				continue
			}
			start := g.off[x] + int32(rng.IntN(int(deg)))
			for k := int32(0); k < deg && len(c) < clusterSize; k++ {
				i := start + k
				if i >= g.off[x+1] {
					i -= deg
				}
				c = add(c, g.nbr[i])
			}
		}
		clusters = append(clusters, c)
	}

	bonus := r.fairnessBonus()
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var es []wedge
			var bestW, held []int64
			var solver *blossomState
			for ci := range next {
				c := clusters[ci]
				if len(c) < 4 {
					continue
				}
				es = es[:0]
				var cur int64
				curPairs := 0
				held = held[:0]
				singles := 0
				for _, a := range c {
					var h int64
					if m := mate[a]; m >= 0 {
						s, _, _ := r.pair(a, m)
						h = r.bonusWeight(cand{a, m, s}, bonus)
					} else {
						singles++
					}
					held = append(held, h)
				}
				// With two or more members single, a weak pair may be the
				// link that lets them both be paired, and pairing people
				// comes first: nothing is left out of that solve.
				slack := int64(pruneSlack)
				if singles >= 2 {
					slack = math.MaxInt64 / 4
				}
				for i := range c {
					for j := i + 1; j < len(c); j++ {
						a, b := c[i], c[j]
						if r.org[a] == r.org[b] {
							continue
						}
						matched := mate[a] == b
						floor := held[i] + held[j] - 2*slack
						if !matched && 2*r.bonusWeight(cand{a, b, r.upperScore(a, b)}, bonus) < floor {
							continue
						}
						s, st, _ := r.pair(a, b)
						if st != pairAllowed {
							continue
						}
						w := r.bonusWeight(cand{a, b, s}, bonus)
						if !matched && 2*w < floor {
							continue
						}
						es = append(es, wedge{int32(i), int32(j), w})
						if matched {
							cur += w
							curPairs++
						}
					}
				}
				// Each member can gain at most half of their best pair here;
				// when even that cannot beat the current pairing, skip the
				// solve. Clusters already at a local optimum are common.
				best := bestW[:0]
				for range c {
					best = append(best, 0)
				}
				for _, e := range es {
					best[e.u] = max(best[e.u], e.w)
					best[e.v] = max(best[e.v], e.w)
				}
				var bound int64
				for _, b := range best {
					bound += b
				}
				bestW = best
				if bound <= 2*cur && curPairs == len(c)/2 {
					continue
				}
				solver = solveBlossomInto(solver, len(c), es, true)
				local := solver.mates()
				var val int64
				pairs := 0
				for _, e := range es {
					if local[e.u] == e.v {
						val += e.w
						pairs++
					}
				}
				if pairs < curPairs || (pairs == curPairs && val <= cur) {
					continue
				}
				for i, m := range local {
					if m >= 0 {
						mate[c[i]] = c[m]
					} else {
						mate[c[i]] = -1
					}
				}
			}
		})
	}
	for ci := range clusters {
		next <- ci
	}
	close(next)
	wg.Wait()
}
