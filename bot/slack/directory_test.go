package slack_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	slackbot "github.com/rapport-pcn/rapport/bot/slack"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// In Slack, Priya types /introduce-me find diabetes, presses "Ask for an
// intro" beside Tom, Tom reads her request in a DM and presses Accept, and
// both are introduced in a group message that names the topic and asks a
// first question.
func TestFindAskAcceptInSlack(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			now := func() time.Time { return clock }
			core := bot.NewCore(bot.Network{Store: db, Now: now})
			ws := slacktest.New()
			t.Cleanup(ws.Close)
			expectWithinLimits(t, ws)
			const priya, tom = "U0PRIYA01", "U0TOMRE01"
			for id, who := range map[string][2]string{priya: {"Priya Shah", "Riverside Surgery"}, tom: {"Tom Reid", "Northfield Pharmacy"}} {
				ws.AddUser(slacktest.User{ID: id, RealName: who[0]})
				m := bottest.Member(t, bottest.UserID(id), bottest.Name(who[0]), bottest.Org(who[1]), bottest.Offers("Diabetes"))
				m.Profile.Listed = id == tom
				if err := db.SaveMember(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			a := slackbot.New(core.Chat, slackbot.NewClient(ws.BotToken(), ws.AppToken(), ws.APIURL()), slackbot.Options{Now: now})
			core.Delivery.Platforms = map[string]bot.Deliverer{slackbot.Platform: a.Deliverer(nil)}
			core.Delivery.Idle = 20 * time.Millisecond
			runCtx, stop := context.WithCancel(context.Background())
			done := make(chan error, 2)
			go func() { done <- a.Run(runCtx) }()
			go func() { done <- core.Delivery.Run(runCtx) }()
			t.Cleanup(func() { stop(); <-done; <-done })
			if err := ws.WaitForHello(ctx, 1); err != nil {
				t.Fatal(err)
			}

			// "find" alone offers the search form, which answers with
			// the results.
			ask, err := ws.SlashCommand(ctx, priya, "/introduce-me", "find")
			if err != nil || !strings.Contains(string(ask.Payload), "What would you like help with") {
				t.Fatalf("find alone: %v %s", err, ask.Payload)
			}
			offer, _ := ws.LastEphemeral(priya)
			if _, err := ws.ClickButton(ctx, priya, offer.Channel, offer.MessageTS, bot.ActionDirectoryFind, ""); err != nil {
				t.Fatal(err)
			}
			var form slacktest.View
			if err := ws.Wait(ctx, func() bool {
				for _, v := range ws.OpenViews(priya) {
					if len(v.Submit) > 0 {
						form = v
						return true
					}
				}
				return false
			}); err != nil {
				t.Fatalf("the search form did not open: %v", err)
			}
			before := len(ws.Ephemerals(priya))
			if _, err := ws.SubmitView(ctx, priya, form.ID, map[string]any{bot.FieldFindTopic: "diab"}); err != nil {
				t.Fatal(err)
			}
			// A modal has no channel: the results come where Slack lets
			// the bot answer, privately or in Priya's DMs.
			if err := ws.Wait(ctx, func() bool {
				es := ws.Ephemerals(priya)
				if len(es) > before && strings.Contains(es[len(es)-1].Text+string(es[len(es)-1].Blocks), "Tom Reid") {
					return true
				}
				for _, m := range ws.DMs(priya) {
					if strings.Contains(m.Text+string(m.Blocks), "Tom Reid") {
						return true
					}
				}
				return false
			}); err != nil {
				t.Fatalf("the form's results: %v (%+v, %+v)", err, ws.Ephemerals(priya), ws.DMs(priya))
			}

			ack, err := ws.SlashCommand(ctx, priya, "/introduce-me", "find Diabète")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(ack.Payload), "Tom Reid") || !strings.Contains(string(ack.Payload), "Northfield Pharmacy") {
				t.Fatalf("the results: %s", ack.Payload)
			}
			results, ok := ws.LastEphemeral(priya)
			if !ok {
				t.Fatal("Priya saw no results")
			}
			if _, err := ws.ClickButton(ctx, priya, results.Channel, results.MessageTS, bot.ActionDirectoryAsk, ""); err != nil {
				t.Fatal(err)
			}
			if err := ws.Wait(ctx, func() bool {
				e, _ := ws.LastEphemeral(priya)
				return strings.Contains(e.Text, "asked") && strings.Contains(e.Text, "Tom Reid")
			}); err != nil {
				t.Fatalf("after Ask: %v (%+v)", err, ws.Ephemerals(priya))
			}

			var request slacktest.Message
			if err := ws.Wait(ctx, func() bool {
				for _, m := range ws.DMs(tom) {
					if strings.Contains(m.Text+string(m.Blocks), "would like to talk about") {
						request = m
						return true
					}
				}
				return false
			}); err != nil {
				t.Fatalf("Tom has no request: %v (%+v)", err, ws.DMs(tom))
			}
			if !strings.Contains(string(request.Blocks), "Priya Shah") || !strings.Contains(string(request.Blocks), "Diabète") {
				t.Errorf("the request: %s", request.Blocks)
			}
			if _, err := ws.ClickButton(ctx, tom, request.Channel, request.TS, bot.ActionRequestAccept, ""); err != nil {
				t.Fatal(err)
			}
			intro, err := ws.WaitForCall(ctx, "chat.postMessage", func(c slacktest.Call) bool {
				return strings.Contains(c.Params["text"]+c.Params["blocks"], "asked to talk about")
			})
			if err != nil {
				t.Fatalf("no intro was posted: %v", err)
			}
			if body := intro.Params["text"] + intro.Params["blocks"]; !strings.Contains(body, "what has worked for you with") {
				t.Errorf("the intro has no first question: %s", body)
			}
			if err := ws.Wait(ctx, func() bool {
				for _, m := range ws.DMs(tom) {
					if strings.Contains(m.Text+string(m.Blocks), "Done: I") {
						return true
					}
				}
				for _, e := range ws.Ephemerals(tom) {
					if strings.Contains(e.Text+string(e.Blocks), "Done: I") {
						return true
					}
				}
				return false
			}); err != nil {
				t.Fatalf("Tom was not told it is done: %v (%+v)", err, ws.DMs(tom))
			}
			opened := false
			for _, c := range ws.CallsTo("conversations.open") {
				if u := c.Params["users"]; strings.Contains(u, priya) && strings.Contains(u, tom) {
					opened = true
				}
			}
			if !opened {
				t.Errorf("no group conversation with Priya and Tom was opened")
			}
			in, err := db.RecentIntros(ctx, mustMemberID(t, db, tom), 5)
			if err != nil || len(in) != 1 {
				t.Errorf("Tom's history: %v, %v", in, err)
			}
			if v := ws.Violations(); len(v) > 0 {
				t.Errorf("Slack would refuse: %v", v)
			}
		})
	}
}

func mustMemberID(t *testing.T, db interface {
	FindMember(context.Context, string, string) (*bot.Member, error)
}, id string) int64 {
	t.Helper()
	m, err := db.FindMember(context.Background(), slackbot.Platform, id)
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}
