package slack

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits are the Slack rate limits the bot paces its sending to. The zero
// value means Slack's published limits.
type Limits struct {
	// ConversationsOpenPerMinute is conversations.open's tier (tier 3: 50).
	ConversationsOpenPerMinute float64
	// PostMessagePerChannelPerSecond is chat.postMessage's limit in one
	// conversation (about 1).
	PostMessagePerChannelPerSecond float64
	// TimeScale divides every window, for tests that run Slack's limits on
	// a faster clock (10 makes a minute last six seconds). Zero means 1.
	TimeScale float64
}

func (l Limits) withDefaults() Limits {
	if l.ConversationsOpenPerMinute <= 0 {
		l.ConversationsOpenPerMinute = 50
	}
	if l.PostMessagePerChannelPerSecond <= 0 {
		l.PostMessagePerChannelPerSecond = 1
	}
	if l.TimeScale <= 0 {
		l.TimeScale = 1
	}
	return l
}

// openBurst is how many conversations.open calls may go at once before
// the rate applies.
const openBurst = 10

// pacer keeps sending within Slack's limits: a token bucket for
// conversations.open, and a gap between messages in one conversation.
type pacer struct {
	open    *rate.Limiter
	gap     time.Duration
	mu      sync.Mutex
	nextIn  map[string]time.Time // conversation -> earliest next message
	lastGC  time.Time
	blocked time.Time // after a 429, no call before this
}

// block holds every call back until t: Slack's Retry-After applies to the
// whole app, not one request.
func (p *pacer) block(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.After(p.blocked) {
		p.blocked = t
	}
}

// waitBlocked waits out a 429's Retry-After.
func (p *pacer) waitBlocked(ctx context.Context) error {
	p.mu.Lock()
	until := p.blocked
	p.mu.Unlock()
	return waitUntil(ctx, until)
}

func waitUntil(ctx context.Context, t time.Time) error {
	wait := time.Until(t)
	if wait <= 0 {
		return nil
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func newPacer(l Limits) *pacer {
	l = l.withDefaults()
	perSecond := l.ConversationsOpenPerMinute / 60 * l.TimeScale
	return &pacer{
		// Slack's tiers allow short bursts above the rate, not sustained
		// ones: a small round goes out at once, a large one at the rate.
		open:   rate.NewLimiter(rate.Limit(perSecond), openBurst),
		gap:    time.Duration(float64(time.Second) / l.PostMessagePerChannelPerSecond / l.TimeScale),
		nextIn: map[string]time.Time{},
	}
}

// waitOpen waits for a conversations.open slot.
func (p *pacer) waitOpen(ctx context.Context) error {
	if err := p.open.Wait(ctx); err != nil {
		return err
	}
	return p.waitBlocked(ctx)
}

// waitPost waits until a message may be posted in channel.
func (p *pacer) waitPost(ctx context.Context, channel string) error {
	p.mu.Lock()
	now := time.Now()
	at := p.nextIn[channel]
	if at.Before(now) {
		at = now
	}
	p.nextIn[channel] = at.Add(p.gap)
	if now.Sub(p.lastGC) > time.Minute {
		for ch, t := range p.nextIn {
			if t.Before(now) {
				delete(p.nextIn, ch)
			}
		}
		p.lastGC = now
	}
	p.mu.Unlock()
	if err := waitUntil(ctx, at); err != nil {
		return err
	}
	return p.waitBlocked(ctx)
}
