// Command matchbench measures the matcher: it generates synthetic networks,
// simulates rounds of introductions against a random-shuffle baseline,
// compares the scalable path with the exact optimum on its candidate graph,
// and solves plain weighted graphs so the solver can be checked against any
// reference implementation.
//
//	matchbench generate --members 2000 --seed 1 > network.json
//	matchbench simulate --members 2000 --rounds 12 --seed 1
//	matchbench quality --members 20000 --seed 1
//	matchbench solve [--max-cardinality] < graph.txt
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
