package matcher

import "fmt"

// Edge is one weighted, undirected edge of a plain graph for MaxWeightMatching.
// Vertices are numbered from 0; the weight must not be negative.
type Edge struct {
	U, V int
	W    int64
}

// MaxWeightMatching returns a maximum-weight matching of the graph with n
// vertices and the given edges, as mate[v] (the vertex matched to v, or -1).
//
// With maxCardinality set it returns, among the matchings with the most
// edges, one of greatest weight. It is exact: Edmonds' blossom algorithm in
// the primal-dual form described in Galil's 1986 survey ("Efficient
// algorithms for finding maximum matching in graphs"), O(n^3) on integer
// weights. Edges with an endpoint out of range, loops and negative weights
// are an error; of parallel edges the solver may use any.
func MaxWeightMatching(n int, edges []Edge, maxCardinality bool) ([]int, error) {
	es := make([]wedge, len(edges))
	for k, e := range edges {
		if e.U < 0 || e.V < 0 || e.U >= n || e.V >= n {
			return nil, fmt.Errorf("matcher: edge %d (%d, %d) has a vertex outside 0..%d", k, e.U, e.V, n-1)
		}
		if e.U == e.V {
			return nil, fmt.Errorf("matcher: edge %d is a loop on vertex %d", k, e.U)
		}
		if e.W < 0 {
			return nil, fmt.Errorf("matcher: edge %d (%d, %d) has negative weight %d", k, e.U, e.V, e.W)
		}
		es[k] = wedge{int32(e.U), int32(e.V), e.W}
	}
	m := solveBlossom(n, es, maxCardinality).mates()
	mate := make([]int, n)
	for v := range mate {
		mate[v] = int(m[v])
	}
	return mate, nil
}

// wedge is the solver's compact edge.
type wedge struct {
	u, v int32
	w    int64
}

// blossomState holds the primal-dual state. Vertices are 0..n-1 and
// non-trivial blossoms n..2n-1. An edge k has two endpoints, 2k (its u) and
// 2k+1 (its v); p^1 is the other end of endpoint p. Dual values are kept
// doubled (slack = y_u + y_v - 2w), which keeps every quantity an integer.
type blossomState struct {
	n     int
	edges []wedge

	endpoint []int32 // endpoint p -> vertex
	adjStart []int32 // CSR: the endpoints p remote to vertex v are adj[adjStart[v]:adjStart[v+1]]
	adj      []int32

	mate      []int32 // vertex -> remote endpoint of its matched edge, or -1
	label     []int8  // top-level blossom or vertex -> 0 free, 1 S (outer), 2 T (inner); 4|x marks during scans
	labelEnd  []int32 // endpoint through which the label was given, or -1
	inBlossom []int32 // vertex -> its top-level blossom
	parent    []int32 // blossom -> enclosing blossom, or -1
	childs    [][]int32
	base      []int32
	endps     [][]int32 // endpoints linking consecutive children
	bestEdge  []int32   // least-slack edge to an S-blossom (see scan)
	bestEdges [][]int32 // S-blossom -> least-slack edges to other S-blossoms, or nil
	unused    []int32
	dual      []int64
	allowed   []bool
	queue     []int32

	bestTo []int32 // scratch for addBlossom, all -1 between uses

	// For couldImprove, filled by prepareReducedCosts after solving.
	depth, top []int32
	cum        []int64
}

func solveBlossom(n int, edges []wedge, maxCardinality bool) *blossomState {
	return solveBlossomInto(nil, n, edges, maxCardinality)
}

// resize returns x with length n, reusing its storage when large enough.
func resize[T any](x []T, n int) []T {
	if cap(x) >= n {
		return x[:n]
	}
	return make([]T, n)
}

func fill[T any](x []T, v T) {
	for i := range x {
		x[i] = v
	}
}

// solveBlossomInto is solveBlossom reusing the storage of s (when not nil),
// for callers that solve many small graphs in a row.
func solveBlossomInto(s *blossomState, n int, edges []wedge, maxCardinality bool) *blossomState {
	if s == nil {
		s = &blossomState{}
	}
	s.n, s.edges = n, edges
	s.depth, s.top, s.cum = nil, nil, nil
	m := len(edges)
	s.endpoint = resize(s.endpoint, 2*m)
	s.adjStart = resize(s.adjStart, n+1)
	fill(s.adjStart, 0)
	var maxW int64
	for k, e := range edges {
		s.endpoint[2*k] = e.u
		s.endpoint[2*k+1] = e.v
		s.adjStart[e.u+1]++
		s.adjStart[e.v+1]++
		maxW = max(maxW, e.w)
	}
	for v := 0; v < n; v++ {
		s.adjStart[v+1] += s.adjStart[v]
	}
	s.adj = resize(s.adj, 2*m)
	s.bestTo = resize(s.bestTo, 2*n)
	pos := s.bestTo[:n] // borrowed as scratch; reset to -1 below
	copy(pos, s.adjStart[:n])
	for k, e := range edges {
		s.adj[pos[e.u]] = int32(2*k + 1)
		pos[e.u]++
		s.adj[pos[e.v]] = int32(2 * k)
		pos[e.v]++
	}
	fill(s.bestTo, -1)

	s.mate = resize(s.mate, n)
	fill(s.mate, -1)
	s.label = resize(s.label, 2*n)
	fill(s.label, 0)
	s.labelEnd = resize(s.labelEnd, 2*n)
	fill(s.labelEnd, -1)
	s.inBlossom = resize(s.inBlossom, n)
	for v := range s.inBlossom {
		s.inBlossom[v] = int32(v)
	}
	s.parent = resize(s.parent, 2*n)
	fill(s.parent, -1)
	s.childs = resize(s.childs, 2*n)
	fill(s.childs, nil)
	s.base = resize(s.base, 2*n)
	for v := 0; v < n; v++ {
		s.base[v] = int32(v)
	}
	fill(s.base[n:], -1)
	s.endps = resize(s.endps, 2*n)
	fill(s.endps, nil)
	s.bestEdge = resize(s.bestEdge, 2*n)
	fill(s.bestEdge, -1)
	s.bestEdges = resize(s.bestEdges, 2*n)
	fill(s.bestEdges, nil)
	s.unused = s.unused[:0]
	for b := 2*n - 1; b >= n; b-- {
		s.unused = append(s.unused, int32(b))
	}
	s.dual = resize(s.dual, 2*n)
	fill(s.dual[:n], maxW)
	fill(s.dual[n:], 0)
	s.allowed = resize(s.allowed, m)
	fill(s.allowed, false)
	s.queue = s.queue[:0]

	for stage := 0; stage < n; stage++ {
		if !s.stage(maxCardinality) {
			break
		}
	}
	return s
}

// mates returns the vertex matched to each vertex, or -1.
func (s *blossomState) mates() []int32 {
	n := s.n
	out := make([]int32, n)
	for v := range out {
		if s.mate[v] >= 0 {
			out[v] = s.endpoint[s.mate[v]]
		} else {
			out[v] = -1
		}
	}
	return out
}

// couldImprove reports whether a pair u-v of weight w has negative reduced
// cost against the final dual solution: its slack (doubled, like the
// duals) plus the duals of the blossoms that hold both ends. A pair that is
// not an edge of the solved graph and could improve the matching is worth
// adding; when none could, the matching is optimal for the larger graph too
// (LP duality).
func (s *blossomState) couldImprove(u, v int32, w int64) bool {
	c := s.dual[u] + s.dual[v] - 2*w
	// Blossom duals are never negative, so they can only add to c; the
	// climb through nested blossoms is needed only when c is negative.
	if c >= 0 {
		return false
	}
	if s.parent[u] < 0 || s.parent[v] < 0 {
		return true
	}
	if s.depth == nil {
		panic("matcher: couldImprove before prepareReducedCosts")
	}
	if s.top[u] != s.top[v] {
		return true
	}
	// Climb to the lowest common blossom; everything above it holds both.
	a, b := s.parent[u], s.parent[v]
	for s.depth[a] > s.depth[b] {
		a = s.parent[a]
	}
	for s.depth[b] > s.depth[a] {
		b = s.parent[b]
	}
	for a != b {
		a, b = s.parent[a], s.parent[b]
	}
	return c+s.cum[a] < 0
}

// prepareReducedCosts records, for every vertex and blossom, its depth in
// the blossom tree, its top-level blossom, and the doubled duals of itself
// and all blossoms above it.
func (s *blossomState) prepareReducedCosts() {
	n := len(s.parent)
	s.depth = make([]int32, n)
	s.top = make([]int32, n)
	s.cum = make([]int64, n)
	done := make([]bool, n)
	var visit func(x int32)
	visit = func(x int32) {
		if done[x] {
			return
		}
		done[x] = true
		own := int64(0)
		if int(x) >= s.n {
			own = 2 * s.dual[x]
		}
		p := s.parent[x]
		if p < 0 {
			s.depth[x], s.top[x], s.cum[x] = 0, x, own
			return
		}
		visit(p)
		s.depth[x], s.top[x], s.cum[x] = s.depth[p]+1, s.top[p], s.cum[p]+own
	}
	for x := range n {
		if x < s.n || s.base[x] >= 0 {
			visit(int32(x))
		}
	}
}

func filled(n int, x int32) []int32 {
	s := make([]int32, n)
	for i := range s {
		s[i] = x
	}
	return s
}

func (s *blossomState) slack(k int32) int64 {
	e := s.edges[k]
	return s.dual[e.u] + s.dual[e.v] - 2*e.w
}

// leaves calls f for every vertex inside blossom b.
func (s *blossomState) leaves(b int32, f func(v int32)) {
	if int(b) < s.n {
		f(b)
		return
	}
	for _, c := range s.childs[b] {
		s.leaves(c, f)
	}
}

// firstLeafWith returns the first vertex inside b for which ok holds, or -1.
func (s *blossomState) firstLeafWith(b int32, ok func(v int32) bool) int32 {
	if int(b) < s.n {
		if ok(b) {
			return b
		}
		return -1
	}
	for _, c := range s.childs[b] {
		if v := s.firstLeafWith(c, ok); v >= 0 {
			return v
		}
	}
	return -1
}

// assignLabel labels the top-level blossom containing w as S (t=1) or T
// (t=2), reached through endpoint p; a T-blossom's mate becomes S.
func (s *blossomState) assignLabel(w int32, t int8, p int32) {
	for {
		b := s.inBlossom[w]
		s.label[w], s.label[b] = t, t
		s.labelEnd[w], s.labelEnd[b] = p, p
		s.bestEdge[w], s.bestEdge[b] = -1, -1
		if t == 1 {
			s.leaves(b, func(v int32) { s.queue = append(s.queue, v) })
			return
		}
		// A T-blossom's base is matched (roots are S), so its mate joins as S.
		mb := s.mate[s.base[b]]
		w, t, p = s.endpoint[mb], 1, mb^1
	}
}

// scanBlossom walks up the alternating trees from S-vertices v and w. It
// returns the base of a new blossom when both paths meet, or -1 when they
// reach two different roots (an augmenting path).
func (s *blossomState) scanBlossom(v, w int32) int32 {
	var path []int32
	base := int32(-1)
	for v != -1 {
		b := s.inBlossom[v]
		if s.label[b]&4 != 0 {
			base = s.base[b]
			break
		}
		path = append(path, b)
		s.label[b] = 5
		if s.labelEnd[b] == -1 {
			v = -1
		} else {
			v = s.endpoint[s.labelEnd[b]]
			b = s.inBlossom[v]
			v = s.endpoint[s.labelEnd[b]]
		}
		if w != -1 {
			v, w = w, v
		}
	}
	for _, b := range path {
		s.label[b] = 1
	}
	return base
}

// addBlossom shrinks the odd cycle closed by edge k, with the given base,
// into a new S-blossom.
func (s *blossomState) addBlossom(base int32, k int32) {
	e := s.edges[k]
	v, w := e.u, e.v
	bb := s.inBlossom[base]
	bv := s.inBlossom[v]
	bw := s.inBlossom[w]
	b := s.unused[len(s.unused)-1]
	s.unused = s.unused[:len(s.unused)-1]
	s.base[b] = base
	s.parent[b] = -1
	s.parent[bb] = b

	var path, endps []int32
	for bv != bb {
		s.parent[bv] = b
		path = append(path, bv)
		endps = append(endps, s.labelEnd[bv])
		v = s.endpoint[s.labelEnd[bv]]
		bv = s.inBlossom[v]
	}
	path = append(path, bb)
	reverse(path)
	reverse(endps)
	endps = append(endps, 2*k)
	for bw != bb {
		s.parent[bw] = b
		path = append(path, bw)
		endps = append(endps, s.labelEnd[bw]^1)
		w = s.endpoint[s.labelEnd[bw]]
		bw = s.inBlossom[w]
	}
	s.childs[b] = path
	s.endps[b] = endps
	s.label[b] = 1
	s.labelEnd[b] = s.labelEnd[bb]
	s.dual[b] = 0
	s.leaves(b, func(v int32) {
		if s.label[s.inBlossom[v]] == 2 {
			// Former T-vertices become S and must be scanned.
			s.queue = append(s.queue, v)
		}
		s.inBlossom[v] = b
	})

	// Merge the children's least-slack edges to other S-blossoms.
	var touched []int32
	consider := func(k int32) {
		e := s.edges[k]
		j := e.v
		if s.inBlossom[j] == b {
			j = e.u
		}
		bj := s.inBlossom[j]
		if bj != b && s.label[bj] == 1 {
			if s.bestTo[bj] == -1 {
				touched = append(touched, bj)
				s.bestTo[bj] = k
			} else if s.slack(k) < s.slack(s.bestTo[bj]) {
				s.bestTo[bj] = k
			}
		}
	}
	for _, c := range path {
		if s.bestEdges[c] == nil {
			s.leaves(c, func(v int32) {
				for _, p := range s.adj[s.adjStart[v]:s.adjStart[v+1]] {
					consider(p / 2)
				}
			})
		} else {
			for _, k := range s.bestEdges[c] {
				consider(k)
			}
		}
		s.bestEdges[c] = nil
		s.bestEdge[c] = -1
	}
	list := make([]int32, 0, len(touched))
	s.bestEdge[b] = -1
	for _, bj := range touched {
		k := s.bestTo[bj]
		s.bestTo[bj] = -1
		list = append(list, k)
		if s.bestEdge[b] == -1 || s.slack(k) < s.slack(s.bestEdge[b]) {
			s.bestEdge[b] = k
		}
	}
	s.bestEdges[b] = list
}

func reverse(x []int32) {
	for i, j := 0, len(x)-1; i < j; i, j = i+1, j-1 {
		x[i], x[j] = x[j], x[i]
	}
}

// at indexes a cyclic child list with a possibly negative index.
func at(x []int32, j int) int32 {
	n := len(x)
	return x[((j%n)+n)%n]
}

func indexOf(x []int32, v int32) int {
	for i, y := range x {
		if y == v {
			return i
		}
	}
	panic("matcher: blossom child not found")
}

// expandBlossom undoes blossom b. Mid-stage (a T-blossom whose dual reached
// zero) its children are relabelled so the alternating tree stays valid; at
// the end of a stage S-blossoms with zero dual are expanded recursively.
func (s *blossomState) expandBlossom(b int32, endStage bool) {
	for _, c := range s.childs[b] {
		s.parent[c] = -1
		switch {
		case int(c) < s.n:
			s.inBlossom[c] = c
		case endStage && s.dual[c] == 0:
			s.expandBlossom(c, endStage)
		default:
			s.leaves(c, func(v int32) { s.inBlossom[v] = c })
		}
	}
	if !endStage && s.label[b] == 2 {
		childs, endps := s.childs[b], s.endps[b]
		entry := s.inBlossom[s.endpoint[s.labelEnd[b]^1]]
		j := indexOf(childs, entry)
		var step, trick int
		// Walk the even-length way round from the entry child to the base.
		if j&1 != 0 {
			j -= len(childs)
			step, trick = 1, 0
		} else {
			step, trick = -1, 1
		}
		p := s.labelEnd[b]
		for j != 0 {
			s.label[s.endpoint[p^1]] = 0
			s.label[s.endpoint[at(endps, j-trick)^int32(trick)^1]] = 0
			s.assignLabel(s.endpoint[p^1], 2, p)
			s.allowed[at(endps, j-trick)/2] = true
			j += step
			p = at(endps, j-trick) ^ int32(trick)
			s.allowed[p/2] = true
			j += step
		}
		bv := at(childs, j)
		s.label[s.endpoint[p^1]], s.label[bv] = 2, 2
		s.labelEnd[s.endpoint[p^1]], s.labelEnd[bv] = p, p
		s.bestEdge[bv] = -1
		j += step
		for at(childs, j) != entry {
			bv := at(childs, j)
			j += step
			if s.label[bv] == 1 {
				continue
			}
			// A child off the tree path may hold a vertex that was reached
			// (labelled T) while inside b; relabel it through that edge.
			v := s.firstLeafWith(bv, func(v int32) bool { return s.label[v] != 0 })
			if v >= 0 {
				s.label[v] = 0
				s.label[s.endpoint[s.mate[s.base[bv]]]] = 0
				s.assignLabel(v, 2, s.labelEnd[v])
			}
		}
	}
	s.label[b] = -1
	s.labelEnd[b] = -1
	s.childs[b] = nil
	s.endps[b] = nil
	s.base[b] = -1
	s.bestEdges[b] = nil
	s.bestEdge[b] = -1
	s.unused = append(s.unused, b)
}

// augmentBlossom swaps matched and unmatched edges along the even path
// inside b from vertex v to the base, and makes v's child the new base.
func (s *blossomState) augmentBlossom(b, v int32) {
	t := v
	for s.parent[t] != b {
		t = s.parent[t]
	}
	if int(t) >= s.n {
		s.augmentBlossom(t, v)
	}
	childs, endps := s.childs[b], s.endps[b]
	i := indexOf(childs, t)
	j := i
	var step, trick int
	if i&1 != 0 {
		j -= len(childs)
		step, trick = 1, 0
	} else {
		step, trick = -1, 1
	}
	for j != 0 {
		j += step
		t = at(childs, j)
		p := at(endps, j-trick) ^ int32(trick)
		if int(t) >= s.n {
			s.augmentBlossom(t, s.endpoint[p])
		}
		j += step
		t = at(childs, j)
		if int(t) >= s.n {
			s.augmentBlossom(t, s.endpoint[p^1])
		}
		s.mate[s.endpoint[p]] = p ^ 1
		s.mate[s.endpoint[p^1]] = p
	}
	rot := func(x []int32) []int32 {
		y := make([]int32, 0, len(x))
		y = append(y, x[i:]...)
		return append(y, x[:i]...)
	}
	s.childs[b] = rot(childs)
	s.endps[b] = rot(endps)
	s.base[b] = s.base[s.childs[b][0]]
}

// augmentMatching flips the augmenting path through edge k, from both of its
// ends back to their roots.
func (s *blossomState) augmentMatching(k int32) {
	e := s.edges[k]
	for _, sp := range [2][2]int32{{e.u, 2*k + 1}, {e.v, 2 * k}} {
		x, p := sp[0], sp[1]
		for {
			bs := s.inBlossom[x]
			if int(bs) >= s.n {
				s.augmentBlossom(bs, x)
			}
			s.mate[x] = p
			if s.labelEnd[bs] == -1 {
				break // reached a root
			}
			t := s.endpoint[s.labelEnd[bs]]
			bt := s.inBlossom[t]
			x = s.endpoint[s.labelEnd[bt]]
			j := s.endpoint[s.labelEnd[bt]^1]
			if int(bt) >= s.n {
				s.augmentBlossom(bt, j)
			}
			s.mate[j] = s.labelEnd[bt]
			p = s.labelEnd[bt] ^ 1
		}
	}
}

// stage grows alternating trees from every single vertex, adjusting duals,
// until it augments the matching (true) or proves it optimal (false).
func (s *blossomState) stage(maxCardinality bool) bool {
	n := s.n
	for i := range s.label {
		s.label[i] = 0
	}
	for i := range s.bestEdge {
		s.bestEdge[i] = -1
	}
	for b := n; b < 2*n; b++ {
		s.bestEdges[b] = nil
	}
	for i := range s.allowed {
		s.allowed[i] = false
	}
	s.queue = s.queue[:0]
	if s.matchTightPairs() {
		// Those were augmentations too; start the next stage afresh.
		return true
	}
	for v := 0; v < n; v++ {
		if s.mate[v] == -1 && s.label[s.inBlossom[v]] == 0 {
			s.assignLabel(int32(v), 1, -1)
		}
	}

	augmented := false
	for {
		for len(s.queue) > 0 && !augmented {
			v := s.queue[len(s.queue)-1]
			s.queue = s.queue[:len(s.queue)-1]
			for _, p := range s.adj[s.adjStart[v]:s.adjStart[v+1]] {
				k := p / 2
				w := s.endpoint[p]
				if s.inBlossom[v] == s.inBlossom[w] {
					continue
				}
				var kslack int64
				if !s.allowed[k] {
					kslack = s.slack(k)
					if kslack <= 0 {
						s.allowed[k] = true
					}
				}
				bw := s.inBlossom[w]
				switch {
				case s.allowed[k]:
					switch {
					case s.label[bw] == 0:
						s.assignLabel(w, 2, p^1)
					case s.label[bw] == 1:
						if base := s.scanBlossom(v, w); base >= 0 {
							s.addBlossom(base, k)
						} else {
							s.augmentMatching(k)
							augmented = true
						}
					case s.label[w] == 0:
						// w sits inside a T-blossom; remember how it was
						// reached in case the blossom is expanded.
						s.label[w] = 2
						s.labelEnd[w] = p ^ 1
					}
				case s.label[bw] == 1:
					b := s.inBlossom[v]
					if s.bestEdge[b] == -1 || kslack < s.slack(s.bestEdge[b]) {
						s.bestEdge[b] = k
					}
				case s.label[w] == 0:
					if s.bestEdge[w] == -1 || kslack < s.slack(s.bestEdge[w]) {
						s.bestEdge[w] = k
					}
				}
				if augmented {
					break
				}
			}
		}
		if augmented {
			break
		}

		// No tight edge left to explore: find the largest dual change that
		// keeps every slack non-negative.
		deltaType := -1
		var delta int64
		var deltaEdge, deltaBlossom int32 = -1, -1
		if !maxCardinality {
			deltaType = 1
			delta = s.dual[0]
			for v := 1; v < n; v++ {
				delta = min(delta, s.dual[v])
			}
		}
		for v := 0; v < n; v++ {
			if s.label[s.inBlossom[v]] == 0 && s.bestEdge[v] != -1 {
				if d := s.slack(s.bestEdge[v]); deltaType == -1 || d < delta {
					delta, deltaType, deltaEdge = d, 2, s.bestEdge[v]
				}
			}
		}
		for b := 0; b < 2*n; b++ {
			if s.parent[b] == -1 && s.label[b] == 1 && s.bestEdge[b] != -1 {
				ks := s.slack(s.bestEdge[b])
				if debugParity && ks%2 != 0 {
					panic("matcher: odd slack between S-blossoms")
				}
				if d := ks / 2; deltaType == -1 || d < delta {
					delta, deltaType, deltaEdge = d, 3, s.bestEdge[b]
				}
			}
		}
		for b := n; b < 2*n; b++ {
			if s.base[b] >= 0 && s.parent[b] == -1 && s.label[b] == 2 && (deltaType == -1 || s.dual[b] < delta) {
				delta, deltaType, deltaBlossom = s.dual[b], 4, int32(b)
			}
		}
		if deltaType == -1 {
			// Max-cardinality mode and nothing left to grow: the matching has
			// the most edges possible; finish the duals and stop.
			deltaType = 1
			delta = s.dual[0]
			for v := 1; v < n; v++ {
				delta = min(delta, s.dual[v])
			}
			delta = max(0, delta)
		}

		for v := 0; v < n; v++ {
			switch s.label[s.inBlossom[v]] {
			case 1:
				s.dual[v] -= delta
			case 2:
				s.dual[v] += delta
			}
		}
		for b := n; b < 2*n; b++ {
			if s.base[b] >= 0 && s.parent[b] == -1 {
				switch s.label[b] {
				case 1:
					s.dual[b] += delta
				case 2:
					s.dual[b] -= delta
				}
			}
		}

		switch deltaType {
		case 1:
			return false
		case 2:
			s.allowed[deltaEdge] = true
			e := s.edges[deltaEdge]
			i := e.u
			if s.label[s.inBlossom[i]] == 0 {
				i = e.v
			}
			s.queue = append(s.queue, i)
		case 3:
			s.allowed[deltaEdge] = true
			s.queue = append(s.queue, s.edges[deltaEdge].u)
		case 4:
			s.expandBlossom(deltaBlossom, false)
		}
	}

	// S-blossoms whose dual reached zero can be dissolved before the next stage.
	for b := n; b < 2*n; b++ {
		if s.parent[b] == -1 && s.base[b] >= 0 && s.label[b] == 1 && s.dual[b] == 0 {
			s.expandBlossom(int32(b), true)
		}
	}
	return true
}

// matchTightPairs matches, at once, single vertices (outside any blossom)
// joined by an edge of zero slack. Each such edge is an augmenting path of
// length one that the stage would otherwise find alone, after a full scan;
// with scores on a coarse integer scale many become tight together, so this
// removes most stages. Duals are untouched, so every invariant holds.
func (s *blossomState) matchTightPairs() bool {
	found := false
	for v := int32(0); v < int32(s.n); v++ {
		if s.mate[v] != -1 || s.inBlossom[v] != v {
			continue
		}
		for _, p := range s.adj[s.adjStart[v]:s.adjStart[v+1]] {
			w := s.endpoint[p]
			if s.mate[w] == -1 && s.inBlossom[w] == w && s.slack(p/2) == 0 {
				s.mate[v] = p
				s.mate[w] = p ^ 1
				found = true
				break
			}
		}
	}
	return found
}

// debugParity turns on a consistency check used by the tests.
var debugParity = false
