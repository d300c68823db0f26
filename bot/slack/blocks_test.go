package slack_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	slackbot "github.com/rapport-pcn/rapport/bot/slack"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// A member types /introduce-me block @Tom in Slack, which sends the
// mention as Tom's user ID because the command is escaped: the next round
// does not introduce them, someone who never joined gets the same answer,
// and the Unblock button on the list of blocks lets them be introduced
// again.
func TestBlockByMentionInSlack(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			db := storagetest.MustOpenDB(t, target)
			clock := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			core := bot.NewCore(bot.Network{Store: db, Now: func() time.Time { return clock }})
			ws := slacktest.New()
			t.Cleanup(ws.Close)
			expectWithinLimits(t, ws)
			for id, who := range map[string][2]string{"U0PRIYA01": {"Priya Shah", "Riverside Surgery"}, "U0TOMRE01": {"Tom Reid", "Northfield Pharmacy"}} {
				ws.AddUser(slacktest.User{ID: id, RealName: who[0]})
				if err := db.SaveMember(ctx, bottest.Member(t, bottest.UserID(id), bottest.Name(who[0]), bottest.Org(who[1]))); err != nil {
					t.Fatal(err)
				}
			}
			ws.AddUser(slacktest.User{ID: "U0GUEST01", RealName: "Gina Guest"}) // in the workspace, not in Rapport
			startChat(t, ws, core.Chat)

			typed := func(text string) string {
				t.Helper()
				ack, err := ws.SlashCommand(ctx, "U0PRIYA01", "/introduce-me", text)
				if err != nil {
					t.Fatal(err)
				}
				return string(ack.Payload)
			}
			member := typed("block <@U0TOMRE01|tom>")
			if !strings.Contains(member, "Done: you won't be introduced to them") {
				t.Fatalf("block ack: %s", member)
			}
			for _, text := range []string{"block <@U0GUEST01|gina>", "block <@U0NOBODY1>"} {
				if got := typed(text); got != member {
					t.Errorf("%q acks %s; blocking a member acks %s", text, got, member)
				}
			}
			if got := typed("block <@U0PRIYA01|priya>"); !strings.Contains(got, "can't block yourself") {
				t.Errorf("blocking oneself: %s", got)
			}
			if pairedInRound(t, core, db, clock) {
				t.Fatal("the round introduced Priya to Tom, whom she blocked")
			}

			typed("blocks")
			list, ok := ws.LastEphemeral("U0PRIYA01")
			if !ok || !strings.Contains(string(list.Blocks), "Tom Reid") {
				t.Fatalf("the list of blocks: %+v", list)
			}
			if _, err := ws.ClickButton(ctx, "U0PRIYA01", list.Channel, list.MessageTS, bot.ActionUnblockMember, ""); err != nil {
				t.Fatal(err)
			}
			if err := ws.Wait(ctx, func() bool {
				e, _ := ws.LastEphemeral("U0PRIYA01")
				return strings.Contains(e.Text, "you may be introduced to Tom Reid again")
			}); err != nil {
				t.Fatalf("after Unblock: %v (%+v)", err, ws.Ephemerals("U0PRIYA01"))
			}
			clock = clock.AddDate(0, 0, 7)
			if !pairedInRound(t, core, db, clock) {
				t.Fatal("after the unblock, the round still kept Priya and Tom apart")
			}
			if v := ws.Violations(); len(v) > 0 {
				t.Errorf("Slack would refuse: %v", v)
			}
		})
	}
}

// The escaped command text reads as typed for everything but mentions:
// a practice's name with an ampersand, an email address Slack made a
// link.
func TestEscapedCommandTextReadsAsTyped(t *testing.T) {
	db := storagetest.MustOpenDB(t, storagetest.Databases(t)[0])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	core := bot.NewCore(bot.Network{Store: db, IsAdmin: func(u bot.User) bool { return u.ID == "U0ADMIN01" }})
	ws := slacktest.New()
	t.Cleanup(ws.Close)
	ws.AddUser(slacktest.User{ID: "U0ADMIN01", RealName: "Ada Admin"})
	if err := db.SaveMember(ctx, bottest.Member(t, bottest.UserID("U0ADMIN01"), bottest.Name("Ada Admin"))); err != nil {
		t.Fatal(err)
	}
	startChat(t, ws, core.Chat)
	if _, err := ws.SlashCommand(ctx, "U0ADMIN01", "/introduce-me", "admin practices add Smith &amp; Jones &lt;Health&gt;"); err != nil {
		t.Fatal(err)
	}
	orgs, err := db.ListOrganisations(ctx)
	if err != nil || !slices.ContainsFunc(orgs, func(o bot.Organisation) bool { return o.Name == "Smith & Jones <Health>" }) {
		t.Errorf("organisations %+v, %v; want “Smith & Jones <Health>”", orgs, err)
	}
	ack, err := ws.SlashCommand(ctx, "U0ADMIN01", "/introduce-me", "block <mailto:nobody@nhs.net|nobody@nhs.net>")
	if err != nil {
		t.Fatal(err)
	}
	// Slack does not tell Rapport sign-in names, so an address is never
	// matched there, whoever it names: the member is told to use a
	// mention rather than told "done".
	if !strings.Contains(string(ack.Payload), "I can't look people up by email here") {
		t.Errorf("block by an email Slack made a link: %s", ack.Payload)
	}
}

// startChat runs the Slack adapter for chat until the test ends.
func startChat(t *testing.T, ws *slacktest.Workspace, chat *bot.Chat) {
	t.Helper()
	a := slackbot.New(chat, slackbot.NewClient(ws.BotToken(), ws.AppToken(), ws.APIURL()), slackbot.Options{})
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done })
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := ws.WaitForHello(wctx, 1); err != nil {
		t.Fatal(err)
	}
}

// pairedInRound runs the round for period and says whether it put Priya
// and Tom in one intro.
func pairedInRound(t *testing.T, core *bot.Core, db *storage.DB, period time.Time) bool {
	t.Helper()
	ctx := context.Background()
	_, plan, err := core.Rounds.Run(ctx, period, false)
	if err != nil {
		t.Fatalf("run round: %v", err)
	}
	p, _ := db.FindMember(ctx, "slack", "U0PRIYA01")
	m, _ := db.FindMember(ctx, "slack", "U0TOMRE01")
	for _, in := range plan.Intros {
		if slices.Contains(in.MemberIDs, p.ID) && slices.Contains(in.MemberIDs, m.ID) {
			return true
		}
	}
	return false
}
