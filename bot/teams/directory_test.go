package teams_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams"
	"github.com/rapport-pcn/rapport/bot/teams/teamstest"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// joinListed installs Rapport for u and saves, through the form, a
// profile that offers the topics and is listed in the directory.
func (r *rig) joinListed(u *teamstest.User, org, offers string) {
	r.t.Helper()
	if res, err := u.InstallPersonal(); err != nil || res.Err != nil {
		r.t.Fatalf("installing: %v %v", err, res)
	}
	welcome := r.waitCard(u, 1)
	r.press(u, welcome, "Set up my profile", nil)
	form := r.waitCard(u, 2)
	res := r.press(u, form, "Save", map[string]string{bot.FieldOrganisation: org, bot.FieldSector: "community_pharmacy",
		bot.FieldRole: "practice_nurse", bot.FieldCareerStage: "established", bot.FieldOffers + "_other": offers, bot.FieldListed: "yes"})
	if res.Card == nil || !strings.Contains(teamstest.CardText(res.Card), bot.FormSavedMessage) {
		r.t.Fatalf("saving %s's profile, the card shows:\n%s", u.Name, teamstest.CardText(res.Card))
	}
	r.waitCard(u, 3)
}

// In Teams, Priya types "find diabetes", presses "Ask for an intro" on
// Tom's result; Tom reads her request and presses Accept, and both get
// the intro with the topic among its reasons and a first question.
func TestFindAskAcceptInTeams(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			r := newRig(t, target)
			r.addOrganisations()
			priya := r.s.AddUser("Priya Shah", "priya.shah@nhs.net")
			tom := r.s.AddUser("Tom Reid", "tom.reid@nhs.net")
			r.join(priya, "Riverside Surgery")
			r.joinListed(tom, "Northfield Pharmacy", "Diabetes, Insulin starts")
			r.deliver()

			if got := readText(r.say(tom, "status").CardText()); !strings.Contains(got, "listed") {
				t.Errorf("Tom's status does not say he is listed:\n%s", got)
			}
			results := r.say(priya, "find DIABÈTES")
			text := readText(results.CardText())
			if !strings.Contains(text, "Tom Reid") || !strings.Contains(text, "Northfield Pharmacy") || !strings.Contains(text, "Diabetes") {
				t.Fatalf("the results:\n%s", text)
			}
			res := r.press(priya, results, "Ask for an intro", nil)
			r.until(func() bool {
				if res.Card != nil && strings.Contains(readText(teamstest.CardText(res.Card)), "I've asked Tom Reid") {
					return true
				}
				for _, m := range priya.Messages() {
					if strings.Contains(readText(m.CardText()), "I've asked Tom Reid") {
						return true
					}
				}
				return false
			})

			request := r.waitFor(tom, func(m teamstest.Message) bool {
				return strings.Contains(readText(m.CardText()), "would like to talk about")
			})
			if got := readText(request.CardText()); !strings.Contains(got, "Priya Shah (Riverside Surgery, practice nurse)") {
				t.Errorf("the request:\n%s", got)
			}
			res = r.press(tom, request, "Accept", nil)
			if res.Card != nil && !strings.Contains(readText(teamstest.CardText(res.Card)), "Done: I've introduced you to Priya Shah") {
				t.Errorf("after Accept Tom reads:\n%s", teamstest.CardText(res.Card))
			}
			for _, u := range []*teamstest.User{priya, tom} {
				intro := readText(r.waitIntro(u).CardText())
				for _, want := range []string{"Priya asked to talk about", "Tom, what has worked for you with"} {
					if !strings.Contains(intro, want) {
						t.Errorf("%s's intro lacks %q:\n%s", u.Name, want, intro)
					}
				}
			}
			m, err := r.db.FindMember(ctx, teams.Platform, tom.ID)
			if err != nil {
				t.Fatal(err)
			}
			if in, err := r.db.RecentIntros(ctx, m.ID, 5); err != nil || len(in) != 1 {
				t.Errorf("Tom's history: %v, %v", in, err)
			}
		})
	}
}

// readText is card text as a person reads it, without the asterisks of
// bold.
func readText(s string) string { return strings.ReplaceAll(seenText(s), "**", "") }
