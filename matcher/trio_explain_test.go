package matcher

import (
	"strings"
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
	why := res.Groups[0].Explanation
	for _, clause := range []string{"interested in cycling", "like to meet in person"} {
		if n := strings.Count(why, clause); n != 1 {
			t.Errorf("%q said %d times: %s", clause, n, why)
		}
	}
	if !strings.Contains(why, "are all interested in cycling and frailty") {
		t.Errorf("the shared interest is not said of all three: %s", why)
	}
}
