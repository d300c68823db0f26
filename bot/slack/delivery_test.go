package slack_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	slackbot "github.com/rapport-pcn/rapport/bot/slack"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// deliveryFixture is a database with members, a local workspace, and the
// adapter's deliverer, without the Socket Mode connection.
type deliveryFixture struct {
	db      *storage.DB
	ws      *slacktest.Workspace
	rounds  *bot.Rounds
	out     bot.Deliverer
	members []bot.Member
}

func newDeliveryFixture(t *testing.T, target storagetest.Target, n int) *deliveryFixture {
	t.Helper()
	f := &deliveryFixture{db: storagetest.MustOpenDB(t, target), ws: slacktest.New()}
	t.Cleanup(f.ws.Close)
	orgs := []string{"Riverside Surgery", "Northfield Pharmacy", "Eastgate Housing", "Oak Tree School"}
	for i := range n {
		m := &bot.Member{Platform: "slack", UserID: fmt.Sprintf("U%07dD", i), Name: fmt.Sprintf("Person%d Test", i), Status: bot.StatusActive,
			Profile: bot.Profile{Organisation: orgs[i%len(orgs)], Sector: "gp_practice", Role: "other", CareerStage: "established",
				Frequency: "weekly", Mentoring: "neither", Meeting: "either"}}
		if err := f.db.SaveMember(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		f.ws.AddUser(slacktest.User{ID: m.UserID, RealName: m.Name})
		f.members = append(f.members, *m)
	}
	f.rounds = &bot.Rounds{Store: f.db}
	client := slackbot.NewClient(f.ws.BotToken(), f.ws.AppToken(), f.ws.APIURL())
	a := slackbot.New(&bot.Service{Store: f.db}, client, slackbot.Options{Rounds: f.rounds})
	f.out = a.Deliverer()
	return f
}

func (f *deliveryFixture) run(t *testing.T) (*bot.Round, *bot.Delivery, context.CancelFunc) {
	t.Helper()
	round, _, err := f.rounds.Run(context.Background(), time.Now(), false)
	if err != nil {
		t.Fatal(err)
	}
	d := &bot.Delivery{Store: f.db, Out: f.out, StaleAfter: 300 * time.Millisecond, Idle: 50 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return round, d, cancel
}

func introPostCount(ws *slacktest.Workspace) int {
	n := 0
	for _, c := range ws.CallsTo("chat.postMessage") {
		if c.OK() && strings.Contains(c.Params["metadata"], "rapport_intro") {
			n++
		}
	}
	return n
}

// An intro posted by a worker that died before recording it is found in
// the conversation by its metadata tag, recorded, and not posted again.
func TestInterruptedSendIsNotRepeated(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			f := newDeliveryFixture(t, target, 2)
			ctx := context.Background()
			if _, _, err := f.rounds.Run(ctx, time.Now(), false); err != nil {
				t.Fatal(err)
			}
			// A worker claims the intro and posts it, then dies.
			msgs, err := f.db.ClaimOutbox(ctx, time.Now(), time.Now().Add(-time.Hour), 10)
			if err != nil {
				t.Fatal(err)
			}
			var intro bot.OutboxMessage
			for _, m := range msgs {
				if m.Kind == bot.OutboxIntro {
					intro = m
				}
			}
			in, err := f.db.FindIntro(ctx, intro.IntroID)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := f.out.SendIntro(ctx, in, false); err != nil {
				t.Fatal(err)
			}
			// Give the other claims back, as a restart would after they go stale.
			for _, m := range msgs {
				if m.ID != intro.ID {
					_ = f.db.RetryOutbox(ctx, m.ID, time.Now().Add(time.Hour), "test")
				}
			}

			// Another worker takes over the stale claim.
			d := &bot.Delivery{Store: f.db, Out: f.out, StaleAfter: 200 * time.Millisecond, Idle: 50 * time.Millisecond}
			rctx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { _ = d.Run(rctx); close(done) }()
			defer func() { cancel(); <-done }()
			deadline := time.Now().Add(10 * time.Second)
			for {
				in, _ = f.db.FindIntro(ctx, intro.IntroID)
				if in.Status == bot.IntroSent || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if in.Status != bot.IntroSent {
				t.Fatalf("intro status %q, want sent", in.Status)
			}
			if n := introPostCount(f.ws); n != 1 {
				t.Errorf("intro posted %d times, want once", n)
			}
			if len(f.ws.CallsTo("conversations.history")) == 0 {
				t.Errorf("the resumed send did not look for the earlier message")
			}
		})
	}
}

// A member whose account was deactivated is marked inactive; a trio goes
// ahead without them, and a pair's remaining member is told and put first
// in line next round.
func TestUnreachableMembers(t *testing.T) {
	t.Run("trio", func(t *testing.T) {
		for _, target := range storagetest.Databases(t) {
			t.Run(target.Name, func(t *testing.T) {
				f := newDeliveryFixture(t, target, 3)
				gone := f.members[2]
				f.ws.AddUser(slacktest.User{ID: gone.UserID, RealName: gone.Name, Deleted: true})
				round, _, _ := f.run(t)
				waitFor(t, func() bool { return introPostCount(f.ws) == 1 })
				c := lastIntroPost(f.ws)
				if strings.Contains(c.Params["blocks"], gone.UserID) {
					t.Errorf("the intro still names the unreachable member")
				}
				m, _ := f.db.FindMember(context.Background(), "slack", gone.UserID)
				if m.Status != bot.StatusInactive {
					t.Errorf("unreachable member status %q, want inactive", m.Status)
				}
				if round.Intros != 1 {
					t.Errorf("round has %d intros, want 1 trio", round.Intros)
				}
			})
		}
	})
	t.Run("pair", func(t *testing.T) {
		for _, target := range storagetest.Databases(t) {
			t.Run(target.Name, func(t *testing.T) {
				f := newDeliveryFixture(t, target, 2)
				stay, gone := f.members[0], f.members[1]
				f.ws.AddUser(slacktest.User{ID: gone.UserID, RealName: gone.Name, Deleted: true})
				f.run(t)
				waitFor(t, func() bool {
					for _, m := range f.ws.DMs(stay.UserID) {
						if strings.Contains(m.Text, "first in line") {
							return true
						}
					}
					return false
				})
				if n := introPostCount(f.ws); n != 0 {
					t.Errorf("%d intros posted to a pair with an unreachable member", n)
				}
				snap, err := f.db.RoundSnapshot(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if len(snap.LastLeftOut) != 1 || snap.LastLeftOut[0] != stay.ID {
					t.Errorf("next round's first in line = %v, want [%d]", snap.LastLeftOut, stay.ID)
				}
			})
		}
	})
}

func lastIntroPost(ws *slacktest.Workspace) slacktest.Call {
	var last slacktest.Call
	for _, c := range ws.CallsTo("chat.postMessage") {
		if c.OK() && strings.Contains(c.Params["metadata"], "rapport_intro") {
			last = c
		}
	}
	return last
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
