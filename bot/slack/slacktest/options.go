package slacktest

import (
	"log/slog"
	"time"
)

// Option configures a Workspace created by New.
type Option func(*config)

// config holds everything an Option can change. Defaults are set in
// defaultConfig.
type config struct {
	teamID            string
	teamDomain        string
	teamName          string
	appID             string
	botUserID         string
	botID             string
	botName           string
	botToken          string
	appToken          string
	verificationToken string

	pingInterval    time.Duration
	triggerTTL      time.Duration
	ackTimeout      time.Duration
	disconnectGrace time.Duration

	now    func() time.Time
	logger *slog.Logger
	seed   uint64

	rateLimits *RateLimits
	// events are the bot events the app subscribes to, beyond the ones
	// the driving helpers send (see WithEventSubscriptions).
	events map[string]bool
}

func defaultConfig() config {
	return config{
		teamID:            "T0000PCN01",
		teamDomain:        "rapport-pcn",
		teamName:          "Rapport PCN",
		appID:             "A0000RAPP1",
		botUserID:         "U0000RAPP1",
		botID:             "B0000RAPP1",
		botName:           "rapport",
		botToken:          "xoxb-0000000001-0000000002-slacktestbottoken",
		appToken:          "xapp-1-A0000RAPP1-0000000003-slacktestapptoken",
		verificationToken: "slacktestverificationtok",
		pingInterval:      time.Second,
		triggerTTL:        3 * time.Second,
		ackTimeout:        3 * time.Second,
		disconnectGrace:   time.Second,
		now:               time.Now,
		seed:              1,
	}
}

// WithTeam sets the workspace's team ID, domain and display name.
func WithTeam(id, domain, name string) Option {
	return func(c *config) {
		c.teamID, c.teamDomain, c.teamName = id, domain, name
	}
}

// WithApp sets the app ID and the bot's user ID, bot ID and user name, as
// auth.test and every payload report them.
func WithApp(appID, botUserID, botID, botName string) Option {
	return func(c *config) {
		c.appID, c.botUserID, c.botID, c.botName = appID, botUserID, botID, botName
	}
}

// WithTokens sets the bot token (xoxb-...) the Web API accepts and the
// app-level token (xapp-...) apps.connections.open accepts.
func WithTokens(botToken, appToken string) Option {
	return func(c *config) {
		c.botToken, c.appToken = botToken, appToken
	}
}

// WithPingInterval sets how often the workspace sends WebSocket pings on
// each Socket Mode connection. The default is one second; slack-go's client
// reconnects when no ping arrives within its own interval (30 s by default).
func WithPingInterval(d time.Duration) Option {
	return func(c *config) { c.pingInterval = d }
}

// WithTriggerTTL sets how long a trigger_id can be exchanged for a view.
// Slack uses three seconds, which is the default.
func WithTriggerTTL(d time.Duration) Option {
	return func(c *config) { c.triggerTTL = d }
}

// WithAckTimeout sets how long the driving helpers (SlashCommand,
// ClickButton, SubmitView, Redeliver) wait for the bot's ack before they
// return ErrNoAck. Slack shows the user an error after three seconds, the
// default.
func WithAckTimeout(d time.Duration) Option {
	return func(c *config) { c.ackTimeout = d }
}

// WithDisconnectGrace sets how long after a disconnect envelope the
// workspace closes a connection the client has not closed itself.
func WithDisconnectGrace(d time.Duration) Option {
	return func(c *config) { c.disconnectGrace = d }
}

// WithClock makes the workspace read the time from now instead of
// time.Now. It drives trigger expiry, message timestamps and view hashes;
// socket pings, ack latencies and rate limits always use real time.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithLogger makes the workspace log what it serves to logger. By default
// it logs nothing.
func WithLogger(logger *slog.Logger) Option {
	return func(c *config) { c.logger = logger }
}

// WithSeed seeds the random source behind generated IDs and fault shares,
// so runs are repeatable.
func WithSeed(seed uint64) Option {
	return func(c *config) { c.seed = seed }
}

// WithRateLimits makes the workspace enforce Slack's per-method rate limits,
// answering 429 with Retry-After when a method is called too often. See
// RateLimits.
func WithRateLimits(limits RateLimits) Option {
	return func(c *config) {
		l := limits
		c.rateLimits = &l
	}
}

// WithEventSubscriptions subscribes the app to bot events the workspace
// then sends by itself, as Slack does for an app whose manifest lists
// them. "message.im" sends a message event for every message posted in a
// direct message conversation, the bot's own included (they carry its
// bot_id), as Slack does. The events a test causes on purpose (OpenHome,
// SendDM, EditDM) are sent whatever this says.
func WithEventSubscriptions(events ...string) Option {
	return func(c *config) {
		if c.events == nil {
			c.events = map[string]bool{}
		}
		for _, e := range events {
			c.events[e] = true
		}
	}
}
