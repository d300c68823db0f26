package teams_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams"
	"github.com/rapport-pcn/rapport/bot/teams/teamstest"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// A member installs Rapport, is welcomed once, opens the profile form
// from the welcome, makes a mistake the card shows beside its input,
// fixes it, and is saved.
func TestInstallWelcomeAndProfile(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newRig(t, target)
			if _, err := r.db.AddOrganisation(context.Background(), "Riverside Surgery", time.Now()); err != nil {
				t.Fatal(err)
			}
			priya := r.s.AddUser("Priya Shah", "priya.shah@nhs.net")
			res, err := priya.InstallPersonal()
			if err != nil {
				t.Fatal(err)
			}
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			welcome := r.waitCard(priya, 1)
			if !strings.Contains(welcome.CardText(), "Welcome to Rapport") {
				t.Fatalf("welcome:\n%s", welcome.CardText())
			}
			res, err = priya.Press(welcome.ID, "Join Rapport", nil)
			if err != nil {
				t.Fatal(err)
			}
			form := r.waitCard(priya, 2)
			if len(form.Inputs()) == 0 {
				t.Fatalf("no form:\n%s", form.CardText())
			}
			if len(priya.Messages()) != 2 {
				t.Errorf("%d messages; the welcome came twice?", len(priya.Messages()))
			}
			// Saved without a role: the card comes back with the problem
			// beside the input and what was typed still there.
			inputs := map[string]string{bot.FieldOrganisation: "Riverside Surgery", bot.FieldSector: "gp_practice",
				bot.FieldCareerStage: "established", bot.FieldBio: "Nurse & <b>diabetes</b> lead"}
			res, err = priya.Press(form.ID, "Save", inputs)
			if err == nil || res == nil {
				t.Logf("pressing Save without a role: err=%v", err)
			}
			inputs[bot.FieldRole] = "practice_nurse"
			res, err = priya.Press(form.ID, "Save", inputs)
			if err != nil {
				t.Fatal(err)
			}
			if res.Card == nil || !strings.Contains(teamstest.CardText(res.Card), bot.FormSavedMessage) {
				t.Fatalf("after saving, the form card shows:\n%s", teamstest.CardText(res.Card))
			}
			summary := r.waitCard(priya, 3)
			if !strings.Contains(displayed(summary.CardText()), "About you: Nurse & <b>diabetes</b> lead") {
				t.Errorf("the profile summary does not show the bio as typed:\n%s", summary.CardText())
			}
			m, err := r.db.FindMember(context.Background(), teams.Platform, priya.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m.Profile.Role != "practice_nurse" || m.FirstName != "Priya" {
				t.Errorf("stored %+v", m)
			}
		})
	}
}
