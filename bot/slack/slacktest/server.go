// Package slacktest serves, on loopback, a Slack workspace as a Socket Mode
// bot sees it: apps.connections.open and its WebSocket (hello, pings,
// disconnect, slash_commands, interactive and events_api envelopes), and the Web API
// methods the bot calls, with payloads shaped as Slack's documentation
// shows them.
//
// Tests drive the bot as a user would (SlashCommand, ClickButton,
// SubmitView, OpenHome, SendDM), read back what the bot did (Calls,
// Messages, DMs, OpenViews, LastEphemeral, HomeView, PublishedHomes) and break things on purpose (FailNext, RateLimitNext,
// DropSockets, Disconnect, PausePings). The package does not import
// testing, so a demo binary can run a Workspace in-process.
package slacktest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// ErrClosed is returned by waiting methods when the workspace is closed.
var ErrClosed = errors.New("slacktest: workspace closed")

// Workspace is a Slack workspace served on 127.0.0.1. Create it with New and
// stop it with Close. All methods are safe for concurrent use.
type Workspace struct {
	cfg config
	log *slog.Logger

	ln      net.Listener
	srv     *http.Server
	baseURL string

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change of state
	rng     *rand.Rand
	seq     int
	lastTS  int64

	users      map[string]*User
	channels   map[string]*channel
	convs      map[string]string // sorted member set -> IM or MPIM channel ID
	messages   map[string][]*Message
	ephemerals []EphemeralMessage
	views      map[string]*viewState
	stacks     map[string][]string   // user ID -> open view IDs, root first
	homes      map[string]*viewState // user ID -> their Home tab
	published  map[string][]View     // user ID -> every views.publish, oldest first
	triggers   map[string]*trigger
	responses  map[string]responseTarget

	tickets     map[string]bool
	conns       map[int]*socketConn
	connSeq     int
	hellos      int
	pingsPaused bool

	deliveries    map[string]*delivery
	deliveryOrder []string
	strayAcks     []Ack
	violations    []string

	calls   []Call
	faults  []*faultRule
	limiter *rateLimiter
}

// New starts a workspace on 127.0.0.1 on a free port. It panics if it cannot
// listen, as httptest.NewServer does. Call Close when done (t.Cleanup(ws.Close)).
func New(opts ...Option) *Workspace {
	cfg := defaultConfig()
	for _, opt := range opts {
		opt(&cfg)
	}
	logger := cfg.logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("slacktest: listen on loopback: %v", err))
	}
	ctx, cancel := context.WithCancel(context.Background())
	ws := &Workspace{
		cfg:        cfg,
		log:        logger,
		ln:         ln,
		baseURL:    "http://" + ln.Addr().String(),
		ctx:        ctx,
		cancel:     cancel,
		changed:    make(chan struct{}),
		rng:        rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x5eed)),
		users:      map[string]*User{},
		channels:   map[string]*channel{},
		convs:      map[string]string{},
		messages:   map[string][]*Message{},
		views:      map[string]*viewState{},
		stacks:     map[string][]string{},
		homes:      map[string]*viewState{},
		published:  map[string][]View{},
		triggers:   map[string]*trigger{},
		responses:  map[string]responseTarget{},
		tickets:    map[string]bool{},
		conns:      map[int]*socketConn{},
		deliveries: map[string]*delivery{},
	}
	if cfg.rateLimits != nil {
		ws.limiter = newRateLimiter(*cfg.rateLimits)
	}
	ws.users[cfg.botUserID] = &User{
		ID: cfg.botUserID, Name: cfg.botName, RealName: cfg.botName,
		DisplayName: cfg.botName, TZ: "Europe/London", IsBot: true,
	}
	ws.channels[DefaultChannelID] = &channel{ID: DefaultChannelID, Name: "general", Kind: kindChannel}

	mux := http.NewServeMux()
	mux.HandleFunc("/api/", ws.serveAPI)
	mux.HandleFunc("/link/", ws.serveSocket)
	mux.HandleFunc("/respond/", ws.serveResponseURL)
	ws.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	ws.wg.Go(func() {
		if err := ws.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			ws.log.Error("slacktest: serve", "err", err)
		}
	})
	ws.log.Info("slacktest: workspace listening", "url", ws.baseURL)
	return ws
}

// Close stops the server, closes every Socket Mode connection, releases
// every waiting call with ErrClosed and waits for the workspace's
// goroutines to end. It is safe to call more than once.
func (ws *Workspace) Close() {
	ws.cancel()
	_ = ws.srv.Close()
	ws.mu.Lock()
	conns := make([]*socketConn, 0, len(ws.conns))
	for _, c := range ws.conns {
		conns = append(conns, c)
	}
	ws.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
	ws.wg.Wait()
}

// APIURL returns the Web API base URL, http://127.0.0.1:PORT/api/, with the
// trailing slash slack.OptionAPIURL needs.
func (ws *Workspace) APIURL() string { return ws.baseURL + "/api/" }

// AppToken returns the app-level token (xapp-...) apps.connections.open accepts.
func (ws *Workspace) AppToken() string { return ws.cfg.appToken }

// BotToken returns the bot token (xoxb-...) the other Web API methods accept.
func (ws *Workspace) BotToken() string { return ws.cfg.botToken }

// TeamID returns the workspace's team ID.
func (ws *Workspace) TeamID() string { return ws.cfg.teamID }

// AppID returns the app's ID, as sent in api_app_id and connection_info.
func (ws *Workspace) AppID() string { return ws.cfg.appID }

// BotUserID returns the bot's user ID.
func (ws *Workspace) BotUserID() string { return ws.cfg.botUserID }

// now reads the workspace clock.
func (ws *Workspace) now() time.Time { return ws.cfg.now() }

// notifyLocked wakes every waiter. The caller holds ws.mu.
func (ws *Workspace) notifyLocked() {
	close(ws.changed)
	ws.changed = make(chan struct{})
}

// waitLocked waits until check, called with ws.mu held, returns true.
func (ws *Workspace) waitLocked(ctx context.Context, check func() bool) error {
	for {
		ws.mu.Lock()
		ok := check()
		ch := ws.changed
		ws.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-ws.ctx.Done():
			return ErrClosed
		}
	}
}

// Wait waits until cond returns true, evaluating it again after every change
// in the workspace (a call, an ack, a connection). cond runs without the
// workspace's lock, so it may call the workspace's accessors.
func (ws *Workspace) Wait(ctx context.Context, cond func() bool) error {
	for {
		ws.mu.Lock()
		ch := ws.changed
		ws.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-ws.ctx.Done():
			return ErrClosed
		}
	}
}

// newIDLocked returns a Slack-looking ID with the given prefix (V, D, G...).
func (ws *Workspace) newIDLocked(prefix string) string {
	ws.seq++
	return fmt.Sprintf("%s%010d", prefix, ws.seq)
}

// randomHexLocked returns n random hex digits from the seeded source.
func (ws *Workspace) randomHexLocked(n int) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	for range n {
		b.WriteByte(digits[ws.rng.IntN(16)])
	}
	return b.String()
}

// newTSLocked returns a message timestamp ("1503435956.000247") from the
// workspace clock, strictly increasing as Slack's are within a channel.
func (ws *Workspace) newTSLocked() string {
	micros := ws.now().UnixMicro()
	if micros <= ws.lastTS {
		micros = ws.lastTS + 1
	}
	ws.lastTS = micros
	return fmt.Sprintf("%d.%06d", micros/1_000_000, micros%1_000_000)
}

// envelopeIDLocked returns a UUID-shaped envelope ID as Slack sends them.
func (ws *Workspace) envelopeIDLocked() string {
	h := ws.randomHexLocked(32)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-" + h[16:20] + "-" + h[20:32]
}
