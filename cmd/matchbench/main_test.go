package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rapport-pcn/rapport/matcher/synth"
)

func runCmd(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestSolve(t *testing.T) {
	tests := []struct {
		name, in string
		args     []string
		want     string
		code     int
	}{
		{"path by weight", "0 1 5\n1 2 11\n2 3 5\n", nil, "11\n1 2\n", 0},
		{"path by cardinality", "0 1 5\n1 2 11\n2 3 5\n", []string{"--max-cardinality"}, "10\n0 1\n2 3\n", 0},
		{"comments and blank lines", "# a graph\n\n0 1 3\n", nil, "3\n0 1\n", 0},
		{"empty graph", "", nil, "0\n", 0},
		{"bad line", "0 1\n", nil, "", 1},
		{"negative weight", "0 1 -2\n", nil, "", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCmd(t, tc.in, append([]string{"solve"}, tc.args...)...)
			if code != tc.code || (tc.code == 0 && out != tc.want) {
				t.Errorf("got code %d, output %q (stderr %q); want %d, %q", code, out, errOut, tc.code, tc.want)
			}
		})
	}
}

func TestGenerate(t *testing.T) {
	out, errOut, code := runCmd(t, "", "generate", "--members", "50", "--seed", "3")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	var net synth.Network
	if err := json.Unmarshal([]byte(out), &net); err != nil {
		t.Fatal(err)
	}
	if len(net.People) != 50 {
		t.Errorf("%d people, want 50", len(net.People))
	}
	again, _, _ := runCmd(t, "", "generate", "--members", "50", "--seed", "3")
	if again != out {
		t.Error("same seed gave a different network")
	}
}

func TestSimulate(t *testing.T) {
	out, errOut, code := runCmd(t, "", "simulate", "--members", "150", "--rounds", "3", "--seed", "2")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	for _, want := range []string{"Rapport", "random shuffle", "same-org", "vs exact", "all"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	rows, _, err := runSimulation(150, 3, 2, 1000, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.sameOrg != 0 || r.repeats != 0 {
			t.Errorf("round %d: %d same-organisation pairs, %d repeats", r.round, r.sameOrg, r.repeats)
		}
		if r.ratio < 0.999 {
			t.Errorf("round %d: ratio %.4f to the exact optimum", r.round, r.ratio)
		}
	}
}

func TestUsage(t *testing.T) {
	if _, _, code := runCmd(t, ""); code != 2 {
		t.Errorf("no arguments: code %d, want 2", code)
	}
	if _, _, code := runCmd(t, "", "dance"); code != 2 {
		t.Errorf("unknown command: code %d, want 2", code)
	}
}

func TestQuality(t *testing.T) {
	out, errOut, code := runCmd(t, "", "quality", "--members", "600", "--with-used")
	if code != 0 {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "ratio") || !strings.Contains(lines[2], "plus the pairs") {
		t.Fatalf("unexpected output:\n%s", out)
	}
	f := strings.Fields(lines[1])
	if f[0] != "600" || f[4] != "300" || f[7] != "300" {
		t.Errorf("want 600 members and 300 pairs on both sides, got %q", lines[1])
	}
	var ratio float64
	if _, err := fmt.Sscan(f[8], &ratio); err != nil || ratio < 0.99 {
		t.Errorf("ratio %q, want at least 0.99", f[8])
	}

	if _, errOut, code := runCmd(t, "", "quality", "--members", "1"); code != 1 || !strings.Contains(errOut, "at least 2") {
		t.Errorf("one member: code %d, stderr %q", code, errOut)
	}
}
