package bottest_test

import (
	"slices"
	"testing"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
)

func TestMemberGoesThroughTheForm(t *testing.T) {
	m := bottest.Member(t, bottest.UserID("U1"), bottest.Org("riverside surgery"),
		bottest.Listed(bot.Organisation{ID: 1, Name: "Riverside Surgery"}),
		bottest.Sector("community_pharmacy"), bottest.Interests("frailty", "Xylophone therapy"))
	if m.UserID != "U1" || m.Platform != "slack" || m.Status != bot.StatusActive {
		t.Errorf("member = %+v", m)
	}
	// The form's own rules: a listed organisation's spelling, the
	// vocabulary's spelling of a known topic.
	if m.Profile.Organisation != "Riverside Surgery" || !slices.Equal(m.Profile.Interests, []string{"Frailty", "Xylophone therapy"}) {
		t.Errorf("profile = %+v", m.Profile)
	}
	for _, c := range []struct {
		choices []bot.Choice
		code    string
	}{
		{bot.Sectors, m.Profile.Sector}, {bot.Roles, m.Profile.Role}, {bot.CareerStages, m.Profile.CareerStage},
		{bot.Frequencies, m.Profile.Frequency}, {bot.MentoringChoices, m.Profile.Mentoring}, {bot.MeetingChoices, m.Profile.Meeting},
	} {
		if !slices.ContainsFunc(c.choices, func(x bot.Choice) bool { return x.Code == c.code }) {
			t.Errorf("code %q is not in the vocabulary", c.code)
		}
	}
}

func TestMemberRefusesWhatTheFormRefuses(t *testing.T) {
	ft := &fatalRecorder{TB: t}
	func() {
		defer func() { recover() }()
		bottest.Member(ft, bottest.Sector("general_practice"))
	}()
	if !ft.failed {
		t.Error("a sector code outside the vocabulary was accepted")
	}
}

// fatalRecorder records Fatalf instead of ending the test, and stops the
// builder as Fatalf would.
type fatalRecorder struct {
	testing.TB
	failed bool
}

func (f *fatalRecorder) Fatalf(string, ...any) {
	f.failed = true
	panic("fatal")
}

func (f *fatalRecorder) Helper() {}
