package teams_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams"
	"github.com/rapport-pcn/rapport/bot/teams/teamstest"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// Someone who has not joined adds Rapport for themselves: the one welcome
// (though Teams tells of the install twice) is the home a stranger sees,
// what Rapport is and a Join button, which opens the profile form; saved,
// they are a member.
func TestPersonalInstallShowsTheStrangersHome(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newRig(t, target)
			r.addOrganisations()
			priya := r.s.AddUser("Priya Shah", "priya.shah@nhs.net")
			if res, err := priya.InstallPersonal(); err != nil || res.Err != nil {
				t.Fatalf("installing: %v %v", err, res)
			}
			welcome := r.waitCard(priya, 1)
			r.settle()
			if n := len(priya.Messages()); n != 1 {
				t.Errorf("%d welcomes, want 1", n)
			}
			home := r.core.Chat.Home(context.Background(), bot.User{Platform: teams.Platform, ID: priya.ID, Name: priya.Name})
			want := teamstest.CardText(renderedCard(t, home))
			if got := welcome.CardText(); got != want {
				t.Errorf("the welcome is not the stranger's home:\n%s\nwant:\n%s", got, want)
			}
			join, ok := profileButton(welcome)
			if !ok || !strings.Contains(join, "Join") {
				t.Fatalf("no Join button (%q) on the welcome:\n%s", join, welcome.CardText())
			}
			r.press(priya, welcome, join, nil)
			form := r.waitCard(priya, 2)
			if len(form.Inputs()) == 0 {
				t.Fatalf("Join shows:\n%s", form.CardText())
			}
			res := r.press(priya, form, "Save", map[string]string{bot.FieldOrganisation: "Riverside Surgery", bot.FieldSector: "gp_practice",
				bot.FieldRole: "practice_nurse", bot.FieldCareerStage: "established"})
			if res.Card == nil || !strings.Contains(teamstest.CardText(res.Card), bot.FormSavedMessage) {
				t.Fatalf("saving, the card shows:\n%s", teamstest.CardText(res.Card))
			}
			if _, err := r.db.FindMember(context.Background(), teams.Platform, priya.ID); err != nil {
				t.Errorf("not a member after Join: %v", err)
			}
		})
	}
}

// A member who adds Rapport for themselves (having joined from the team's
// welcome, or adding it again later) is welcomed with their own summary,
// the one "status" shows, with no Join button.
func TestPersonalInstallShowsAMembersSummary(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newReplica(t, target, replicaOptions{sameClock: true})
			ana := r.s.AddUser("Ana Lima", "ana.lima@nhs.net")
			team := r.s.AddTeam("Riverside PCN", ana)
			if _, err := team.Install(""); err != nil {
				t.Fatal(err)
			}
			welcome := r.channelMessage(team.General(), 1)
			r.press(ana, welcome, "Set up my profile", nil)
			form := r.waitCard(ana, 1)
			r.press(ana, form, "Save", map[string]string{bot.FieldOrganisation: "Riverside Surgery", bot.FieldSector: "gp_practice",
				bot.FieldRole: "practice_nurse", bot.FieldCareerStage: "established"})
			r.waitCard(ana, 2)
			r.settle()

			checkSummary := func(n int) {
				t.Helper()
				got := r.waitCard(ana, n)
				r.settle()
				if len(ana.Messages()) != n {
					t.Errorf("%d messages after the install, want %d", len(ana.Messages()), n)
				}
				text := displayed(got.CardText())
				if !strings.Contains(text, "Riverside Surgery") {
					t.Errorf("a member's welcome is not their summary:\n%s", text)
				}
				if b, ok := profileButton(got); ok && strings.Contains(b, "Join") {
					t.Errorf("a member is asked to join:\n%s", text)
				}
				if status := r.say(ana, "status"); status.CardText() != got.CardText() {
					t.Errorf("status is not the welcome's summary:\n%s\nwelcome:\n%s", status.CardText(), got.CardText())
				}
			}
			if _, err := ana.InstallPersonal(); err != nil {
				t.Fatal(err)
			}
			checkSummary(3)

			// Removed and added again, a day later.
			if _, err := ana.UninstallPersonal(); err != nil {
				t.Fatal(err)
			}
			r.clock.Advance(24 * time.Hour)
			if _, err := ana.InstallPersonal(); err != nil {
				t.Fatal(err)
			}
			checkSummary(5)
		})
	}
}

// "status" typed in Teams shows the member's summary, as the home does:
// an admin's (known by the sign-in name Teams gives) with the admin
// pages, a member's without.
func TestStatusShowsTheSummary(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newRig(t, target, "priya.shah@nhs.net")
			r.core.Chat.Admin.PublicURL = "https://rapport.example.org"
			r.addOrganisations()
			priya := r.s.AddUser("Priya Shah", "priya.shah@nhs.net")
			tom := r.s.AddUser("Tom Reid", "tom.reid@nhs.net")
			r.join(priya, "Northfield Pharmacy")
			r.join(tom, "Riverside Surgery")
			if _, ok := r.say(tom, "status").Button("Admin pages"); ok {
				t.Errorf("a member's status offers the admin pages")
			}
			ctx := context.Background()
			u := bot.User{Platform: teams.Platform, ID: priya.ID, Name: priya.Name, FirstName: "Priya", ObjectID: priya.ObjectID, PrincipalName: priya.UPN}
			for _, text := range []string{"status", "/status", "<at>Rapport</at> status", "introduce-me status"} {
				got := r.say(priya, text)
				want := teamstest.CardText(renderedCard(t, r.core.Chat.Home(ctx, u)))
				if got.CardText() != want {
					t.Errorf("%q shows:\n%s\nwant the home summary:\n%s", text, got.CardText(), want)
				}
				if !strings.Contains(displayed(got.CardText()), "Northfield Pharmacy") {
					t.Errorf("%q: the summary does not name the organisation:\n%s", text, got.CardText())
				}
				if _, ok := got.Button("Admin pages"); !ok {
					t.Errorf("%q: an admin's summary has no admin pages:\n%s", text, got.CardText())
				}
			}
		})
	}
}

// renderedCard is the first card the adapter sends for m, parsed.
func renderedCard(t testing.TB, m *bot.Message) map[string]any {
	t.Helper()
	var card map[string]any
	if err := json.Unmarshal(teams.FirstCard(m), &card); err != nil {
		t.Fatal(err)
	}
	return card
}
