package slack_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

const homeUser = "U0CAROL01"

// startHome serves a workspace with one person in it, Carol, who has not
// joined, through the whole conversation core over db.
func startHome(t *testing.T, target storagetest.Target, opts ...slacktest.Option) (*slacktest.Workspace, *storage.DB) {
	t.Helper()
	db := storagetest.MustOpenDB(t, target)
	if _, err := db.AddOrganisation(context.Background(), "Riverside Surgery", time.Now()); err != nil {
		t.Fatal(err)
	}
	ws := slacktest.New(opts...)
	t.Cleanup(ws.Close)
	expectWithinLimits(t, ws)
	ws.AddUser(slacktest.User{ID: homeUser, RealName: "Carol Chen"})
	core := bot.NewCore(bot.Network{Store: db, Now: time.Now})
	startChat(t, ws, core.Chat)
	return ws, db
}

// profileValues fill in the profile form for Riverside Surgery.
var profileValues = map[string]any{
	"organisation": "Riverside Surgery", "sector": "gp_practice", "role": "salaried_gp",
	"career_stage": "first_five", "frequency": "weekly", "mentoring": "mentee", "meeting": "video",
}

// waitHome waits for the nth Home tab published for the user and returns it.
func waitHome(ctx context.Context, t *testing.T, ws *slacktest.Workspace, user string, n int) slacktest.View {
	t.Helper()
	var v slacktest.View
	if err := ws.Wait(ctx, func() bool {
		all := ws.PublishedHomes(user)
		if len(all) >= n {
			v = all[n-1]
			return true
		}
		return false
	}); err != nil {
		t.Fatalf("Home tab %d was not published: %v (%d published)", n, err, len(ws.PublishedHomes(user)))
	}
	return v
}

// hasButton reports whether blocks hold a button with the action ID.
func hasButton(blocks json.RawMessage, action string) bool {
	return strings.Contains(string(blocks), `"action_id":"`+action+`"`)
}

// waitForm waits for a form with a Save button to be open for the user.
func waitForm(ctx context.Context, t *testing.T, ws *slacktest.Workspace, user string) slacktest.View {
	t.Helper()
	var form slacktest.View
	if err := ws.Wait(ctx, func() bool {
		for _, v := range ws.OpenViews(user) {
			if len(v.Submit) > 0 {
				form = v
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatalf("no form opened: %v", err)
	}
	return form
}

// The Home tab: someone who has not joined sees the Join button; joining
// through the form it opens shows their profile in the tab at once; Pause
// there pauses them, and the tab then offers Resume.
func TestHomeTab(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ws, db := startHome(t, target)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()

			if _, err := ws.OpenHome(ctx, homeUser); err != nil {
				t.Fatal(err)
			}
			home := waitHome(ctx, t, ws, homeUser, 1)
			if home.Type != "home" || !hasButton(home.Blocks, bot.ActionProfileOpen) {
				t.Fatalf("a stranger's Home tab has no Join button: %s", home.Blocks)
			}

			if _, err := ws.ClickViewButton(ctx, homeUser, home.ID, bot.ActionProfileOpen, ""); err != nil {
				t.Fatal(err)
			}
			form := waitForm(ctx, t, ws, homeUser)
			if _, err := ws.SubmitView(ctx, homeUser, form.ID, profileValues); err != nil {
				t.Fatal(err)
			}
			// Closing the form shows the Home tab again: it must show the
			// profile without being opened anew.
			var joined slacktest.View
			if err := ws.Wait(ctx, func() bool {
				for _, v := range ws.PublishedHomes(homeUser) {
					if strings.Contains(sectionsText(t, v.Blocks), "Riverside Surgery") {
						joined = v
						return true
					}
				}
				return false
			}); err != nil {
				t.Fatalf("the Home tab did not show the new profile: %v\n%s", err, ws.PublishedHomes(homeUser)[len(ws.PublishedHomes(homeUser))-1].Blocks)
			}
			if joined.ID != home.ID {
				t.Errorf("the Home tab changed ID from %s to %s", home.ID, joined.ID)
			}
			if !hasButton(joined.Blocks, bot.ActionHomePause) {
				t.Fatalf("a member's Home tab has no Pause button: %s", joined.Blocks)
			}

			n, dms := len(ws.PublishedHomes(homeUser)), len(ws.DMs(homeUser))
			if _, err := ws.ClickViewButton(ctx, homeUser, joined.ID, bot.ActionHomePause, ""); err != nil {
				t.Fatal(err)
			}
			var paused slacktest.View
			if err := ws.Wait(ctx, func() bool {
				for _, v := range ws.PublishedHomes(homeUser)[n:] {
					if hasButton(v.Blocks, bot.ActionHomeResume) {
						paused = v
						return true
					}
				}
				return false
			}); err != nil {
				t.Fatalf("after Pause the Home tab does not offer Resume: %v", err)
			}
			if hasButton(paused.Blocks, bot.ActionHomePause) {
				t.Errorf("after Pause the Home tab still offers Pause: %s", paused.Blocks)
			}
			if !strings.Contains(strings.ToLower(sectionsText(t, paused.Blocks)), "paus") {
				t.Errorf("the Home tab does not say the member is paused: %s", sectionsText(t, paused.Blocks))
			}
			m, err := db.FindMember(ctx, "slack", homeUser)
			if err != nil || !m.PausedAt(time.Now()) {
				t.Fatalf("Pause in the Home tab did not pause: %+v %v", m, err)
			}
			ack, err := ws.SlashCommand(ctx, homeUser, "/introduce-me", "status")
			if err != nil || !strings.Contains(strings.ToLower(string(ack.Payload)), "paused") {
				t.Errorf("status after Pause in the Home tab: %v %s", err, ack.Payload)
			}
			// The press's answer was the tab itself: nothing went to a
			// channel nobody was looking at, nor to the Messages tab.
			for _, c := range ws.CallsTo("chat.postEphemeral") {
				t.Errorf("a Home tab press answered by chat.postEphemeral: %v", c.Params)
			}
			if got := len(ws.DMs(homeUser)); got != dms {
				t.Errorf("a Home tab press sent %d direct messages", got-dms)
			}
			// Opening the tab again shows the same.
			n = len(ws.PublishedHomes(homeUser))
			if _, err := ws.OpenHome(ctx, homeUser); err != nil {
				t.Fatal(err)
			}
			if again := waitHome(ctx, t, ws, homeUser, n+1); !hasButton(again.Blocks, bot.ActionHomeResume) {
				t.Errorf("the Home tab opened again: %s", again.Blocks)
			}
		})
	}
}

// Slack delivers an event again when it missed the ack, under the same
// envelope or a new one: the Home tab is published once.
func TestHomeTabOpenedTwiceByRedelivery(t *testing.T) {
	target := storagetest.Databases(t)[0]
	ws, _ := startHome(t, target)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	ack, err := ws.OpenHome(ctx, homeUser)
	if err != nil {
		t.Fatal(err)
	}
	waitHome(ctx, t, ws, homeUser, 1)
	if _, err := ws.Redeliver(ctx, ack.EnvelopeID); err != nil {
		t.Fatal(err)
	}
	d, _ := ws.Delivery(ack.EnvelopeID)
	if _, err := ws.Send(ctx, slacktest.TypeEventsAPI, json.RawMessage(d.Payload), false); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(ws.PublishedHomes(homeUser)); n != 1 {
		t.Errorf("one opening of the Home tab delivered three times published it %d times", n)
	}
	// A new opening is a new event.
	if _, err := ws.OpenHome(ctx, homeUser); err != nil {
		t.Fatal(err)
	}
	waitHome(ctx, t, ws, homeUser, 2)
}

// allAcked waits until every envelope sent so far has been acknowledged.
func allAcked(ctx context.Context, t *testing.T, ws *slacktest.Workspace) {
	t.Helper()
	if err := ws.Wait(ctx, func() bool {
		for _, d := range ws.Deliveries() {
			if !d.Acked() {
				return false
			}
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
}

// The Messages tab: words typed to the bot get an answer in that
// conversation, "status" the person's summary. The bot hears its own
// messages (Slack sends them as message.im too) and edits, and answers
// neither, so it never talks to itself.
func TestMessagesTab(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ws, _ := startHome(t, target, slacktest.WithEventSubscriptions("message.im"))
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()

			ask := func(text string) slacktest.Message {
				t.Helper()
				sent, _, err := ws.SendDM(ctx, homeUser, text)
				if err != nil {
					t.Fatal(err)
				}
				var got slacktest.Message
				if err := ws.Wait(ctx, func() bool {
					for _, m := range ws.DMs(homeUser) {
						if m.TS > sent.TS {
							got = m
							return true
						}
					}
					return false
				}); err != nil {
					t.Fatalf("no answer to %q: %v", text, err)
				}
				return got
			}
			hello := ask("hello")
			if !strings.Contains(hello.Text, "Hello") || !strings.Contains(string(hello.Blocks), "/introduce-me help") {
				t.Errorf("hello was answered %q %s", hello.Text, hello.Blocks)
			}
			status := ask("status")
			if !hasButton(status.Blocks, bot.ActionProfileOpen) {
				t.Fatalf("status before joining has no Join button: %s", status.Blocks)
			}

			// Join from the answer's button: a button can open a form.
			if _, err := ws.ClickButton(ctx, homeUser, status.Channel, status.TS, bot.ActionProfileOpen, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := ws.SubmitView(ctx, homeUser, waitForm(ctx, t, ws, homeUser).ID, profileValues); err != nil {
				t.Fatal(err)
			}
			if err := ws.Wait(ctx, func() bool {
				dms := ws.DMs(homeUser)
				return strings.Contains(dms[len(dms)-1].Text, "Welcome")
			}); err != nil {
				t.Fatalf("no welcome: %v", err)
			}
			if got := ask("status"); !strings.Contains(sectionsText(t, got.Blocks), "Riverside Surgery") {
				t.Errorf("status after joining was answered %q %s", got.Text, got.Blocks)
			}
			// Typed text is escaped as an escaped command's is: a mention
			// arrives as the person's ID.
			if got := ask("block <@U0NOBODY1>"); !strings.Contains(got.Text+string(got.Blocks), "Done: you won't be introduced") {
				t.Errorf("block by mention in the Messages tab was answered %q", got.Text)
			}
			// Words that ask for a form get a button that opens it.
			edit := ask("introduce-me")
			if !hasButton(edit.Blocks, bot.ActionProfileOpen) {
				t.Fatalf("introduce-me typed as a message: %s", edit.Blocks)
			}
			if _, err := ws.ClickButton(ctx, homeUser, edit.Channel, edit.TS, bot.ActionProfileOpen, "edit"); err != nil {
				t.Fatal(err)
			}
			waitForm(ctx, t, ws, homeUser)

			// Every message of the bot's has come back as an event by now;
			// an edit of the person's own message is one too.
			msgs := ws.Messages(ws.DMs(homeUser)[0].Channel)
			var first slacktest.Message
			for _, m := range msgs {
				if m.User == homeUser {
					first = m
					break
				}
			}
			if _, err := ws.EditDM(ctx, homeUser, first.TS, "status"); err != nil {
				t.Fatal(err)
			}
			allAcked(ctx, t, ws)
			before := len(ws.DMs(homeUser))
			allAcked(ctx, t, ws)
			time.Sleep(200 * time.Millisecond)
			allAcked(ctx, t, ws)
			if after := len(ws.DMs(homeUser)); after != before {
				t.Errorf("the bot answered its own messages or an edit: %d messages, then %d", before, after)
			}
			echoes := 0
			for _, d := range ws.Deliveries() {
				if d.Type == slacktest.TypeEventsAPI && strings.Contains(string(d.Payload), `"bot_id"`) {
					echoes++
				}
			}
			if echoes == 0 {
				t.Error("the workspace sent none of the bot's own messages back")
			}
		})
	}
}

// A slow database must not hold up the ack of an event: Slack would send
// it again, and again.
func TestEventsAckedInTimeWhenTheDatabaseIsSlow(t *testing.T) {
	target := storagetest.Databases(t)[0]
	store := &slowStore{Store: storagetest.MustOpenDB(t, target)}
	ws := startAdapter(t, store)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store.delay.Store(int64(5 * time.Second))

	ack, err := ws.OpenHome(ctx, "U0CAROL01")
	if err != nil || ack.Latency > time.Second {
		t.Errorf("app_home_opened with a slow database: acked after %v, %v", ack.Latency, err)
	}
	_, ack, err = ws.SendDM(ctx, "U0CAROL01", "status")
	if err != nil || ack.Latency > time.Second {
		t.Errorf("a message with a slow database: acked after %v, %v", ack.Latency, err)
	}
	for _, d := range ws.Deliveries() {
		if len(d.Acks) != 1 || len(d.Attempts) != 1 {
			t.Errorf("envelope %s: %d attempts, %d acks", d.EnvelopeID, len(d.Attempts), len(d.Acks))
		}
	}
	// Once the database answers, so does the bot.
	store.delay.Store(0)
	if err := ws.Wait(ctx, func() bool { return len(ws.DMs("U0CAROL01")) > 0 && len(ws.PublishedHomes("U0CAROL01")) > 0 }); err != nil {
		t.Errorf("no answer after the slow spell: %v", err)
	}
}
