package matcher

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkMaxWeightMatching measures the exact solver on complete graphs
// with random weights (its worst shape) and on sparse graphs of the kind the
// sparsifier produces (each vertex keeps about 25 edges).
func BenchmarkMaxWeightMatching(b *testing.B) {
	for _, shape := range []string{"complete", "sparse"} {
		for _, n := range []int{500, 1000, 2000} {
			r := rand.New(rand.NewPCG(1, uint64(n)))
			var edges []Edge
			if shape == "complete" {
				edges = randomGraph(r, n, 1, 200)
			} else {
				edges = randomGraph(r, n, 25/float64(n), 200)
			}
			b.Run(fmt.Sprintf("%s/n=%d", shape, n), func(b *testing.B) {
				for b.Loop() {
					if _, err := MaxWeightMatching(n, edges, true); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
