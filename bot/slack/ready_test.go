package slack

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage/storagetest"
	"github.com/slack-go/slack/socketmode"
)

// clock is a clock the test moves on by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// latencies is a Meter that keeps the latencies recorded and tells of
// each on got.
type latencies struct {
	bot.NoMeter
	got chan string
}

func (m *latencies) Latency(platform, kind string, d time.Duration) {
	if d < 0 || d > time.Minute {
		kind += " out of range"
	}
	m.got <- platform + " " + kind
}

// readyRig runs an adapter against the Slack stand-in with a clock the
// test moves and a grace of a minute; onEvent, when set, is called on the
// adapter's own goroutine after each connection event is taken into
// account, and connected is told of each connection.
type readyRig struct {
	ws        *slacktest.Workspace
	a         *Adapter
	clock     *clock
	connected chan struct{}
	done      chan error
	cancel    context.CancelFunc
}

func newReadyRig(t *testing.T, meter bot.Meter, onEvent func(socketmode.EventType)) *readyRig {
	t.Helper()
	r := &readyRig{ws: slacktest.New(), clock: &clock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}, connected: make(chan struct{}, 16), done: make(chan error, 1)}
	t.Cleanup(r.ws.Close)
	r.a = New(&bot.Chat{}, NewClient(r.ws.BotToken(), r.ws.AppToken(), r.ws.APIURL()), Options{
		Now: r.clock.Now, ReadyGrace: time.Minute, Meter: meter,
		OnConnected: func() { r.connected <- struct{}{} },
	})
	r.a.observed = onEvent
	return r
}

func (r *readyRig) run(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- r.a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
}

// waitConnected waits for the adapter's next connection.
func (r *readyRig) waitConnected(t *testing.T) {
	t.Helper()
	select {
	case <-r.connected:
	case err := <-r.done:
		t.Fatalf("the adapter stopped: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the adapter did not connect")
	}
}

// A routine reconnect (Slack asks for one every few hours) leaves the bot
// ready all through; a connection Slack keeps refusing makes it unready
// once that has lasted longer than the grace, and ready again when it
// connects.
func TestReadyThroughReconnects(t *testing.T) {
	var mu sync.Mutex
	var seen []string // Ready's answer after each event, while reconnecting
	var r *readyRig
	r = newReadyRig(t, nil, func(e socketmode.EventType) {
		switch e {
		case socketmode.EventTypeConnecting, socketmode.EventTypeConnectionError:
			// Each try at reconnecting takes the clock on 25 seconds.
			r.clock.Advance(25 * time.Second)
			got := "ready"
			if err := r.a.Ready(r.clock.Now()); err != nil {
				got = err.Error()
			}
			mu.Lock()
			seen = append(seen, string(e)+": "+got)
			mu.Unlock()
		}
	})
	if err := r.a.Ready(r.clock.Now()); err == nil || !strings.Contains(err.Error(), "not connected to Slack yet") {
		t.Errorf("before connecting: %v", err)
	}
	r.run(t)
	r.waitConnected(t)
	if err := r.a.Ready(r.clock.Now()); err != nil {
		t.Fatalf("connected: %v", err)
	}
	mu.Lock()
	seen = nil
	mu.Unlock()

	if r.ws.Disconnect("refresh_requested") == 0 {
		t.Fatal("no connection to refresh")
	}
	r.waitConnected(t)
	mu.Lock()
	quick := seen
	seen = nil
	mu.Unlock()
	if len(quick) == 0 {
		t.Fatal("the reconnect was not seen")
	}
	for _, s := range quick {
		if !strings.HasSuffix(s, ": ready") {
			t.Errorf("during a routine reconnect: %s", s)
		}
	}
	if err := r.a.Ready(r.clock.Now()); err != nil {
		t.Errorf("after a routine reconnect: %v", err)
	}

	// The connection drops, and Slack refuses three new ones.
	r.ws.FailConnectionsOpen(3, "internal_error")
	if r.ws.DropSockets() == 0 {
		t.Fatal("no connection to drop")
	}
	r.waitConnected(t)
	mu.Lock()
	refused := seen
	mu.Unlock()
	unready := ""
	for _, s := range refused {
		if !strings.HasSuffix(s, ": ready") {
			unready = s
		}
	}
	if !strings.Contains(unready, "disconnected from Slack's Socket Mode for") {
		t.Errorf("Slack refused to reconnect for over a minute, and Ready said only:\n%s", strings.Join(refused, "\n"))
	}
	t.Logf("quick: %q\nrefused: %q", quick, refused)
	if len(refused) == 0 || !strings.HasSuffix(refused[0], ": ready") {
		t.Errorf("unready at once on losing the connection: %q", refused)
	}
	if err := r.a.Ready(r.clock.Now()); err != nil {
		t.Errorf("connected again: %v", err)
	}
}

// An app-level token Slack refuses makes the adapter unready at once,
// saying which setting to fix.
func TestNotReadyWhenTheTokenIsRefused(t *testing.T) {
	r := newReadyRig(t, nil, nil)
	r.ws.FailConnectionsOpen(1, "invalid_auth")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.a.Run(ctx); err == nil {
		t.Fatal("Run accepted a refused token")
	}
	err := r.a.Ready(r.clock.Now())
	if err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
		t.Errorf("Ready after the token was refused: %v", err)
	}
}

// Each envelope's ack and each person's answer are timed: a command
// answered in its ack, and one whose form opens after it.
func TestAckAndResponseLatency(t *testing.T) {
	m := &latencies{got: make(chan string, 16)}
	r := newReadyRig(t, m, nil)
	r.ws.AddUser(slacktest.User{ID: "U0CAROL01", RealName: "Carol Chen"})
	store := storagetest.MustOpenDB(t, storagetest.Databases(t)[0])
	r.a.chat = &bot.Chat{Service: &bot.Service{Store: store, Now: time.Now}}
	r.run(t)
	r.waitConnected(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	next := func() string {
		select {
		case s := <-m.got:
			return s
		case <-ctx.Done():
			t.Fatal("no latency recorded")
			return ""
		}
	}

	if _, err := r.ws.SlashCommand(ctx, "U0CAROL01", "/introduce-me", "help"); err != nil {
		t.Fatal(err)
	}
	if got := []string{next(), next()}; got[0] != "slack ack" || got[1] != "slack response" {
		t.Errorf("an answer in the ack: %q", got)
	}

	// The profile form opens after the ack, which carries nothing.
	ack, err := r.ws.SlashCommand(ctx, "U0CAROL01", "/introduce-me", "")
	if err != nil || len(ack.Payload) != 0 && string(ack.Payload) != "null" {
		t.Fatalf("ack: %v %s", err, ack.Payload)
	}
	if got := []string{next(), next()}; got[0] != "slack ack" || got[1] != "slack response" {
		t.Errorf("a form opened after the ack: %q", got)
	}
	if len(r.ws.OpenViews("U0CAROL01")) == 0 {
		t.Error("the form did not open")
	}
}
