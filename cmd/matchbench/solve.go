package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rapport-pcn/rapport/matcher"
)

// solve reads "u v w" lines and prints the total weight, then one matched
// pair a line, smaller vertex first, in vertex order.
func solve(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("solve", stderr)
	maxCard := fs.Bool("max-cardinality", false, "maximise the number of pairs first, then the weight")
	if err := fs.Parse(args); err != nil {
		return err
	}
	edges, n, err := readGraph(stdin)
	if err != nil {
		return err
	}
	mate, err := matcher.MaxWeightMatching(n, edges, *maxCard)
	if err != nil {
		return err
	}
	// Parallel edges: the solver may use any, so report the heaviest.
	best := map[[2]int]int64{}
	for _, e := range edges {
		k := [2]int{min(e.U, e.V), max(e.U, e.V)}
		if w, ok := best[k]; !ok || e.W > w {
			best[k] = e.W
		}
	}
	var total int64
	var lines strings.Builder
	for u, v := range mate {
		if u < v {
			total += best[[2]int{u, v}]
			fmt.Fprintf(&lines, "%d %d\n", u, v)
		}
	}
	w := bufio.NewWriter(stdout)
	fmt.Fprintln(w, total)
	w.WriteString(lines.String())
	return w.Flush()
}

func readGraph(r io.Reader) ([]matcher.Edge, int, error) {
	var edges []matcher.Edge
	n := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Fields(text)
		if len(f) != 3 {
			return nil, 0, fmt.Errorf("line %d: want \"u v w\", got %q", line, text)
		}
		var x [3]int64
		for i, s := range f {
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil || v < 0 {
				return nil, 0, fmt.Errorf("line %d: %q is not a non-negative integer", line, s)
			}
			x[i] = v
		}
		if x[0] > 1<<30 || x[1] > 1<<30 {
			return nil, 0, fmt.Errorf("line %d: vertex number too large", line)
		}
		if x[0] == x[1] {
			continue // a loop can never be matched
		}
		edges = append(edges, matcher.Edge{U: int(x[0]), V: int(x[1]), W: x[2]})
		n = max(n, int(x[0])+1, int(x[1])+1)
	}
	return edges, n, sc.Err()
}
