package slack_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	slackbot "github.com/rapport-pcn/rapport/bot/slack"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// openProfileForm runs /introduce-me for userID and returns the form.
func openProfileForm(ctx context.Context, t *testing.T, ws *slacktest.Workspace, userID string) slacktest.View {
	t.Helper()
	if _, err := ws.SlashCommand(ctx, userID, "/introduce-me", ""); err != nil {
		t.Fatal(err)
	}
	var form slacktest.View
	if err := ws.Wait(ctx, func() bool {
		for _, v := range ws.OpenViews(userID) {
			if len(v.Submit) > 0 {
				form = v
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatal(err)
	}
	return form
}

// A member whose Slack name starts with a title is welcomed by first name;
// a typed organisation close to a listed one gets "Did you mean…?" in the
// form, and ticking "It's a different organisation" saves it as typed.
func TestProfileFormNamesAndOrganisations(t *testing.T) {
	for _, tt := range []struct {
		name string
		user slacktest.User
		want string
	}{
		{"title in the real name", slacktest.User{ID: "U0HELEN01", RealName: "Dr Helen Ashworth"}, "Welcome to Rapport, Helen!"},
		{"display name chosen", slacktest.User{ID: "U0HELEN02", RealName: "Dr Helen Ashworth", DisplayName: "Nell"}, "Welcome to Rapport, Nell!"},
		{"first name given", slacktest.User{ID: "U0HELEN03", RealName: "Prof. Helen Ashworth", DisplayName: "Dr Ashworth", FirstName: "Helen"}, "Welcome to Rapport, Helen!"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := storagetest.MustOpenDB(t, storagetest.Databases(t)[0])
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := db.AddOrganisation(ctx, "Riverside Surgery", time.Now()); err != nil {
				t.Fatal(err)
			}
			ws := slacktest.New()
			t.Cleanup(ws.Close)
			ws.AddUser(tt.user)
			svc := &bot.Service{Store: db, Now: time.Now}
			a := slackbot.New(&bot.Chat{Service: svc}, slackbot.NewClient(ws.BotToken(), ws.AppToken(), ws.APIURL()), slackbot.Options{})
			runCtx, stop := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- a.Run(runCtx) }()
			t.Cleanup(func() { stop(); <-done })
			if err := ws.WaitForHello(ctx, 1); err != nil {
				t.Fatal(err)
			}

			form := openProfileForm(ctx, t, ws, tt.user.ID)
			values := map[string]any{
				bot.FieldOrganisation: bot.OtherOrganisation, bot.FieldOrgOther: "Riverside Surgry",
				"sector": "gp_practice", "role": "salaried_gp", "career_stage": "first_five",
				"frequency": "weekly", "mentoring": "mentee", "meeting": "video",
			}
			ack, err := ws.SubmitView(ctx, tt.user.ID, form.ID, values)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(ack.Payload), "Did you mean Riverside Surgery?") {
				t.Fatalf("near miss ack: %s", ack.Payload)
			}
			values[bot.FieldOrgIsNew] = []string{"different"}
			if _, err := ws.SubmitView(ctx, tt.user.ID, form.ID, values); err != nil {
				t.Fatal(err)
			}
			var welcome string
			if err := ws.Wait(ctx, func() bool {
				for _, m := range ws.DMs(tt.user.ID) {
					welcome = m.Text
				}
				return welcome != ""
			}); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(welcome, tt.want) {
				t.Errorf("welcome = %q, want it to start %q", welcome, tt.want)
			}
			m, err := db.FindMember(ctx, "slack", tt.user.ID)
			if err != nil || m.Profile.Organisation != "Riverside Surgry" {
				t.Errorf("stored organisation %q, %v", m.Profile.Organisation, err)
			}
		})
	}
}
