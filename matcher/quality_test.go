package matcher_test

import (
	"fmt"
	"testing"

	"github.com/rapport-pcn/rapport/matcher"
	"github.com/rapport-pcn/rapport/matcher/synth"
)

func inputOf(net *synth.Network) matcher.Input {
	in := matcher.Input{Round: net.Round, History: net.History, NotAGoodMatch: net.NotAGoodMatch}
	for _, p := range net.People {
		in.Members = append(in.Members, p.Member)
	}
	return in
}

// TestSparseExactQuality checks the default path at 2,000 members against
// the proven optimum over every allowed pair: the target is 99.8%.
func TestSparseExactQuality(t *testing.T) {
	seeds := []uint64{1, 2, 3}
	if testing.Short() || raceEnabled {
		seeds = seeds[:1] // the race detector makes each about ten times slower
	}
	for _, seed := range seeds {
		in := inputOf(synth.Generate(2000, seed))
		res, err := matcher.Match(in, matcher.Options{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		full, err := matcher.Match(in, matcher.Options{Seed: 1, FullGraphLimit: 2000})
		if err != nil {
			t.Fatal(err)
		}
		if !full.Exact {
			t.Fatalf("seed %d: pricing did not prove optimality", seed)
		}
		ratio := float64(res.MatchingScore) / float64(full.MatchingScore)
		t.Logf("seed %d: %s %d / exact %d = %.5f", seed, res.Method, res.MatchingScore, full.MatchingScore, ratio)
		if ratio < 0.998 {
			t.Errorf("seed %d: ratio %.5f below 0.998", seed, ratio)
		}
	}
}

// TestScalableQuality compares the scalable path with the exact solver on
// the same candidate graph (target 99%), and, more strictly, on that graph
// plus every pair the search scored on the spot and kept. It never matches
// fewer people than the exact solver.
func TestScalableQuality(t *testing.T) {
	for _, n := range []int{1500, 3000} {
		c, err := matcher.CompareScalable(inputOf(synth.Generate(n, 1)), matcher.Options{Seed: 1}, true)
		if err != nil {
			t.Fatal(err)
		}
		onGraph := float64(c.Scalable) / float64(c.Exact)
		withUsed := float64(c.Scalable) / float64(c.ExactWithUsed)
		t.Logf("n=%d: scalable %d (%d pairs); exact on the candidate graph %d (%.4f); exact on it plus the pairs the search used %d (%d pairs): %.4f",
			n, c.Scalable, c.ScalablePairs, c.Exact, onGraph, c.ExactWithUsed, c.ExactWithUsedPairs, withUsed)
		if onGraph < 0.99 || withUsed < 0.98 || c.ScalablePairs < c.ExactWithUsedPairs {
			t.Errorf("n=%d: ratios %.4f and %.4f, pairs %d vs %d", n, onGraph, withUsed, c.ScalablePairs, c.ExactWithUsedPairs)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	for _, n := range []int{2000, 100_000} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			if n > 10_000 && (testing.Short() || raceEnabled) {
				b.Skip("large network skipped under -short and -race")
			}
			in := inputOf(synth.Generate(n, 1))
			b.ResetTimer()
			for b.Loop() {
				if _, err := matcher.Match(in, matcher.Options{Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
