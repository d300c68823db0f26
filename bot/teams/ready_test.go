package teams_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams"
	"github.com/rapport-pcn/rapport/bot/teams/teamstest"
	"github.com/rapport-pcn/rapport/storage/storagetest"
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

// readyAdapter is an adapter for the stand-in whose token source and
// verifier read clock, with a grace of a minute.
func readyAdapter(s *teamstest.Server, c *clock, password, metadataURL string) (*teams.Adapter, *teams.TokenSource, *teams.Verifier) {
	tokens := teams.NewTokenSource(teams.TokenOptions{URL: s.TokenURL(), AppID: s.AppID(), Password: password, TenantID: s.TenantID(), Now: c.Now})
	verifier := teams.NewVerifier(teams.VerifierOptions{MetadataURL: metadataURL, AppID: s.AppID(), TenantID: s.TenantID(), Now: c.Now})
	a := teams.New(&bot.Chat{}, teams.Options{
		AppID: s.AppID(), TenantID: s.TenantID(), Verifier: verifier,
		Connector:  teams.NewConnector(teams.ConnectorOptions{Tokens: tokens, Now: c.Now}),
		Now:        c.Now,
		ReadyGrace: time.Minute,
	})
	return a, tokens, verifier
}

func wantReady(t *testing.T, what string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: not ready: %v", what, err)
	case want != "" && err == nil:
		t.Errorf("%s: ready, want %q", what, want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Errorf("%s: %v, want %q", what, err, want)
	}
}

// The bot is ready once Microsoft has given it a token and the Bot
// Framework's signing keys are loaded; Microsoft out of reach makes it
// unready only once that has lasted longer than the grace, and a token
// fetched again makes it ready.
func TestReadyFollowsTokenAndKeys(t *testing.T) {
	s := teamstest.New()
	t.Cleanup(s.Close)
	c := &clock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
	a, tokens, verifier := readyAdapter(s, c, s.AppPassword(), s.MetadataURL())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	wantReady(t, "before any token", a.Ready(c.Now()), "no token has been asked for yet")
	tok, err := tokens.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantReady(t, "before the keys", a.Ready(c.Now()), "signing keys have not been loaded yet")
	if err := verifier.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	wantReady(t, "token and keys", a.Ready(c.Now()), "")

	// Entra stops answering; the next fetch fails.
	s.Fail("token", 503, -1, 0)
	tokens.Invalidate(tok)
	if _, err := tokens.Token(ctx); err == nil {
		t.Fatal("a token while Entra is down")
	}
	wantReady(t, "Entra down for 30 s", a.Ready(c.Now().Add(30*time.Second)), "")
	wantReady(t, "Entra down for 2 min", a.Ready(c.Now().Add(2*time.Minute)), "no token from Microsoft Entra for 2m0s")

	// Entra answers again.
	s.ClearFaults()
	c.Advance(3 * time.Minute)
	if _, err := tokens.Token(ctx); err != nil {
		t.Fatal(err)
	}
	wantReady(t, "Entra back", a.Ready(c.Now()), "")
}

// Credentials Microsoft refuses make the bot unready at once, naming the
// setting to check; keys that cannot be read keep it unready.
func TestNotReadyWhenRefusedOrWithoutKeys(t *testing.T) {
	s := teamstest.New()
	t.Cleanup(s.Close)
	c := &clock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	a, tokens, _ := readyAdapter(s, c, "not-the-secret", s.MetadataURL())
	if _, err := tokens.Token(ctx); err == nil {
		t.Fatal("a token for a wrong secret")
	}
	wantReady(t, "wrong secret", a.Ready(c.Now()), "TEAMS_APP_PASSWORD")

	gone := httptest.NewServer(nil)
	gone.Close()
	a, tokens, verifier := readyAdapter(s, c, s.AppPassword(), gone.URL+"/v1/.well-known/openidconfiguration")
	if _, err := tokens.Token(ctx); err != nil {
		t.Fatal(err)
	}
	if err := verifier.Refresh(ctx); err == nil {
		t.Fatal("keys from a server that is gone")
	}
	wantReady(t, "no keys", a.Ready(c.Now()), "signing keys could not be loaded")
}

// latencies is a Meter that tells of each latency recorded.
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

// Teams' wait for the HTTP response and the person's for their reply are
// both timed.
func TestAckAndResponseLatency(t *testing.T) {
	s := teamstest.New()
	t.Cleanup(s.Close)
	db := storagetest.MustOpenDB(t, storagetest.Databases(t)[0])
	core := bot.NewCore(bot.Network{Store: db, Now: time.Now})
	tokens := teams.NewTokenSource(teams.TokenOptions{URL: s.TokenURL(), AppID: s.AppID(), Password: s.AppPassword(), TenantID: s.TenantID()})
	m := &latencies{got: make(chan string, 64)}
	adapter := teams.New(core.Chat, teams.Options{
		AppID: s.AppID(), TenantID: s.TenantID(), Store: db, Meter: m,
		Verifier:  teams.NewVerifier(teams.VerifierOptions{MetadataURL: s.MetadataURL(), AppID: s.AppID(), TenantID: s.TenantID()}),
		Connector: teams.NewConnector(teams.ConnectorOptions{Tokens: tokens}),
	})
	hs := httptest.NewServer(adapter.Handler())
	t.Cleanup(hs.Close)
	t.Cleanup(func() { adapter.Wait(10 * time.Second) })
	s.SetBot(hs.URL + "/api/messages")

	ana := s.AddUser("Ana Lima", "ana.lima@nhs.net")
	if _, err := ana.InstallPersonal(); err != nil {
		t.Fatal(err)
	}
	if _, err := ana.Say("help"); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for seen["teams response"] == 0 {
		select {
		case k := <-m.got:
			seen[k]++
		case <-time.After(30 * time.Second):
			t.Fatalf("no reply was timed: %v", seen)
		}
	}
	// The install and the message were each answered; the second ack
	// may come just after the reply.
	for seen["teams ack"] < 2 {
		select {
		case k := <-m.got:
			seen[k]++
		case <-time.After(30 * time.Second):
			t.Fatalf("the answers to Teams were not timed: %v", seen)
		}
	}
	for k := range seen {
		if k != "teams ack" && k != "teams response" {
			t.Errorf("recorded %q", k)
		}
	}
}
