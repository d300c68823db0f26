package slacktest

import (
	"sync"
	"time"
)

// RateLimit is one method's allowance: at most Limit calls in any Window,
// counted per workspace or, with PerChannel, per channel parameter.
type RateLimit struct {
	Limit      int
	Window     time.Duration
	PerChannel bool
}

// RateLimits configures WithRateLimits. Slack's windows are long (a minute
// for the tiers), so Scale shrinks them: a window lasts Window*Scale of real
// time. With Scale 0.01, tier 3 (50 calls a minute) allows 50 calls in
// 0.6 s. A zero Scale means 1.
type RateLimits struct {
	Scale float64
	// Methods overrides or extends DefaultRateLimits, per method name.
	Methods map[string]RateLimit
}

// Slack's published tiers, in calls per minute.
var (
	tier1 = RateLimit{Limit: 1, Window: time.Minute}
	tier3 = RateLimit{Limit: 50, Window: time.Minute}
	tier4 = RateLimit{Limit: 100, Window: time.Minute}
)

// DefaultRateLimits returns Slack's documented limits for the methods the
// workspace serves: tiers per method, and about one message per second per
// channel for chat.postMessage (Slack allows short bursts; this does not).
func DefaultRateLimits() map[string]RateLimit {
	return map[string]RateLimit{
		"apps.connections.open": tier1,
		"auth.test":             tier4,
		"views.open":            tier4,
		"views.push":            tier4,
		"views.update":          tier4,
		"views.publish":         tier4,
		"chat.postMessage":      {Limit: 1, Window: time.Second, PerChannel: true},
		"chat.postEphemeral":    tier4,
		"chat.update":           tier3,
		"chat.delete":           tier3,
		"conversations.open":    tier3,
		"conversations.history": tier3,
		"users.info":            tier4,
	}
}

// rateLimiter keeps a sliding window of call times per method (and channel).
type rateLimiter struct {
	mu     sync.Mutex
	scale  float64
	limits map[string]RateLimit
	seen   map[string][]time.Time
}

func newRateLimiter(cfg RateLimits) *rateLimiter {
	limits := DefaultRateLimits()
	for m, l := range cfg.Methods {
		limits[m] = l
	}
	scale := cfg.Scale
	if scale <= 0 {
		scale = 1
	}
	return &rateLimiter{scale: scale, limits: limits, seen: map[string][]time.Time{}}
}

// allow records a call at now, or reports how long until one would be
// allowed if the method is over its limit.
func (l *rateLimiter) allow(method, channel string, now time.Time) (wait time.Duration, limited bool) {
	limit, ok := l.limits[method]
	if !ok || limit.Limit <= 0 {
		return 0, false
	}
	key := method
	if limit.PerChannel {
		key += "|" + channel
	}
	window := time.Duration(float64(limit.Window) * l.scale)
	l.mu.Lock()
	defer l.mu.Unlock()
	times := l.seen[key]
	for len(times) > 0 && now.Sub(times[0]) >= window {
		times = times[1:]
	}
	if len(times) >= limit.Limit {
		l.seen[key] = times
		return times[0].Add(window).Sub(now), true
	}
	l.seen[key] = append(times, now)
	return 0, false
}
