package bot

import (
	"strings"
	"testing"
	"time"
)

// A round run late (by an admin on Tuesday, for Monday's period) is
// reported on the day its intros were made, in the network's zone.
func TestPreviewNamesTheDayIntrosWereMade(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	period := time.Date(2026, 11, 30, 9, 0, 0, 0, london) // Monday
	made := time.Date(2026, 12, 1, 0, 30, 0, 0, london)   // Tuesday, just after midnight
	next := time.Date(2026, 12, 7, 9, 0, 0, 0, london)
	m := Member{ID: 1, Name: "Sam Patel", Status: StatusActive, Profile: formProfile(ProfileForm{
		OrganisationOther: "Riverside Surgery", Role: "practice_nurse", Frequency: "fortnightly",
	})}
	s := &RoundSnapshot{Number: 2, Members: []Member{m}, History: []PastIntro{
		{IntroID: 1, Round: 1, Period: period.UTC(), CreatedAt: made.UTC(), Status: IntroSent, Members: []int64{1, 2}, Answers: []string{AnswerYes, AnswerYes}},
	}}
	p, err := (&Rounds{}).plan(s, next, next)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Skipped) != 1 {
		t.Fatalf("skipped = %+v", p.Skipped)
	}
	if got := p.Skipped[0].Reason; !strings.Contains(got, "Introduced on Tuesday 1 December") {
		t.Errorf("reason = %q; want the day the intro was made", got)
	}
}
