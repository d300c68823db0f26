package matcher

import (
	"strings"
	"testing"
)

// Members whose organisation keys are equal are colleagues, however their
// organisation is spelt, and explanations use the first name given.
func TestOrganisationKeyAndFirstName(t *testing.T) {
	in := Input{Round: 1, Members: []Member{
		{ID: "a", Name: "Dr Helen Ashworth", FirstName: "Helen", Organisation: "St Mary's Surgery", OrganisationKey: "saint marys surgery", Sector: "gp_practice", Interests: []string{"Frailty"}},
		{ID: "b", Name: "Ben Two", Organisation: "St Marys Surgery", OrganisationKey: "saint marys surgery", Sector: "housing", Interests: []string{"Frailty"}},
		{ID: "c", Name: "Cal Three", Organisation: "Riverside Surgery", OrganisationKey: "riverside surgery", Sector: "housing"},
	}}
	res, err := Match(in, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Groups) != 1 || len(res.Groups[0].Members) != 2 || len(res.Unmatched) != 1 {
		t.Fatalf("groups %+v, unmatched %+v; want one pair and one left out", res.Groups, res.Unmatched)
	}
	g := res.Groups[0]
	if g.Members[0] != "c" && g.Members[1] != "c" {
		t.Errorf("colleagues paired: %v", g.Members)
	}
	var names []string
	for _, r := range g.Why {
		names = append(names, r.Names...)
	}
	if strings.Contains(strings.Join(names, " ")+res.Unmatched[0].Name, "Dr") {
		t.Errorf("a title is used as a name: %q / %q", names, res.Unmatched[0].Name)
	}
	about := strings.Join(names, " ") // Helen is named wherever she appears
	if res.Unmatched[0].ID == "a" {
		about = res.Unmatched[0].Name
	}
	if !strings.Contains(about, "Helen") {
		t.Errorf("Helen is not named by her first name: %q", about)
	}
}
