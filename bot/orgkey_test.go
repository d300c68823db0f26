package bot

import (
	"strings"
	"testing"
)

func TestOrganisationKey(t *testing.T) {
	same := [][]string{
		{"St Mary's Surgery", "St Marys Surgery", "st. mary’s surgery", "Saint Mary's Surgery", "ST MARYS  SURGERY"},
		{"Riverside Surgery", "Riverside Surgery.", "Riverside\u200B Surgery", "riverside surgery", " Riverside\u00A0Surgery ", "\u202ERiverside Surgery"},
		{"Smith & Jones Practice", "Smith and Jones Practice", "Smith&Jones Practice"},
		{"Ébène Practice", "ÉBÈNE PRACTICE", "E\u0301bène Practice"}, // composed or not
		{"Straße Clinic", "STRASSE CLINIC"},
		{"Ｒｉｖｅｒｓｉｄｅ", "Riverside"}, // full-width letters
		{"North-East PCN", "North East PCN", "North–East P.C.N."},
	}
	for _, group := range same {
		want := OrganisationKey(group[0])
		if want == "" {
			t.Fatalf("OrganisationKey(%q) is empty", group[0])
		}
		for _, name := range group[1:] {
			if got := OrganisationKey(name); got != want {
				t.Errorf("OrganisationKey(%q) = %q, want %q as for %q", name, got, want, group[0])
			}
		}
	}
	different := [][2]string{
		{"St Mary's Surgery", "St Mark's Surgery"},
		{"Riverside Surgery", "Riverside Pharmacy"},
		{"Street Lane Practice", "Saint Lane Practice"}, // only the word "St" is Saint
		{"Ébène Practice", "Ebene Practice"},
	}
	for _, p := range different {
		if OrganisationKey(p[0]) == OrganisationKey(p[1]) {
			t.Errorf("%q and %q share the key %q", p[0], p[1], OrganisationKey(p[0]))
		}
	}
	for _, blank := range []string{"", "   ", "...", "\u200B", "’"} {
		if k := OrganisationKey(blank); k != "" {
			t.Errorf("OrganisationKey(%q) = %q, want empty", blank, k)
		}
	}
}

func TestTypedOrganisation(t *testing.T) {
	listed := []Organisation{{ID: 1, Name: "Riverside Surgery"}, {ID: 2, Name: "St Mary's Surgery"}, {ID: 3, Name: "Oak PCN"}}
	typed := func(name string, different bool) (Profile, map[string]string) {
		f := validForm()
		f.Organisation, f.OrganisationOther, f.OrganisationIsNew = OtherOrganisation, name, different
		p, err := f.validate(listed)
		return p, FieldErrors(err)
	}
	for _, tt := range []struct {
		typed, want string
	}{
		{"Riverside Surgery.", "Riverside Surgery"},
		{"riverside\u200B surgery", "Riverside Surgery"},
		{"St Marys Surgery", "St Mary's Surgery"},
		{"Saint Mary's surgery", "St Mary's Surgery"},
	} {
		p, errs := typed(tt.typed, false)
		if len(errs) > 0 || p.Organisation != tt.want {
			t.Errorf("typed %q: organisation %q, errors %v; want %q", tt.typed, p.Organisation, errs, tt.want)
		}
	}
	for _, tt := range []struct {
		typed, suggest string
	}{
		{"Riverside Surgry", "Riverside Surgery"},
		{"Riversid Surgery", "Riverside Surgery"},
		{"Riverside", "Riverside Surgery"},
		{"Riverside Surgery Annexe", "Riverside Surgery"},
		{"St Mary Surgery", "St Mary's Surgery"},
	} {
		_, errs := typed(tt.typed, false)
		msg := errs[FieldOrgOther]
		if !strings.HasPrefix(msg, "Did you mean "+tt.suggest+"?") || !strings.Contains(msg, "It's a different organisation") {
			t.Errorf("typed %q: message %q, want \"Did you mean %s?\" and how to insist", tt.typed, msg, tt.suggest)
		}
		// The member can insist that theirs is another organisation.
		p, errs := typed(tt.typed, true)
		if len(errs) > 0 || p.Organisation != tt.typed {
			t.Errorf("typed %q and insisted: organisation %q, errors %v", tt.typed, p.Organisation, errs)
		}
	}
	for _, name := range []string{"Northfield Pharmacy", "Oak", "Ash PCN", "Hillview Medical Centre"} {
		p, errs := typed(name, false)
		if len(errs) > 0 || p.Organisation != name {
			t.Errorf("typed %q: organisation %q, errors %v; want it kept without a question", name, p.Organisation, errs)
		}
	}
	if _, errs := typed("...", false); errs[FieldOrgOther] == "" {
		t.Error("a name of punctuation alone was accepted")
	}
}

// A profile pre-fills the listed organisation it belongs to, however its
// name was spelt when saved.
func TestFormFromProfileFindsListedOrganisation(t *testing.T) {
	listed := []Organisation{{ID: 1, Name: "St Mary's Surgery"}}
	f := FormFromProfile(Profile{Organisation: "St Marys Surgery"}, listed)
	if f.Organisation != "St Mary's Surgery" || f.OrganisationOther != "" {
		t.Errorf("form = %q / %q", f.Organisation, f.OrganisationOther)
	}
}
