package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/rapport-pcn/rapport/matcher/synth"
)

const usage = `usage:
  matchbench generate --members N [--seed S]
  matchbench simulate --members N --rounds R [--seed S] [--exact-check N] [--everyone]
  matchbench quality --members N [--seed S] [--with-used]
  matchbench solve [--max-cardinality] < edges (one "u v w" a line)
`

// run is the whole program; it returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "generate":
		err = generate(args[1:], stdout, stderr)
	case "simulate":
		err = simulate(args[1:], stdout, stderr)
	case "quality":
		err = quality(args[1:], stdout, stderr)
	case "solve":
		err = solve(args[1:], stdin, stdout, stderr)
	default:
		fmt.Fprint(stderr, usage)
		return 2
	}
	if err == flag.ErrHelp {
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "matchbench:", err)
		return 1
	}
	return 0
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func generate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("generate", stderr)
	members := fs.Int("members", 2000, "number of people")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *members < 0 {
		return fmt.Errorf("--members must not be negative")
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", " ")
	return enc.Encode(synth.Generate(*members, *seed))
}
