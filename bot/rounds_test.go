package bot

import (
	"strings"
	"testing"
)

func TestFirstQuestion(t *testing.T) {
	member := func(id int64, name, sector string, interests, offers, asks []string) Member {
		return Member{ID: id, Name: name, Profile: Profile{Sector: sector, Interests: interests, Offers: offers, Asks: asks}}
	}
	sam := member(1, "Sam Jones", "gp_practice", []string{"Cycling"}, []string{"QI"}, nil)
	priya := member(2, "Priya Shah", "housing", []string{"cycling"}, nil, []string{"qi"})
	ola := member(3, "Ola Ade", "housing", []string{"Cycling"}, nil, nil)
	tests := []struct {
		name    string
		ms      []Member
		want    string
		starter int64
	}{
		{"an offer meets an ask", []Member{sam, priya}, "Sam, what has worked for you with QI?", 2},
		{"shared interest", []Member{{ID: 1, Name: "Sam", Profile: sam.Profile.withoutOffers()}, priya}, "You both care about cycling", 0},
		{"shared interest in a trio", []Member{{ID: 1, Name: "Sam", Profile: sam.Profile.withoutOffers()}, {ID: 2, Name: "Priya", Profile: priya.Profile.withoutAsks()}, ola}, "You all care about cycling", 0},
		{"different sectors", []Member{member(1, "A", "gp_practice", nil, nil, nil), member(2, "B", "housing", nil, nil, nil)}, "typical week", 0},
		{"same sector", []Member{member(1, "A", "gp_practice", nil, nil, nil), member(2, "B", "gp_practice", nil, nil, nil)}, "your team does", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, starter := firstQuestion(tt.ms, 3)
			if !strings.Contains(q, tt.want) {
				t.Errorf("question %q, want it to contain %q", q, tt.want)
			}
			if tt.starter != 0 && starter != tt.starter {
				t.Errorf("starter %d, want %d (the one who asked)", starter, tt.starter)
			}
			found := false
			for _, m := range tt.ms {
				found = found || m.ID == starter
			}
			if !found {
				t.Errorf("starter %d is not in the intro", starter)
			}
			if q2, s2 := firstQuestion(tt.ms, 3); q2 != q || s2 != starter {
				t.Errorf("not repeatable: %q/%d then %q/%d", q, starter, q2, s2)
			}
		})
	}
}

func (p Profile) withoutOffers() Profile { p.Offers = nil; return p }
func (p Profile) withoutAsks() Profile   { p.Asks = nil; return p }
