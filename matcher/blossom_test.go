package matcher

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// bruteForce returns the best (cardinality, weight) over all matchings by
// dynamic programming over vertex subsets; with maxCard, cardinality counts
// first, otherwise only weight.
func bruteForce(n int, edges []Edge, maxCard bool) (int, int64) {
	w := make([][]int64, n)
	for i := range w {
		w[i] = make([]int64, n)
		for j := range w[i] {
			w[i][j] = -1
		}
	}
	for _, e := range edges {
		if e.W > w[e.U][e.V] {
			w[e.U][e.V], w[e.V][e.U] = e.W, e.W
		}
	}
	type val struct {
		card int
		wt   int64
	}
	better := func(a, b val) bool {
		if maxCard && a.card != b.card {
			return a.card > b.card
		}
		return a.wt > b.wt
	}
	memo := make([]val, 1<<n)
	done := make([]bool, 1<<n)
	var f func(mask int) val
	f = func(mask int) val {
		if mask == 0 {
			return val{}
		}
		if done[mask] {
			return memo[mask]
		}
		i := 0
		for mask&(1<<i) == 0 {
			i++
		}
		rest := mask &^ (1 << i)
		best := f(rest)
		for j := i + 1; j < n; j++ {
			if rest&(1<<j) != 0 && w[i][j] >= 0 {
				v := f(rest &^ (1 << j))
				v.card++
				v.wt += w[i][j]
				if better(v, best) {
					best = v
				}
			}
		}
		done[mask], memo[mask] = true, best
		return best
	}
	v := f(1<<n - 1)
	return v.card, v.wt
}

// checkMatching verifies mate is a matching on existing edges and returns
// its cardinality and weight (using the heaviest parallel edge).
func checkMatching(t *testing.T, n int, edges []Edge, mate []int) (int, int64) {
	t.Helper()
	best := map[[2]int]int64{}
	for _, e := range edges {
		a, b := min(e.U, e.V), max(e.U, e.V)
		if w, ok := best[[2]int{a, b}]; !ok || e.W > w {
			best[[2]int{a, b}] = e.W
		}
	}
	card, wt := 0, int64(0)
	for v, m := range mate {
		if m == -1 {
			continue
		}
		if m < 0 || m >= n || mate[m] != v || m == v {
			t.Fatalf("mate[%d] = %d is not symmetric", v, m)
		}
		if v < m {
			w, ok := best[[2]int{v, m}]
			if !ok {
				t.Fatalf("matched %d-%d is not an edge", v, m)
			}
			card++
			wt += w
		}
	}
	return card, wt
}

func randomGraph(r *rand.Rand, n int, density float64, maxW int64) []Edge {
	var edges []Edge
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if r.Float64() < density {
				u, v := i, j
				if r.IntN(2) == 0 {
					u, v = v, u
				}
				edges = append(edges, Edge{u, v, r.Int64N(maxW + 1)})
			}
		}
	}
	r.Shuffle(len(edges), func(a, b int) { edges[a], edges[b] = edges[b], edges[a] })
	return edges
}

func TestMaxWeightMatchingAgainstBruteForce(t *testing.T) {
	debugParity = true
	defer func() { debugParity = false }()
	seeds := 60
	if testing.Short() {
		seeds = 15
	}
	for n := 0; n <= 14; n++ {
		for _, density := range []float64{0.2, 0.5, 0.9} {
			for _, maxW := range []int64{1, 5, 100, 1 << 40} {
				for seed := 0; seed < seeds; seed++ {
					r := rand.New(rand.NewPCG(uint64(n), uint64(seed)*7919+uint64(maxW)))
					edges := randomGraph(r, n, density, maxW)
					for _, maxCard := range []bool{false, true} {
						mate, err := MaxWeightMatching(n, edges, maxCard)
						if err != nil {
							t.Fatal(err)
						}
						card, wt := checkMatching(t, n, edges, mate)
						bc, bw := bruteForce(n, edges, maxCard)
						if wt != bw || (maxCard && card != bc) {
							t.Fatalf("n=%d density=%v maxW=%d seed=%d maxCard=%v: got (%d pairs, %d), brute force (%d, %d)\nedges=%v",
								n, density, maxW, seed, maxCard, card, wt, bc, bw, edges)
						}
					}
				}
			}
		}
	}
}

// TestMaxWeightMatchingExhaustive tries every graph on five vertices with
// edge weights from {absent, 1, 2}, which covers every small blossom shape.
func TestMaxWeightMatchingExhaustive(t *testing.T) {
	debugParity = true
	defer func() { debugParity = false }()
	const n = 5
	var pairs [][2]int
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			pairs = append(pairs, [2]int{i, j})
		}
	}
	total := 1
	for range pairs {
		total *= 3
	}
	for code := 0; code < total; code++ {
		var edges []Edge
		c := code
		for _, p := range pairs {
			if w := c % 3; w > 0 {
				edges = append(edges, Edge{p[0], p[1], int64(w)})
			}
			c /= 3
		}
		for _, maxCard := range []bool{false, true} {
			mate, err := MaxWeightMatching(n, edges, maxCard)
			if err != nil {
				t.Fatal(err)
			}
			card, wt := checkMatching(t, n, edges, mate)
			bc, bw := bruteForce(n, edges, maxCard)
			if wt != bw || (maxCard && card != bc) {
				t.Fatalf("maxCard=%v edges=%v: got (%d, %d), want (%d, %d)", maxCard, edges, card, wt, bc, bw)
			}
		}
	}
}

func TestMaxWeightMatchingCases(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		edges   []Edge
		maxCard bool
		want    []int
	}{
		{"empty", 0, nil, false, []int{}},
		{"single edge", 2, []Edge{{0, 1, 1}}, false, []int{1, 0}},
		{"heavier of two", 3, []Edge{{0, 1, 10}, {1, 2, 11}}, false, []int{-1, 2, 1}},
		{"path prefers weight", 4, []Edge{{0, 1, 5}, {1, 2, 11}, {2, 3, 5}}, false, []int{-1, 2, 1, -1}},
		{"path prefers cardinality", 4, []Edge{{0, 1, 5}, {1, 2, 11}, {2, 3, 5}}, true, []int{1, 0, 3, 2}},
		{"zero weight used for cardinality", 2, []Edge{{0, 1, 0}}, true, []int{1, 0}},
		// A triangle with a pendant edge forces a blossom.
		{"blossom", 4, []Edge{{0, 1, 8}, {0, 2, 9}, {1, 2, 10}, {2, 3, 7}}, false, []int{1, 0, 3, 2}},
		// Creates an S-blossom, relabels it T, and expands it.
		{"nested blossom expand", 6, []Edge{{0, 1, 23}, {0, 4, 22}, {0, 5, 15}, {1, 2, 25}, {2, 3, 22}, {3, 4, 25}, {3, 5, 14}}, false, []int{5, 2, 1, 4, 3, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MaxWeightMatching(tc.n, tc.edges, tc.maxCard)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMaxWeightMatchingRejectsBadInput(t *testing.T) {
	for name, e := range map[string]Edge{
		"out of range": {0, 3, 1},
		"negative":     {0, 1, -1},
		"loop":         {1, 1, 1},
	} {
		if _, err := MaxWeightMatching(3, []Edge{e}, false); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
