package teamstest

import (
	"log/slog"
	"time"
)

// Option configures a Server created by New.
type Option func(*config)

// config holds everything an Option can change; defaults are in
// defaultConfig.
type config struct {
	appID    string
	password string
	tenantID string
	botName  string

	now           func() time.Time
	logger        *slog.Logger
	seed          uint64
	limits        *Limits
	tokenLifetime time.Duration

	invokeTimeout   time.Duration
	activityTimeout time.Duration
}

func defaultConfig() config {
	return config{
		appID:           "00000000-0000-4000-8000-00000000a99d",
		password:        "teamstest-app-password",
		tenantID:        "00000000-0000-4000-8000-0000000e0001",
		botName:         "rapport",
		now:             time.Now,
		seed:            1,
		tokenLifetime:   time.Hour,
		invokeTimeout:   5 * time.Second,
		activityTimeout: 15 * time.Second,
	}
}

// WithApp sets the bot's Microsoft App ID, its client secret and the
// Entra tenant of the single-tenant app registration. The token endpoint
// accepts only these; signed activities carry the app ID as audience and
// the tenant in channelData.tenant.id.
func WithApp(appID, password, tenantID string) Option {
	return func(c *config) { c.appID, c.password, c.tenantID = appID, password, tenantID }
}

// WithBotName sets the bot's display name, used in activities' recipient
// and in channel @mentions. The default is "rapport".
func WithBotName(name string) Option {
	return func(c *config) { c.botName = name }
}

// WithClock makes the server read the time from now instead of time.Now.
// It drives activity timestamps and the lifetimes of issued access tokens
// and of the tokens that sign activities. Rate limits and the bot's answer
// deadlines always use real time.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithLogger makes the server log what it serves to logger (never tokens
// or message text). By default it logs nothing.
func WithLogger(logger *slog.Logger) Option {
	return func(c *config) { c.logger = logger }
}

// WithSeed seeds the random source behind generated IDs, so runs are
// repeatable. The default seed is 1.
func WithSeed(seed uint64) Option {
	return func(c *config) { c.seed = seed }
}

// WithLimits makes the server enforce Teams' rate limits, answering 429
// with Retry-After when the bot goes over one. A nil *Limits means
// DefaultLimits. Without this option nothing is rate limited.
func WithLimits(l *Limits) Option {
	return func(c *config) {
		if l == nil {
			l = DefaultLimits()
		}
		cp := *l
		c.limits = &cp
	}
}

// WithTokenLifetime sets how long access tokens from the token endpoint
// live (expires_in). The default is 3600 seconds, as Entra issues them.
func WithTokenLifetime(d time.Duration) Option {
	return func(c *config) { c.tokenLifetime = d }
}

// WithBotDeadlines sets how long the server waits for the bot to answer an
// invoke and any other activity. Teams waits 5 and 15 seconds, the
// defaults; tests of a slow bot may shorten them.
func WithBotDeadlines(invoke, other time.Duration) Option {
	return func(c *config) { c.invokeTimeout, c.activityTimeout = invoke, other }
}
