// Package teamstest serves, on loopback, Microsoft Teams and the Bot
// Framework as a Teams bot sees them: the OpenID metadata and signing keys
// the bot verifies activities with, the Entra token endpoint it gets its
// outbound token from, and the Bot Connector REST API under a service URL
// (conversations, activities, members, teams), with Teams' rate and size
// limits. Activities from simulated users (install, messages, card
// buttons, dialogs) are signed as the Bot Framework signs them and posted
// to the bot's messaging endpoint.
//
// A test starts a Server (New), points it at the bot (SetBot), gives the
// bot MetadataURL, TokenURL and the app's credentials, adds users and
// teams (AddUser, AddTeam), and drives them (InstallPersonal, Say,
// SayInChannel, Press, Dialog.Submit, Team.Install). It reads back what
// the bot posted (User.Messages, Channel.Messages, Message.CardText,
// Message.Link), what it asked of the Connector (Requests, Count,
// RateLimited, PeakRate), and breaks things on purpose (Fail, Block,
// ExpireTokens, RotateKeys, SignToken with Post).
//
// It is written from Microsoft's documentation of the Bot Connector API,
// Bot Framework authentication, Teams conversation events, Universal
// Actions and Teams' rate limits. The package does not import testing, so
// a demo can run a Server in-process. All methods are safe for concurrent
// use.
package teamstest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrClosed is returned by waiting methods once the server is closed.
var ErrClosed = errors.New("teamstest: server closed")

// ErrNotFound is returned when a user, message, button or input named by
// a test does not exist.
var ErrNotFound = errors.New("teamstest: not found")

// Issuer is the issuer of every token that signs an activity sent to a
// bot, and the issuer in the OpenID metadata.
const Issuer = "https://api.botframework.com"

// Scope is the only scope the token endpoint issues tokens for.
const Scope = "https://api.botframework.com/.default"

// Server is Teams and the Bot Framework on 127.0.0.1. Create it with New
// and stop it with Close.
type Server struct {
	cfg    config
	log    *slog.Logger
	hs     *httptest.Server
	client *http.Client
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change of state
	rng     *rand.Rand
	seq     int64

	botEndpoint string
	forgery     Forgery

	keys     []*signingKey // published in the JWKS, oldest first
	signer   *signingKey   // signs activities; endorsed for msteams
	other    *signingKey   // published, endorsed for another channel only
	keyCount int
	tokens   map[string]*issuedToken

	users    []*User
	teams    []*Team
	convs    map[string]*conversation
	blocked  map[string]bool
	faults   []*faultRule
	limiter  *limiter
	requests []Request
	limited  int
	problems []string
}

// New starts a server on a free loopback port. Call Close when done
// (t.Cleanup(s.Close)).
func New(opts ...Option) *Server {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	logger := cfg.logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:     cfg,
		log:     logger,
		ctx:     ctx,
		cancel:  cancel,
		changed: make(chan struct{}),
		rng:     rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x7ea3)),
		tokens:  map[string]*issuedToken{},
		convs:   map[string]*conversation{},
		blocked: map[string]bool{},
		client:  &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
	}
	if cfg.limits != nil {
		s.limiter = newLimiter(*cfg.limits)
	}
	s.signer = s.newKeyLocked([]string{"msteams"})
	s.other = s.newKeyLocked([]string{"webchat"})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/.well-known/openidconfiguration", s.serveMetadata)
	mux.HandleFunc("GET /v1/.well-known/keys", s.serveKeys)
	mux.HandleFunc("/teams/", s.serveConnector)
	mux.HandleFunc("/", s.serveToken) // /{tenant}/oauth2/v2.0/token
	s.hs = httptest.NewServer(mux)
	s.log.Info("teamstest: listening", "url", s.hs.URL)
	return s
}

// Close stops the server and releases every waiting call with ErrClosed.
// It is safe to call more than once.
func (s *Server) Close() {
	s.cancel()
	s.hs.Close()
	s.client.CloseIdleConnections()
}

// URL returns the server's base URL, http://127.0.0.1:PORT.
func (s *Server) URL() string { return s.hs.URL }

// MetadataURL returns the OpenID metadata URL, the stand-in for
// https://login.botframework.com/v1/.well-known/openidconfiguration.
func (s *Server) MetadataURL() string { return s.hs.URL + "/v1/.well-known/openidconfiguration" }

// JWKSURL returns the URL of the signing keys (the metadata's jwks_uri).
func (s *Server) JWKSURL() string { return s.hs.URL + "/v1/.well-known/keys" }

// TokenURL returns the token endpoint for the app's tenant,
// URL()/{tenant}/oauth2/v2.0/token.
func (s *Server) TokenURL() string { return s.TokenURLFor(s.cfg.tenantID) }

// TokenURLFor returns the token endpoint for another tenant, for example
// "botframework.com", which a single-tenant app cannot use.
func (s *Server) TokenURLFor(tenant string) string {
	return s.hs.URL + "/" + tenant + "/oauth2/v2.0/token"
}

// ServiceURL returns the Connector base URL every activity carries as
// serviceUrl, URL()/teams/, with the trailing slash Teams' has.
func (s *Server) ServiceURL() string { return s.hs.URL + "/teams/" }

// AppID returns the bot's Microsoft App ID.
func (s *Server) AppID() string { return s.cfg.appID }

// AppPassword returns the client secret the token endpoint accepts.
func (s *Server) AppPassword() string { return s.cfg.password }

// TenantID returns the Entra tenant of the app and of every user.
func (s *Server) TenantID() string { return s.cfg.tenantID }

// BotID returns the bot's Teams ID, "28:" and the app ID.
func (s *Server) BotID() string { return "28:" + s.cfg.appID }

// BotName returns the bot's display name.
func (s *Server) BotName() string { return s.cfg.botName }

// SetBot sets the bot's messaging endpoint, for example
// http://127.0.0.1:PORT/api/messages. Activities are posted there.
func (s *Server) SetBot(endpoint string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.botEndpoint = endpoint
}

func (s *Server) now() time.Time { return s.cfg.now() }

// notifyLocked wakes every waiter. The caller holds s.mu.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Wait waits until cond returns true, evaluating it again after every
// change on the server (a request answered, a message posted or changed).
// cond runs without the server's lock, so it may call its accessors.
func (s *Server) Wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.ctx.Done():
			return ErrClosed
		}
	}
}

// nextIDLocked returns a message ID shaped as Teams' are: a number that
// looks like a millisecond timestamp and grows with every message.
func (s *Server) nextIDLocked() string {
	s.seq++
	return strconv.FormatInt(1_764_000_000_000+s.seq, 10)
}

// hexLocked returns n hex digits from the seeded source.
func (s *Server) hexLocked(n int) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	for range n {
		b.WriteByte(digits[s.rng.IntN(16)])
	}
	return b.String()
}

// guidLocked returns a version-4-shaped GUID from the seeded source.
func (s *Server) guidLocked() string {
	h := s.hexLocked(32)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// opaqueLocked returns n characters of Teams-looking opaque ID text.
func (s *Server) opaqueLocked(n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var b strings.Builder
	for range n {
		b.WriteByte(chars[s.rng.IntN(len(chars))])
	}
	return b.String()
}

// problemLocked records a way the bot broke a Teams rule that Teams
// tolerates or that only shows on screen.
func (s *Server) problemLocked(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.problems = append(s.problems, msg)
	s.log.Warn("teamstest: outside Teams' rules", "problem", msg)
}

// Problems returns every breach of Teams' rules the server saw that Teams
// would not refuse outright, oldest first: a card above version 1.5, a
// card attachment that is not an Adaptive Card object. Tests should
// expect none.
func (s *Server) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.problems...)
}
