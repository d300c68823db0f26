package bot

import (
	"strings"
	"testing"
)

func validForm() ProfileForm {
	return ProfileForm{
		Organisation: "Riverside Surgery", Sector: "gp_practice", Role: "practice_nurse",
		CareerStage: "established", Interests: []string{"Frailty", "Cycling"},
		Offers: []string{"Diabetes"}, Asks: []string{"Quality improvement"},
		Frequency: "fortnightly", Mentoring: "mentor", Meeting: "either",
		Bio: "Practice nurse and diabetes lead",
	}
}

var listed = []Organisation{{ID: 1, Name: "Riverside Surgery"}, {ID: 2, Name: "Hillview Medical Centre"}}

func TestProfileFormValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(f *ProfileForm)
		field  string // the field that must carry an error; "" for valid
		check  func(t *testing.T, p Profile)
	}{
		{name: "valid", change: func(f *ProfileForm) {}},
		{name: "listed organisation kept", change: func(f *ProfileForm) {}, check: func(t *testing.T, p Profile) {
			if p.Organisation != "Riverside Surgery" {
				t.Errorf("organisation = %q", p.Organisation)
			}
		}},
		{name: "organisation removed from list", change: func(f *ProfileForm) { f.Organisation = "Closed Surgery" }, field: FieldOrganisation},
		{name: "no organisation", change: func(f *ProfileForm) { f.Organisation = "" }, field: FieldOrganisation},
		{name: "other organisation without name", change: func(f *ProfileForm) { f.Organisation = OtherOrganisation }, field: FieldOrgOther},
		{name: "other organisation typed", change: func(f *ProfileForm) {
			f.Organisation, f.OrganisationOther = OtherOrganisation, "  Northfield   Pharmacy "
		}, check: func(t *testing.T, p Profile) {
			if p.Organisation != "Northfield Pharmacy" {
				t.Errorf("organisation = %q, want spaces folded", p.Organisation)
			}
		}},
		{name: "typed name of a listed practice becomes that practice", change: func(f *ProfileForm) {
			f.Organisation, f.OrganisationOther = OtherOrganisation, "hillview medical centre"
		}, check: func(t *testing.T, p Profile) {
			if p.Organisation != "Hillview Medical Centre" {
				t.Errorf("organisation = %q", p.Organisation)
			}
		}},
		{name: "organisation too long", change: func(f *ProfileForm) {
			f.Organisation, f.OrganisationOther = OtherOrganisation, strings.Repeat("a", MaxOrganisationLen+1)
		}, field: FieldOrgOther},
		{name: "organisation with control character", change: func(f *ProfileForm) {
			f.Organisation, f.OrganisationOther = OtherOrganisation, "Bad\x00Name"
		}, field: FieldOrgOther},
		{name: "unknown sector", change: func(f *ProfileForm) { f.Sector = "spaceflight" }, field: FieldSector},
		{name: "missing role", change: func(f *ProfileForm) { f.Role = "" }, field: FieldRole},
		{name: "missing stage", change: func(f *ProfileForm) { f.CareerStage = "" }, field: FieldCareerStage},
		{name: "unknown frequency", change: func(f *ProfileForm) { f.Frequency = "hourly" }, field: FieldFrequency},
		{name: "missing mentoring", change: func(f *ProfileForm) { f.Mentoring = "" }, field: FieldMentoring},
		{name: "missing meeting", change: func(f *ProfileForm) { f.Meeting = "" }, field: FieldMeeting},
		{name: "bio too long", change: func(f *ProfileForm) { f.Bio = strings.Repeat("é", MaxBioLen+1) }, field: FieldBio},
		{name: "bio at the limit", change: func(f *ProfileForm) { f.Bio = strings.Repeat("é", MaxBioLen) }},
		{name: "bio on two lines", change: func(f *ProfileForm) { f.Bio = "one\ntwo" }, field: FieldBio},
		{name: "bio with tab", change: func(f *ProfileForm) { f.Bio = "one\ttwo" }, field: FieldBio},
		{name: "free-text topics merged and canonical", change: func(f *ProfileForm) {
			f.InterestsOther = "frailty, sea swimming,  , Sea Swimming"
		}, check: func(t *testing.T, p Profile) {
			want := []string{"Frailty", "Cycling", "sea swimming"}
			if strings.Join(p.Interests, "|") != strings.Join(want, "|") {
				t.Errorf("interests = %q, want %q", p.Interests, want)
			}
		}},
		{name: "too many offers", change: func(f *ProfileForm) {
			f.OffersOther = "a1,a2,a3,a4,a5,a6,a7,a8,a9,a10"
		}, field: FieldOffers},
		{name: "same topic offered and asked", change: func(f *ProfileForm) { f.AsksOther = "diabetes" }, field: FieldAsks},
		{name: "topic too long", change: func(f *ProfileForm) { f.AsksOther = strings.Repeat("x", MaxTopicLen+1) }, field: FieldAsks},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := validForm()
			tt.change(&f)
			p, err := f.validate(listed)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v (fields %v)", err, FieldErrors(err))
				}
				if tt.check != nil {
					tt.check(t, p)
				}
				return
			}
			if ErrorCode(err) != EINVALID {
				t.Fatalf("code = %q, want %q", ErrorCode(err), EINVALID)
			}
			fields := FieldErrors(err)
			if fields[tt.field] == "" {
				t.Fatalf("no message for %s; got %v", tt.field, fields)
			}
			if len(fields) != 1 {
				t.Errorf("want only %s flagged, got %v", tt.field, fields)
			}
		})
	}
}

func TestFormFromProfileRoundTrip(t *testing.T) {
	f := validForm()
	f.InterestsOther = "sea swimming"
	p, err := f.validate(listed)
	if err != nil {
		t.Fatal(err)
	}
	back := FormFromProfile(p, listed)
	if back.Organisation != "Riverside Surgery" || back.InterestsOther != "sea swimming" || len(back.Interests) != 2 {
		t.Fatalf("form = %+v", back)
	}
	p2, err := back.validate(listed)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(p2.Interests, ",") != strings.Join(p.Interests, ",") || p2.Bio != p.Bio {
		t.Errorf("round trip changed the profile: %+v vs %+v", p2, p)
	}

	p.Organisation = "Somewhere Unlisted"
	if back := FormFromProfile(p, listed); back.Organisation != OtherOrganisation || back.OrganisationOther != "Somewhere Unlisted" {
		t.Errorf("unlisted organisation not shown as other: %+v", back)
	}
}
