package matcher

import (
	"fmt"
	"testing"
)

// Among members the hard rules cannot all pair, the one left out is the
// one with the fewest recent turns left out or in a trio, whatever the
// seed: someone left out two rounds ago is kept in as surely as someone
// left out last round.
func TestLeftOutHasHadFewestTurns(t *testing.T) {
	for seed := range 20 {
		in := Input{Round: 7, Members: []Member{
			member("a1", "Ann One", "Riverside", "gp_practice"),
			member("a2", "Bea Two", "Riverside", "gp_practice"),
			member("a3", "Cal Three", "Riverside", "gp_practice"),
			member("b1", "Dee Four", "Northfield", "community_pharmacy"),
			member("b2", "Eve Five", "Northfield", "community_pharmacy"),
		}}
		in.LastLeftOut = []string{"a2"}
		in.Sidelined = map[string]int{"a1": 1, "a2": 1}
		res, err := Match(in, Options{Seed: int64(seed)})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range res.Unmatched {
			out = append(out, u.ID)
		}
		if fmt.Sprint(out) != "[a3]" {
			t.Errorf("seed %d: left out %v, want [a3], the only one not left out lately", seed, out)
		}
	}
}

// A leftover joins the pair whose members have had the fewest recent
// trios, and leftovers with more turns choose first.
func TestTrioGoesToThoseWithFewestTurns(t *testing.T) {
	for seed := range 20 {
		var ms []Member
		for i := range 5 {
			ms = append(ms, member(fmt.Sprint("m", i), fmt.Sprintf("Name%d Surname", i), fmt.Sprint("org ", i), "gp_practice"))
		}
		// Everyone but m3 and m4 has been in a trio lately, m0 to m2 twice.
		in := Input{Round: 9, Members: ms, Sidelined: map[string]int{"m0": 2, "m1": 2, "m2": 2}}
		res, err := Match(in, Options{Seed: int64(seed)})
		if err != nil {
			t.Fatal(err)
		}
		inTrio := 0
		for _, g := range res.Groups {
			if len(g.Members) != 3 {
				continue
			}
			for _, id := range g.Members {
				if id == "m3" || id == "m4" {
					inTrio++
				}
			}
		}
		// The trio has three of five members: at most one of m0 to m2 is
		// needed in it, so both m3 and m4 must be.
		if inTrio != 2 {
			t.Errorf("seed %d: groups %v; want m3 and m4, with the fewest turns, in the trio", seed, res.Groups)
		}
	}
}
