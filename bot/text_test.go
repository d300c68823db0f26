package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rapport-pcn/rapport/matcher"
)

// joinByForm makes a member the way the profile form does, so tests see
// the same cleaning and validation as real input. It returns false when the
// form is refused.
func joinByForm(id int64, name, org string, f ProfileForm) (Member, bool) {
	f.Organisation, f.OrganisationOther = OtherOrganisation, org
	p, err := f.validate(nil)
	if err != nil {
		return Member{}, false
	}
	return Member{ID: id, Platform: "slack", UserID: "U" + idString(id), Name: cleanName(name), Profile: p, Status: StatusActive}, true
}

// formProfile returns the profile the profile form makes of f, and panics,
// naming the fields, when the form refuses it (a panic, not tb.Fatal, so
// that fixtures built in a fake store's goroutine can use it too). It is
// this package's stand-in for bottest.Member, which tests inside bot
// cannot import: an empty organisation is typed as "Riverside Surgery",
// and each choice f leaves empty takes the vocabulary's plainest answer
// (gp_practice, other, established, weekly, neither, either).
func formProfile(f ProfileForm) Profile {
	if f.Organisation == "" {
		f.Organisation, f.OrganisationIsNew = OtherOrganisation, true
		if f.OrganisationOther == "" {
			f.OrganisationOther = "Riverside Surgery"
		}
	}
	for _, c := range []struct {
		field *string
		plain string
	}{
		{&f.Sector, "gp_practice"}, {&f.Role, "other"}, {&f.CareerStage, "established"},
		{&f.Frequency, "weekly"}, {&f.Mentoring, "neither"}, {&f.Meeting, "either"},
	} {
		if *c.field == "" {
			*c.field = c.plain
		}
	}
	p, err := f.Profile(nil)
	if err != nil {
		panic(fmt.Sprintf("the profile form refuses %+v: %v %v", f, err, FieldErrors(err)))
	}
	return p
}

// planTexts plans a round of the members and returns every string the
// round produces for people to read: explanations, first questions,
// reasons given for anyone left out, notices, and the matcher's reasons.
func planTexts(t *testing.T, ms []Member) []string {
	t.Helper()
	r := &Rounds{Now: func() time.Time { return time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC) }}
	p, err := r.plan(&RoundSnapshot{Number: 7, Members: ms}, time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), r.now())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, in := range p.Intros {
		out = append(out, in.Explanation, in.Question)
	}
	for _, l := range append(p.LeftOut, p.Skipped...) {
		out = append(out, l.Reason)
	}
	for _, n := range p.Notices {
		out = append(out, n.Params.Text, n.Params.Title)
	}
	in := matcher.Input{Round: 7}
	for _, m := range ms {
		in.Members = append(in.Members, matcher.Member{ID: idString(m.ID), Name: m.Name, FirstName: FirstName(m),
			Organisation: m.Profile.Organisation, OrganisationKey: OrganisationKey(m.Profile.Organisation),
			Sector: m.Profile.Sector, Interests: m.Profile.Interests, Offers: m.Profile.Offers, Asks: m.Profile.Asks,
			Mentoring: m.Profile.Mentoring, Meeting: m.Profile.Meeting})
	}
	res, err := matcher.Match(in, matcher.Options{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range res.Groups {
		out = append(out, explain(g))
	}
	for _, u := range res.Unmatched {
		out = append(out, unmatchedReason(u))
	}
	return out
}

// FuzzRoundText plans rounds of members whose names, organisations and
// topics are any text the form accepts, and checks that everything the
// round says is valid UTF-8: a topic starting with "É", "Ł" or an emoji
// once made the first question a broken byte, which PostgreSQL refused to
// store, so the whole network's round failed every week.
func FuzzRoundText(f *testing.F) {
	seeds := []struct{ interest, topic, name, org string }{
		{"Éthique médicale", "Éthique médicale", "Élodie Durand", "Clinique Saint-Éloi"},
		{"Łódź walks", "Łódź walks", "Łucja Nowak", "Łódź Practice"},
		{"🚴 cycling", "🚴 cycling", "🚴 Sam", "Riverside Surgery"},
		{"Ölfarben", "QI", "Dr Ömer Yılmaz", "Çamlıca"},
		{"ǅemal", "ǈubljana", "ǲ", "İstanbul"},
		{"a\u0301b", "\u00adsoft", "\u202eevil", "Riverside\u200b Surgery"},
		{"x", "y", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.interest, s.topic, s.name, s.org)
	}
	f.Fuzz(func(t *testing.T, interest, topic, name, org string) {
		form := validForm()
		form.Interests, form.InterestsOther = nil, interest
		form.Offers, form.OffersOther = nil, topic
		form.Asks = nil
		asker := validForm()
		asker.Interests, asker.InterestsOther = nil, interest
		asker.Offers, asker.Asks, asker.AsksOther = nil, nil, topic
		asker.Sector = "housing"
		a, ok1 := joinByForm(1, name, org+" A", form)
		b, ok2 := joinByForm(2, name+" Second", org+" B", asker)
		c, ok3 := joinByForm(3, "Third "+name, org+" A", form)
		if !ok1 || !ok2 || !ok3 {
			return // the form refused the text, with a message; nothing is stored
		}
		for _, ms := range [][]Member{{a, b}, {a, b, c}} {
			for _, s := range planTexts(t, ms) {
				if !utf8.ValidString(s) {
					t.Fatalf("round text is not valid UTF-8: %q", s)
				}
			}
		}
	})
}

// Topics that start with a letter outside ASCII read as words in the first
// question and the explanation.
func TestRoundTextKeepsLetters(t *testing.T) {
	for topic, want := range map[string]string{"Éthique médicale": "éthique médicale", "Łódź walks": "łódź walks", "🚴 cycling": "🚴 cycling"} {
		t.Run(topic, func(t *testing.T) {
			form := validForm()
			form.Interests, form.InterestsOther, form.Offers, form.Asks = nil, topic, nil, nil
			a, _ := joinByForm(1, "Élodie Durand", "Clinique Saint-Éloi", form)
			b, ok := joinByForm(2, "Łucja Nowak", "Riverside Surgery", form)
			if !ok {
				t.Fatal("form refused")
			}
			texts := planTexts(t, []Member{a, b})
			if texts[1] != "You both care about "+want+": how did you get into it?" {
				t.Errorf("question = %q", texts[1])
			}
			if !strings.Contains(texts[0], "Both are interested in "+want) {
				t.Errorf("explanation = %q", texts[0])
			}
		})
	}
}

func TestLowerTopic(t *testing.T) {
	for in, want := range map[string]string{
		"Éthique médicale": "éthique médicale", "Łódź walks": "łódź walks", "🚴 cycling": "🚴 cycling",
		"QI": "QI", "CQC and compliance": "CQC and compliance", "Frailty": "frailty", "": "", "É": "é", "Ölfarben": "ölfarben",
	} {
		if got := lowerTopic(in); got != want {
			t.Errorf("lowerTopic(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
	}{
		{"Éthique médicale", 40, "Éthique médicale"},
		{"Éthique médicale", 8, "Éthique…"},
		{"🚴🚴🚴🚴", 3, "🚴🚴…"},
		{"Łódź walks", 5, "Łódź…"},
	} {
		got := Truncate(tt.in, tt.max)
		if got != tt.want || utf8.RuneCountInString(got) > tt.max || !utf8.ValidString(got) {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestCleanText(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"right-to-left override", "Open \u202Egro.elpmaxe\u202C now", "Open gro.elpmaxe now"},
		{"isolates and marks", "\u2066a\u2069\u200Eb\u200F\u061Cc\u202Ad\u202B\u202D", "abcd"},
		{"zero-width", "Riverside\u200B Sur\u200Cgery\u2060\uFEFF", "Riverside Surgery"},
		{"soft hyphen", "Physio\u00ADtherapy", "Physiotherapy"},
		{"joiner between letters", "a\u200Db", "ab"},
		{"emoji sequence kept", "👩\u200D⚕️ nurse", "👩\u200D⚕️ nurse"},
		{"family kept", "👨\u200D👩\u200D👧", "👨\u200D👩\u200D👧"},
		{"stray joiner after emoji", "🚴\u200D cycling", "🚴 cycling"},
		{"plain text untouched", "Éthique médicale", "Éthique médicale"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := CleanText(tt.in); got != tt.want {
				t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// Every typed field of the profile form is cleaned before it is checked
// and stored.
func TestProfileFormRemovesInvisibleCharacters(t *testing.T) {
	f := validForm()
	f.Organisation, f.OrganisationOther = OtherOrganisation, "North\u200Bfield \u202EPharmacy"
	f.Bio = "Nurse \u2066and\u2069 cyclist\u00AD"
	f.InterestsOther = "Sea\u200B swimming, \u202Echoirs"
	f.Interests = []string{"Cycling\u200B"}
	p, err := f.validate(nil)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what, got, want string) {
		if got != want {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	check("organisation", p.Organisation, "Northfield Pharmacy")
	check("bio", p.Bio, "Nurse and cyclist")
	check("interests", strings.Join(p.Interests, "|"), "Cycling|Sea swimming|choirs")
}

func TestMeetupFormRemovesInvisibleCharacters(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	f := MeetupForm{Title: "First5 \u202Elunch", Purpose: "GP\u200B trainees", Place: "Room\u00AD 4",
		Date: "2026-12-10", Start: "12:30", End: "13:30", Food: "no"}
	m, err := f.validate(now, time.UTC)
	if err != nil {
		t.Fatalf("%v: %v", err, FieldErrors(err))
	}
	if m.Title != "First5 lunch" || m.Purpose != "GP trainees" || m.Place != "Room 4" {
		t.Errorf("meetup = %q / %q / %q", m.Title, m.Purpose, m.Place)
	}
}

func TestFirstName(t *testing.T) {
	for _, tt := range []struct{ name, first, want string }{
		{"Dr Helen Ashworth", "", "Helen"},
		{"dr. helen ashworth", "", "helen"},
		{"DR. HELEN ASHWORTH", "", "HELEN"},
		{"Prof. Sir Ian Smith", "", "Ian"},
		{"Sister Mary Joseph", "", "Mary"},
		{"Rev Canon", "", "Canon"},
		{"Mx Sam Lee", "", "Sam"},
		{"Mrs\u200B Ada Obi", "", "Ada"},
		{"Dr H Ashworth", "Helen", "Helen"},
		{"Helen Ashworth", "Dr Nell", "Nell"}, // a display name with a title
		{"Dr", "", ""},
		{"", "", ""},
		{"Élodie Durand", "", "Élodie"},
	} {
		if got := FirstName(Member{Name: tt.name, FirstName: tt.first}); got != tt.want {
			t.Errorf("FirstName(%q, %q) = %q, want %q", tt.name, tt.first, got, tt.want)
		}
	}
}

// The first question and the explanations address people by first name,
// never by title.
func TestRoundTextSkipsTitles(t *testing.T) {
	helper := validForm()
	helper.Interests, helper.Offers, helper.Asks = nil, []string{"Diabetes"}, nil
	asker := validForm()
	asker.Interests, asker.Offers, asker.Asks = nil, nil, []string{"Diabetes"}
	asker.Sector = "housing"
	a, _ := joinByForm(1, "Dr Helen Ashworth", "Riverside Surgery", helper)
	b, _ := joinByForm(2, "Prof. Ian Smith", "Hillview Medical Centre", asker)
	texts := planTexts(t, []Member{a, b})
	if texts[1] != "Helen, what has worked for you with diabetes?" {
		t.Errorf("question = %q", texts[1])
	}
	if !strings.Contains(texts[0], "Helen can help with diabetes, which Ian wants to learn") {
		t.Errorf("explanation = %q", texts[0])
	}
	for _, s := range texts {
		if strings.Contains(s, "Dr") || strings.Contains(s, "Prof") {
			t.Errorf("a title is used as a name: %q", s)
		}
	}
}
