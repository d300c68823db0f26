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

// organisations are the practices a rig's network knows.
var organisations = []string{"Riverside Surgery", "Northfield Pharmacy", "Eastgate Housing"}

func (r *rig) addOrganisations() {
	r.t.Helper()
	for _, o := range organisations {
		if _, err := r.db.AddOrganisation(context.Background(), o, time.Now()); err != nil {
			r.t.Fatal(err)
		}
	}
}

// wait is a context for one wait on the stand-in.
func wait() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

// say sends text in u's personal chat and returns the bot's next message.
func (r *rig) say(u *teamstest.User, text string) teamstest.Message {
	r.t.Helper()
	n := len(u.Messages())
	res, err := u.Say(text)
	if err != nil {
		r.t.Fatalf("saying %q: %v", text, err)
	}
	if res.Err != nil {
		r.t.Fatalf("saying %q: %v", text, res.Err)
	}
	return r.waitCard(u, n+1)
}

// press presses a button and fails the test if Teams would show an error.
func (r *rig) press(u *teamstest.User, m teamstest.Message, button string, inputs map[string]string) *teamstest.Result {
	r.t.Helper()
	res, err := u.Press(m.ID, button, inputs)
	if err != nil {
		r.t.Fatalf("pressing %q: %v\n%s", button, err, m.CardText())
	}
	return res
}

// join installs Rapport for u and saves a profile through the form.
func (r *rig) join(u *teamstest.User, org string) {
	r.t.Helper()
	if res, err := u.InstallPersonal(); err != nil || res.Err != nil {
		r.t.Fatalf("installing: %v %v", err, res)
	}
	welcome := r.waitCard(u, 1)
	r.press(u, welcome, "Set up my profile", nil)
	form := r.waitCard(u, 2)
	res := r.press(u, form, "Save", map[string]string{bot.FieldOrganisation: org, bot.FieldSector: "gp_practice",
		bot.FieldRole: "practice_nurse", bot.FieldCareerStage: "established"})
	if res.Card == nil || !strings.Contains(teamstest.CardText(res.Card), bot.FormSavedMessage) {
		r.t.Fatalf("saving %s's profile, the card shows:\n%s", u.Name, teamstest.CardText(res.Card))
	}
	r.waitCard(u, 3)
}

// Commands typed in a personal chat work with or without a slash or an
// @mention, and an unknown word gets a kind pointer to help.
func TestCommandsInPersonalChat(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			r := newRig(t, target)
			r.addOrganisations()
			priya := r.s.AddUser("Priya Shah", "priya.shah@nhs.net")
			r.join(priya, "Riverside Surgery")
			for _, text := range []string{"help", "/help", "<at>Rapport</at> help", "introduce-me help", "/introduce-me help", "hello"} {
				help := displayed(r.say(priya, text).CardText())
				for _, want := range []string{"introduce-me status", "introduce-me pause", "introduce-me resume",
					"introduce-me export", "introduce-me leave", "meetup list", "meetup mine", "meetup cancel"} {
					if !strings.Contains(help, want) {
						t.Errorf("%q: help does not list %s:\n%s", text, want, help)
					}
				}
				if strings.Contains(help, "introduce-me admin") {
					t.Errorf("%q: a member is shown the admin commands:\n%s", text, help)
				}
			}
			check := func(text, want string) {
				t.Helper()
				if got := displayed(r.say(priya, text).CardText()); !strings.Contains(got, want) {
					t.Errorf("%q: want %q in:\n%s", text, want, got)
				}
			}
			check("status", "You are **taking part**")
			check("/status", "Organisation: Riverside Surgery")
			check("<at>Rapport</at> pause", "paused until you resume")
			check("status", "until you resume with introduce-me resume")
			check("/introduce-me resume", "Welcome back")
			check("pause 2 weeks", "paused until "+time.Now().AddDate(0, 0, 14).Format("Monday 2 January 2006"))
			check("resume", "Welcome back")
			check("frobnicate", "I don't know the command “frobnicate”")
			check("frobnicate", "Here's what you can do")
			check("stats", "Did you mean introduce-me status?")
			check("meetup list", "No meetups are coming up")
			check("/meetup list", "No meetups are coming up")
			check("<at>Rapport</at> meetup list", "No meetups are coming up")
			m, err := r.db.FindMember(context.Background(), teams.Platform, priya.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m.PausedAt(time.Now()) {
				t.Errorf("still paused after resume")
			}
		})
	}
}
