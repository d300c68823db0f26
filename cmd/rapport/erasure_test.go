package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// A member with words of their own in every field is introduced, says
// they are going to a meetup, then leaves. Once leave has answered, their
// words are nowhere in the data directory (SQLite) or the database, and
// the intro message already posted has been edited to say that a member
// has left, without their details.
func TestLeaveErasesEverywhere(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ws := slacktest.New(slacktest.WithPingInterval(500 * time.Millisecond))
			t.Cleanup(ws.Close)
			h := startServeOn(t, ws, target, nil)
			h.waitLog("why=catch-up")

			zelda := bottest.Member(t, bottest.UserID("UZQXLEAVE1"), bottest.Name("Zelda Quixotic-Marker"),
				bottest.Org("Quixotic Marker Clinic"), bottest.Interests("Xylophone therapy", "Quokka welfare"),
				bottest.Offers("Zorbing coaching"), bottest.Asks("Yodelling for clinicians"),
				bottest.Bio("Plays the theremin in Ystradgynlais."))
			pat := bottest.Member(t, bottest.UserID("UPARTNER01"), bottest.Name("Pat Partner"),
				bottest.Org("Hillview Pharmacy"), bottest.Sector("community_pharmacy"), bottest.Interests("Xylophone therapy"))
			traces := []string{zelda.Name, "Zelda", "Quixotic", zelda.UserID, zelda.Profile.Organisation,
				zelda.Profile.Bio, "theremin", "Quokka welfare", "Zorbing coaching", "Yodelling for clinicians"}
			ctx := context.Background()
			db, err := storage.Open(ctx, target.URL, target.DataDir)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range []*bot.Member{zelda, pat} {
				if err := db.SaveMember(ctx, m); err != nil {
					t.Fatal(err)
				}
				ws.AddUser(slacktest.User{ID: m.UserID, RealName: m.Name})
			}
			start := time.Now().Add(7 * 24 * time.Hour).Truncate(time.Hour)
			meetup := &bot.Meetup{Title: "Pharmacy lunch", Purpose: "Lunch", Place: "Hillview", StartsAt: start, EndsAt: start.Add(time.Hour),
				DayReminderAt: start.Add(-24 * time.Hour), HourReminderAt: start.Add(-time.Hour), Channel: "C0MEETUPS1"}
			if _, err := db.CreateMeetup(ctx, "slack", pat.UserID, meetup); err != nil {
				t.Fatal(err)
			}
			if _, err := db.RespondToMeetup(ctx, meetup.ID, "slack", zelda.UserID, bot.RSVPGoing, time.Now()); err != nil {
				t.Fatal(err)
			}
			db.Close()

			h.command(admin, "admin run-now")
			confirm := h.waitEphemeral(admin, "Run a round of introductions now?")
			if _, err := ws.ClickButton(h.ctx(), admin, confirm.Channel, confirm.MessageTS, "rounds_run_confirm", ""); err != nil {
				t.Fatal(err)
			}
			var post slacktest.Call
			for _, calls := range h.waitIntros(1, 20*time.Second) {
				post = calls[0]
			}
			channel := post.Params["channel"]
			var posted struct {
				TS string `json:"ts"`
			}
			if err := json.Unmarshal(post.Response, &posted); err != nil || posted.TS == "" {
				t.Fatalf("intro post response %s: %v", post.Response, err)
			}
			if text := blockText(t, json.RawMessage(post.Params["blocks"])); !strings.Contains(text, "theremin") {
				t.Fatalf("the intro does not show the bio, so the test proves nothing: %s", text)
			}

			// Leave comes once the bot has recorded the intro as posted: an
			// intro still on its way is called off and withdrawn instead
			// (TestIntroCalledOffWhileSentIsWithdrawn).
			waitIntroRecorded(t, target, pat)

			h.command(zelda.UserID, "leave")
			last, _ := ws.LastEphemeral(zelda.UserID)
			if _, err := ws.ClickButton(h.ctx(), zelda.UserID, last.Channel, last.MessageTS, "leave_confirm", "leave"); err != nil {
				t.Fatalf("click: %v", err)
			}
			err = ws.Wait(h.ctx(), func() bool {
				e, _ := ws.LastEphemeral(zelda.UserID)
				return strings.Contains(e.Text, "erased")
			})
			if err != nil {
				t.Fatalf("no confirmation of erasure: %v", err)
			}

			// leave has answered: nothing of Zelda's is stored.
			if target.URL == "" {
				for _, f := range storagetest.FileTraces(t, target.DataDir, traces...) {
					t.Errorf("the data directory still holds %s", f)
				}
			}
			for _, f := range storagetest.Traces(t, target, traces...) {
				t.Errorf("the database still holds %s", f)
			}

			// The posted intro is edited: Pat is still named, Zelda's
			// details are gone.
			wctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if _, err := ws.WaitForCall(wctx, "chat.update", func(c slacktest.Call) bool {
				return c.OK() && c.Params["channel"] == channel && c.Params["ts"] == posted.TS
			}); err != nil {
				t.Fatalf("the posted intro was never edited: %v", err)
			}
			var msg *slacktest.Message
			for _, m := range ws.Messages(channel) {
				if m.TS == posted.TS {
					msg = &m
				}
			}
			if msg == nil || !msg.Edited {
				t.Fatalf("intro message not edited: %+v", msg)
			}
			shown := msg.Text + " " + blockText(t, msg.Blocks)
			for _, s := range traces {
				if strings.Contains(strings.ToLower(shown), strings.ToLower(s)) {
					t.Errorf("the edited intro still shows %q: %s", s, shown)
				}
			}
			if !strings.Contains(shown, "Pat Partner") || !strings.Contains(shown, "left Rapport") {
				t.Errorf("the edited intro should name Pat and say a member has left: %s", shown)
			}

			// Pat's own record keeps the intro.
			if got := h.reply(pat.UserID, "status"); !strings.Contains(got, bot.LeftMemberName) {
				t.Errorf("Pat's status no longer lists the intro with a member who has left: %q", got)
			}
		})
	}
}

// waitIntroRecorded waits until the database records m's latest intro as
// sent, for at most 20 seconds.
func waitIntroRecorded(t *testing.T, target storagetest.Target, m *bot.Member) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, target.URL, target.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for deadline := time.Now().Add(20 * time.Second); ; {
		ins, err := db.RecentIntros(ctx, m.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(ins) == 1 && ins[0].Status == bot.IntroSent {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the intro was never recorded as sent: %+v", ins)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
