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

// In Slack an admin types /introduce-me admin invite, confirms, and the
// invitation lands in the network's channel with a Join button; someone
// who has not joined presses it, and the profile form opens and saves
// them as a member. A member who is not an admin is refused, and nothing
// is posted.
func TestAdminInviteInSlack(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			db := storagetest.MustOpenDB(t, target)
			if _, err := db.AddOrganisation(ctx, "Riverside Surgery", time.Now()); err != nil {
				t.Fatal(err)
			}
			const admin, carol, channel = "U0ADMIN01", "U0CAROL01", "C0NETWORK1"
			core := bot.NewCore(bot.Network{Store: db, IsAdmin: func(u bot.User) bool { return u.ID == admin }})
			ws := slacktest.New()
			t.Cleanup(ws.Close)
			expectWithinLimits(t, ws)
			ws.AddUser(slacktest.User{ID: admin, RealName: "Ada Admin"})
			ws.AddUser(slacktest.User{ID: carol, RealName: "Carol Chen"})
			ws.AddChannel(channel, "pcn-network")
			a := slackbot.New(core.Chat, slackbot.NewClient(ws.BotToken(), ws.AppToken(), ws.APIURL()), slackbot.Options{})
			core.Meetups.Boards = []bot.MeetupBoard{{Platform: slackbot.Platform, Channel: channel, Board: a.Board()}}
			runCtx, stop := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- a.Run(runCtx) }()
			t.Cleanup(func() { stop(); <-done })
			if err := ws.WaitForHello(ctx, 1); err != nil {
				t.Fatal(err)
			}

			// Someone who is not an admin is told so, and nothing is posted.
			ack, err := ws.SlashCommand(ctx, carol, "/introduce-me", "admin invite")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(ack.Payload), "Only network admins") {
				t.Errorf("a non-admin's admin invite was answered %s", ack.Payload)
			}

			// The admin is asked first; nothing is posted until they confirm.
			if _, err := ws.SlashCommand(ctx, admin, "/introduce-me", "admin invite"); err != nil {
				t.Fatal(err)
			}
			confirm, ok := ws.LastEphemeral(admin)
			if !ok || !strings.Contains(string(confirm.Blocks), `"action_id":"`+bot.ActionInviteConfirm+`"`) {
				t.Fatalf("the admin was not asked to confirm: %+v", confirm)
			}
			if n := len(ws.Messages(channel)); n != 0 {
				t.Fatalf("%d messages were posted before the admin confirmed", n)
			}
			if _, err := ws.ClickButton(ctx, admin, confirm.Channel, confirm.MessageTS, bot.ActionInviteConfirm, ""); err != nil {
				t.Fatal(err)
			}
			var invitation slacktest.Message
			if err := ws.Wait(ctx, func() bool {
				for _, m := range ws.Messages(channel) {
					if strings.Contains(string(m.Blocks), `"action_id":"`+bot.ActionProfileOpen+`"`) {
						invitation = m
						return true
					}
				}
				return false
			}); err != nil {
				t.Fatalf("no invitation with a Join button in the channel: %v (%+v)", err, ws.Messages(channel))
			}
			if err := ws.Wait(ctx, func() bool {
				e, _ := ws.LastEphemeral(admin)
				return strings.Contains(e.Text+string(e.Blocks), "Posted")
			}); err != nil {
				e, _ := ws.LastEphemeral(admin)
				t.Errorf("the admin was not told it was posted: %+v", e)
			}

			// Carol presses Join on the invitation: the form opens, and
			// saving it makes her a member.
			if _, err := ws.ClickButton(ctx, carol, channel, invitation.TS, bot.ActionProfileOpen, ""); err != nil {
				t.Fatal(err)
			}
			form := waitForm(ctx, t, ws, carol)
			if _, err := ws.SubmitView(ctx, carol, form.ID, profileValues); err != nil {
				t.Fatal(err)
			}
			if err := ws.Wait(ctx, func() bool {
				m, err := db.FindMember(ctx, slackbot.Platform, carol)
				return err == nil && m.Profile.Organisation == "Riverside Surgery"
			}); err != nil {
				t.Fatalf("Carol did not join from the invitation: %v", err)
			}
			if n := len(ws.Messages(channel)); n != 1 {
				t.Errorf("the channel has %d messages, want the one invitation", n)
			}
		})
	}
}
