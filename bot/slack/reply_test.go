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

// A member promised their export in a direct message is told when Slack
// will not take the message, and how to try again, rather than left
// waiting for data that never comes.
func TestExportThatCannotBeSentIsOwnedUpTo(t *testing.T) {
	db := storagetest.MustOpenDB(t, storagetest.Databases(t)[0])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m := bottest.Member(t, bottest.UserID("U0EXPORT1"))
	if err := db.SaveMember(ctx, m); err != nil {
		t.Fatal(err)
	}
	ws := slacktest.New()
	t.Cleanup(ws.Close)
	ws.AddUser(slacktest.User{ID: "U0EXPORT1", RealName: "Priya Shah"})
	a := slackbot.New(&bot.Chat{Service: &bot.Service{Store: db}}, slackbot.NewClient(ws.BotToken(), ws.AppToken(), ws.APIURL()), slackbot.Options{})
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })
	if err := ws.WaitForHello(ctx, 1); err != nil {
		t.Fatal(err)
	}

	ws.FailNext("conversations.open", 1, slacktest.Fault{Error: "internal_error"})
	ack, err := ws.SlashCommand(ctx, "U0EXPORT1", "/introduce-me", "export")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ack.Payload), "in a direct message from me") {
		t.Fatalf("export ack: %s", ack.Payload)
	}
	if err := ws.Wait(ctx, func() bool {
		for _, e := range ws.Ephemerals("U0EXPORT1") {
			if strings.Contains(e.Text, "I couldn't send your data just now") && strings.Contains(e.Text, "`/introduce-me export`") {
				return true
			}
		}
		return false
	}); err != nil {
		t.Errorf("the member was not told the export failed: %v (ephemerals %+v)", err, ws.Ephemerals("U0EXPORT1"))
	}
	if n := len(ws.DMs("U0EXPORT1")); n != 0 {
		t.Errorf("%d DMs after a refused conversations.open", n)
	}
}

// A form whose handler runs out of time stays open with a request to
// press its own button again, beside an input it has: the profile form's
// organisation, a meetup form's title.
func TestTimedOutSubmissionsPointAtTheirOwnForm(t *testing.T) {
	for form, input := range map[string]string{bot.ProfileFormID: bot.FieldOrganisation, bot.MeetupCreateForm: bot.MeetupFieldTitle, bot.MeetupEditForm: bot.MeetupFieldTitle} {
		r := bot.SubmitTimedOut(form)
		if len(r.Errors) != 1 || r.Errors[input] == "" {
			t.Errorf("%s: %v", form, r.Errors)
		}
	}
}
