package matcher

import (
	"slices"
	"testing"
)

// What all three members of a trio share is said once, of all three, not
// once for each of the three pairs.
func TestTrioSaysWhatAllShareOnce(t *testing.T) {
	mk := func(id, name, org string) Member {
		m := member(id, name, org, "gp_practice")
		m.Interests, m.Meeting = []string{"Cycling", "Frailty"}, "in_person"
		return m
	}
	res, err := Match(Input{Round: 1, Members: []Member{mk("sam", "Sam Jones", "A"), mk("priya", "Priya Shah", "B"), mk("ola", "Ola Ade", "C")}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Groups) != 1 || len(res.Groups[0].Members) != 3 {
		t.Fatalf("groups = %+v", res.Groups)
	}
	why := res.Groups[0].Why
	for _, k := range []ReasonKind{ReasonInterests, ReasonInPerson} {
		var said []Reason
		for _, r := range why {
			if r.Kind == k {
				said = append(said, r)
			}
		}
		if len(said) != 1 || len(said[0].Names) != 3 {
			t.Errorf("reason %d given %d times, or not of all three: %+v", k, len(said), why)
		}
	}
	if !slices.ContainsFunc(why, func(r Reason) bool {
		return r.Kind == ReasonInterests && len(r.Names) == 3 && slices.Equal(r.Topics, []string{"Cycling", "Frailty"})
	}) {
		t.Errorf("the shared interests are not said of all three: %+v", why)
	}
}
