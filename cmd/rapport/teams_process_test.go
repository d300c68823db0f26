package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/bot/teams/teamstest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// holdingProxy stands between the bot and the stand-in's Connector. Once
// hold is called, each message the bot sends reaches Teams (the stand-in
// shows it to the member) but Teams' answer is held back from the bot
// until it gives up: the bot cannot know the message arrived.
type holdingProxy struct {
	hs     *httptest.Server
	target string
	client *http.Client

	mu      sync.Mutex
	holding bool
	held    int
	changed chan struct{}
	release chan struct{}
	active  sync.WaitGroup
}

func newHoldingProxy(t testing.TB, target string) *holdingProxy {
	p := &holdingProxy{target: target, client: &http.Client{}, changed: make(chan struct{}), release: make(chan struct{})}
	p.hs = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(func() {
		p.letGo()
		p.hs.Close()
	})
	return p
}

// ServiceURL is the Connector base URL through the proxy.
func (p *holdingProxy) ServiceURL() string { return p.hs.URL + "/teams/" }

func (p *holdingProxy) serve(w http.ResponseWriter, r *http.Request) {
	p.active.Add(1)
	defer p.active.Done()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	req, err := http.NewRequestWithContext(context.WithoutCancel(r.Context()), r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := p.client.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	send := r.Method == http.MethodPost && strings.HasSuffix(strings.SplitN(r.URL.Path, ";", 2)[0], "/activities")
	p.mu.Lock()
	hold := p.holding && send && resp.StatusCode/100 == 2
	if hold {
		p.held++
		close(p.changed)
		p.changed = make(chan struct{})
	}
	p.mu.Unlock()
	if hold {
		select {
		case <-p.release:
		case <-r.Context().Done():
		}
		return // the bot never hears that the message arrived
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(answer)
}

// hold holds every later send's answer and returns once n are held.
func (p *holdingProxy) hold(t testing.TB, n int) {
	t.Helper()
	p.mu.Lock()
	p.holding = true
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		p.mu.Lock()
		held, ch := p.held, p.changed
		p.mu.Unlock()
		if held >= n {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("only %d sends were held, want %d", held, n)
		}
	}
}

// letGo stops holding, waits for every request under way to end, and
// returns how many sends were held.
func (p *holdingProxy) letGo() int {
	p.mu.Lock()
	if p.holding {
		p.holding = false
		close(p.release)
	}
	p.mu.Unlock()
	p.active.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held
}

// seedTeamsMembers adds n members to the tenant, in one team that has
// the app, and to the database as joined Teams members whose roster
// entries the bot read when the team added it, with Teams' service URL
// serviceURL.
func seedTeamsMembers(t testing.TB, s *teamstest.Server, target storagetest.Target, n int, serviceURL string) []*teamstest.User {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, target.URL, target.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	topics := append(append([]string{}, bot.ClinicalTopics...), bot.WorkTopics...)
	var users []*teamstest.User
	for i := range n {
		name := fmt.Sprintf("Member%d Surname", i)
		u := s.AddUser(name, fmt.Sprintf("member%d@nhs.net", i))
		users = append(users, u)
		o := i % len(seedOrgs)
		m := bottest.Member(t, bottest.Platform("teams"), bottest.UserID(u.ID), bottest.Name(name),
			bottest.Org(seedOrgs[o]), bottest.Sector(seedSectors[o]), bottest.Role(seedRoles[o]),
			bottest.Interests(topics[i%len(topics)], "Cycling"), bottest.Offers(topics[(i+3)%len(topics)]),
			bottest.Asks(topics[(i+5)%len(topics)]), bottest.Bio(fmt.Sprintf("Bio of member %d", i)))
		if err := db.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveAccount(ctx, bot.Account{Platform: "teams", UserID: u.ID, ObjectID: u.ObjectID, PrincipalName: u.UPN,
			TenantID: s.TenantID(), ServiceURL: serviceURL, UpdatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	// The app is in the members' team. No bot listens yet, so Teams'
	// install events go nowhere; the accounts above are what the bot
	// read from the roster then.
	if _, err := s.AddTeam("Northfield PCN", users...).Install(""); err != nil && !errors.Is(err, teamstest.ErrNoBot) {
		t.Fatalf("installing the team: %v", err)
	}
	return users
}

// startBinary runs the rapport binary's serve with env.
func startBinary(t *testing.T, env map[string]string) *process {
	t.Helper()
	cmd := exec.Command(rapportBinary(t), "serve")
	env["PATH"] = os.Getenv("PATH")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &process{cmd: cmd, log: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.stop)
	return p
}

// Teams gives a bot no way to read back what it sent, so the bot records
// each copy of an intro as soon as Teams accepts it. Killed while Teams
// has accepted copies it has not heard about, and started again, it sends
// every member their copy, and sends again only those that were in flight
// at the kill: at most one duplicate each, none for any other.
func TestTeamsKilledMidDeliveryEveryMemberGetsTheirIntro(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			const members = 200 // 100 intros, 200 copies
			s := teamstest.New()
			t.Cleanup(s.Close)
			proxy := newHoldingProxy(t, s.URL())
			users := seedTeamsMembers(t, s, target, members, proxy.ServiceURL())
			env := func() map[string]string {
				env := teamsEnv(s, target)
				env["RAPPORT_CLAIM_TIMEOUT"] = "2s"
				env["RAPPORT_LOG_LEVEL"] = "info"
				return env
			}

			first := startBinary(t, env())
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			if err := s.Wait(ctx, func() bool { return s.Count("send") >= 60 }); err != nil {
				t.Fatalf("%d copies sent before the kill, want 60: %v\n%s", s.Count("send"), err, first.log.String())
			}
			// Every one of the outbox's workers is now waiting for Teams to
			// answer a send that Teams has already shown to the member; each
			// recorded its earlier copies before sending this one, so these
			// are the only copies shown and not recorded.
			proxy.hold(t, teamsDeliveryWorkers)
			if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = first.cmd.Wait()
			inFlight := proxy.letGo()
			sentAtKill := s.Count("send")
			t.Logf("killed with %d of %d copies shown to members, %d of them in flight (shown, not heard of by the bot)", sentAtKill, members, inFlight)
			if sentAtKill >= members {
				t.Fatalf("delivery finished before the kill; the test proved nothing")
			}

			second := startBinary(t, env())
			if err := s.Wait(ctx, func() bool {
				for _, u := range users {
					if len(u.Messages()) == 0 {
						return false
					}
				}
				return true
			}); err != nil {
				missing := 0
				for _, u := range users {
					if len(u.Messages()) == 0 {
						missing++
					}
				}
				t.Fatalf("after the restart %d members still have no intro: %v\n%s", missing, err, second.log.String())
			}
			// The database counts every intro delivered once all copies are
			// recorded; then nothing is on its way and the count is final.
			db := storagetest.MustOpenDB(t, target)
			var st *bot.Stats
			for {
				var err error
				st, err = db.RoundStats(context.Background(), time.Now(), 4)
				if err != nil {
					t.Fatal(err)
				}
				if len(st.Recent) == 1 && st.Recent[0].Delivered >= members/2 || ctx.Err() != nil {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			second.stop()
			if st.Rounds != 1 || len(st.Recent) != 1 || st.Recent[0].Delivered != members/2 {
				t.Errorf("database: %d rounds, recent %+v; want 1 round with %d intros delivered", st.Rounds, st.Recent, members/2)
			}

			none, twice, more := 0, 0, 0
			for _, u := range users {
				n := 0
				for _, m := range u.Messages() {
					if strings.Contains(m.CardText(), bot.StartChatLabel) {
						n++
					}
				}
				switch {
				case n == 0:
					none++
				case n == 2:
					twice++
				case n > 2:
					more++
				}
				if n != len(u.Messages()) {
					t.Errorf("%s got %d messages, %d of them intros: something else was sent", u.Name, len(u.Messages()), n)
				}
			}
			t.Logf("after the restart: %d members, %d copies shown in all; %d members got none, %d got their copy twice, %d more than twice (%d copies were in flight at the kill)",
				members, s.Count("send"), none, twice, more, inFlight)
			if none != 0 || more != 0 {
				t.Errorf("%d members got no intro and %d got more than two copies", none, more)
			}
			if twice > inFlight {
				t.Errorf("%d members got a second copy, but only %d copies were in flight at the kill", twice, inFlight)
			}
			if inFlight == 0 {
				t.Errorf("no copy was in flight at the kill: the test proved less than it should")
			}
		})
	}
}
