package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/rapport-pcn/rapport/matcher"
	"github.com/rapport-pcn/rapport/matcher/synth"
)

// quality runs the scalable path on a synthetic network and the exact
// solver on the same candidate graph, and prints how close the first gets.
func quality(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("quality", stderr)
	members := fs.Int("members", 20000, "number of people in the network, all in the round")
	seed := fs.Uint64("seed", 1, "random seed for the network and the matcher")
	withUsed := fs.Bool("with-used", false, "also solve exactly with the pairs the scalable path added to the graph (doubles the time)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *members < 2 {
		return fmt.Errorf("--members must be at least 2")
	}
	net := synth.Generate(*members, *seed)
	in := matcher.Input{Round: net.Round, History: net.History, NotAGoodMatch: net.NotAGoodMatch}
	for _, p := range net.People {
		in.Members = append(in.Members, p.Member)
	}
	c, err := matcher.CompareScalable(in, matcher.Options{Seed: int64(*seed)}, *withUsed)
	if err != nil {
		return err
	}
	ratio := func(a, b int64) string {
		if b == 0 {
			return "-"
		}
		return fmt.Sprintf("%.4f", float64(a)/float64(b))
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 1, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "members\tcandidate pairs\tscalable ms\tscalable total\tpairs\texact ms\texact total\tpairs\tratio\t")
	fmt.Fprintf(tw, "%d\t%d\t%.0f\t%d\t%d\t%.0f\t%d\t%d\t%s\t\n", c.Members, c.Candidates, ms(c.ScalableTime), c.Scalable, c.ScalablePairs,
		ms(c.ExactTime), c.Exact, c.ExactPairs, ratio(c.Scalable, c.Exact))
	tw.Flush()
	if *withUsed {
		fmt.Fprintf(stdout, "exact on the candidate graph plus the pairs the scalable path added: total %d, %d pairs, ratio %s\n",
			c.ExactWithUsed, c.ExactWithUsedPairs, ratio(c.Scalable, c.ExactWithUsed))
	}
	return nil
}
