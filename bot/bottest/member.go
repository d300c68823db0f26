// Package bottest builds the domain's values for tests, through the same
// validation as real input, so that a test never stores what no member
// could have saved.
package bottest

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/rapport-pcn/rapport/bot"
)

// Option sets one thing about the member that Member builds: an answer on
// the profile form, or who they are on their platform.
type Option func(*member)

type member struct {
	m      bot.Member
	form   bot.ProfileForm
	listed []bot.Organisation
}

// Member returns an active Slack member whose profile went through the
// profile form's validation. Without options it is Priya Shah (U0MEMBER01)
// of Riverside Surgery, a weekly member with the vocabulary's plainest
// answers; each option changes one thing. An answer the form would
// refuse fails tb, naming the fields.
func Member(tb testing.TB, opts ...Option) *bot.Member {
	tb.Helper()
	b := &member{
		m: bot.Member{Platform: "slack", UserID: "U0MEMBER01", Name: "Priya Shah", Status: bot.StatusActive},
		form: bot.ProfileForm{
			Organisation: bot.OtherOrganisation, OrganisationOther: "Riverside Surgery", OrganisationIsNew: true,
			Sector: "gp_practice", Role: "other", CareerStage: "established",
			Frequency: "weekly", Mentoring: "neither", Meeting: "either",
		},
	}
	for _, o := range opts {
		o(b)
	}
	p, err := b.form.Profile(b.listed)
	if err != nil {
		fields := bot.FieldErrors(err)
		var why []string
		for _, k := range slices.Sorted(maps.Keys(fields)) {
			why = append(why, k+": "+fields[k])
		}
		tb.Fatalf("bottest.Member: the profile form refuses %+v: %v %s", b.form, err, strings.Join(why, "; "))
	}
	m := b.m
	m.Profile = p
	return &m
}

// UserID sets the member's platform user ID.
func UserID(id string) Option { return func(b *member) { b.m.UserID = id } }

// Platform sets the member's platform ("slack" or "teams").
func Platform(p string) Option { return func(b *member) { b.m.Platform = p } }

// Name sets the member's display name on their platform.
func Name(name string) Option { return func(b *member) { b.m.Name = name } }

// FirstName sets the first name their platform gives.
func FirstName(name string) Option { return func(b *member) { b.m.FirstName = name } }

// Status sets the member's status (bot.StatusActive or bot.StatusInactive).
func Status(s string) Option { return func(b *member) { b.m.Status = s } }

// Org types the member's organisation, as a member does who picks
// "Another organisation" and insists it is theirs; a name on the list
// given by Listed becomes the listed organisation.
func Org(name string) Option {
	return func(b *member) {
		b.form.Organisation, b.form.OrganisationOther, b.form.OrganisationIsNew = bot.OtherOrganisation, name, true
	}
}

// Listed is the network's list of organisations the form checks Org
// against.
func Listed(orgs ...bot.Organisation) Option {
	return func(b *member) { b.listed = orgs }
}

// Sector chooses a sector code from bot.Sectors.
func Sector(code string) Option { return func(b *member) { b.form.Sector = code } }

// Role chooses a role code from bot.Roles.
func Role(code string) Option { return func(b *member) { b.form.Role = code } }

// CareerStage chooses a code from bot.CareerStages.
func CareerStage(code string) Option { return func(b *member) { b.form.CareerStage = code } }

// Frequency chooses a code from bot.Frequencies.
func Frequency(code string) Option { return func(b *member) { b.form.Frequency = code } }

// Mentoring chooses a code from bot.MentoringChoices.
func Mentoring(code string) Option { return func(b *member) { b.form.Mentoring = code } }

// Meeting chooses a code from bot.MeetingChoices.
func Meeting(code string) Option { return func(b *member) { b.form.Meeting = code } }

// Interests chooses the member's interests, from the vocabulary or not.
func Interests(ts ...string) Option { return func(b *member) { b.form.Interests = ts } }

// Offers chooses what the member can help with.
func Offers(ts ...string) Option { return func(b *member) { b.form.Offers = ts } }

// Asks chooses what the member would like to learn.
func Asks(ts ...string) Option { return func(b *member) { b.form.Asks = ts } }

// Bio sets the member's line about themselves.
func Bio(s string) Option { return func(b *member) { b.form.Bio = s } }
