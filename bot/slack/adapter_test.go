package slack_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	slackbot "github.com/rapport-pcn/rapport/bot/slack"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// slowStore delays every read and write, as a database under heavy load
// would, while honouring cancellation as the real one does.
type slowStore struct {
	bot.Store
	delay atomic.Int64 // nanoseconds
}

func (s *slowStore) wait(ctx context.Context) error {
	select {
	case <-time.After(time.Duration(s.delay.Load())):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *slowStore) FindMember(ctx context.Context, platform, userID string) (*bot.Member, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.FindMember(ctx, platform, userID)
}

func (s *slowStore) SaveMember(ctx context.Context, m *bot.Member) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.SaveMember(ctx, m)
}

// expectWithinLimits fails the test if anything the adapter sent broke
// Slack's limits, whether or not the test looked at it.
func expectWithinLimits(t testing.TB, ws *slacktest.Workspace) {
	t.Cleanup(func() {
		for _, v := range ws.Violations() {
			t.Errorf("Slack would refuse or cut this: %s", v)
		}
	})
}

func startAdapter(t *testing.T, store bot.Store) *slacktest.Workspace {
	t.Helper()
	ws := slacktest.New()
	t.Cleanup(ws.Close)
	expectWithinLimits(t, ws)
	ws.AddUser(slacktest.User{ID: "U0CAROL01", RealName: "Carol Chen"})
	svc := &bot.Service{Store: store, Now: time.Now, NextRound: func(t time.Time) time.Time { return t.Add(24 * time.Hour) }}
	a := slackbot.New(&bot.Chat{Service: svc}, slackbot.NewClient(ws.BotToken(), ws.AppToken(), ws.APIURL()), slackbot.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := ws.WaitForHello(wctx, 1); err != nil {
		t.Fatal(err)
	}
	return ws
}

// A database that takes longer than Slack waits must not leave the person
// looking at a Slack error: every envelope is acked in time, with a kind
// message, and a profile that could not be saved in time is not half saved.
func TestAckInTimeWhenTheDatabaseIsSlow(t *testing.T) {
	target := storagetest.Databases(t)[0] // SQLite is enough: the delay is ours
	store := &slowStore{Store: storagetest.MustOpenDB(t, target)}
	if _, err := store.AddOrganisation(context.Background(), "Riverside Surgery", time.Now()); err != nil {
		t.Fatal(err)
	}
	ws := startAdapter(t, store)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// The form opens while the database is quick.
	if _, err := ws.SlashCommand(ctx, "U0CAROL01", "/introduce-me", ""); err != nil {
		t.Fatal(err)
	}
	var form slacktest.View
	if err := ws.Wait(ctx, func() bool {
		for _, v := range ws.OpenViews("U0CAROL01") {
			if len(v.Submit) > 0 {
				form = v
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatal(err)
	}

	store.delay.Store(int64(5 * time.Second))
	ack, err := ws.SlashCommand(ctx, "U0CAROL01", "/introduce-me", "status")
	if err != nil {
		t.Fatalf("status with a slow database was not acked in time: %v", err)
	}
	if ack.Latency > 3*time.Second || !strings.Contains(string(ack.Payload), "took longer") {
		t.Errorf("ack after %v: %s", ack.Latency, ack.Payload)
	}

	ack, err = ws.SubmitView(ctx, "U0CAROL01", form.ID, map[string]any{
		"organisation": "Riverside Surgery", "sector": "gp_practice", "role": "salaried_gp",
		"career_stage": "first_five", "frequency": "weekly", "mentoring": "mentee", "meeting": "video",
	})
	if err != nil {
		t.Fatalf("submission with a slow database was not acked in time: %v", err)
	}
	if !strings.Contains(string(ack.Payload), "press Save again") {
		t.Errorf("submission ack: %s", ack.Payload)
	}

	// Nothing was stored, and the bot still answers once the database is
	// quick again.
	store.delay.Store(0)
	ack, err = ws.SlashCommand(ctx, "U0CAROL01", "/introduce-me", "status")
	if err != nil || !strings.Contains(string(ack.Payload), "haven't joined") {
		t.Errorf("after the slow spell: %v %s", err, ack.Payload)
	}
}

// runAdapter serves ws with a new adapter over db, sharing the envelopes
// it has handled through db, until the test ends.
func runAdapter(t *testing.T, ws *slacktest.Workspace, db *storage.DB, hellos int) {
	t.Helper()
	svc := &bot.Service{Store: db, Now: time.Now, NextRound: func(t time.Time) time.Time { return t.Add(24 * time.Hour) }}
	a := slackbot.New(&bot.Chat{Service: svc}, slackbot.NewClient(ws.BotToken(), ws.AppToken(), ws.APIURL()), slackbot.Options{Envelopes: db})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := ws.WaitForHello(wctx, hellos); err != nil {
		t.Fatal(err)
	}
}

// An envelope redelivered to another replica (Slack sends it on whichever
// connection it likes) is recognised from the database and does nothing
// there: it is acked, and its command is not run a second time.
func TestRedeliveryToAnotherReplicaDoesNothing(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			db := storagetest.MustOpenDB(t, target)
			ws := slacktest.New()
			t.Cleanup(ws.Close)
			ws.AddUser(slacktest.User{ID: "U0CAROL01", RealName: "Carol Chen"})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()

			runAdapter(t, ws, db, 1)
			first, err := ws.SlashCommand(ctx, "U0CAROL01", "/introduce-me", "status")
			if err != nil || !strings.Contains(string(first.Payload), "haven't joined") {
				t.Fatalf("first delivery: %v %s", err, first.Payload)
			}
			// A second replica connects; Slack's next delivery goes to it.
			runAdapter(t, ws, db, 2)
			again, err := ws.Redeliver(ctx, first.EnvelopeID)
			if err != nil {
				t.Fatalf("redeliver: %v", err)
			}
			d, _ := ws.Delivery(first.EnvelopeID)
			if n := len(d.Attempts); n != 2 || d.Attempts[0].Conn == d.Attempts[1].Conn {
				t.Fatalf("the redelivery did not reach the other replica: %+v", d.Attempts)
			}
			if strings.Contains(string(again.Payload), "haven't joined") {
				t.Errorf("the other replica ran the command again: %s", again.Payload)
			}
		})
	}
}
