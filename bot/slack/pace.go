package slack

import (
	"context"
	"sync"
	"time"

	"github.com/rapport-pcn/rapport/bot"
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

// margin widens each window a little, so that the bot's count and
// Slack's, which sees each call a moment later (and some calls later than
// others), never disagree.
func margin(span time.Duration) time.Duration { return span + span*3/100 + 25*time.Millisecond }

// pacer keeps sending within Slack's limits, which Slack counts over a
// sliding window: at most N calls of a method in any minute, and about one
// message a second in one conversation.
type pacer struct {
	open   *window
	gap    time.Duration
	mu     sync.Mutex
	nextIn map[string]time.Time // conversation -> earliest next message
	lastGC time.Time
	// pause is Slack's pause after a 429: Slack's Retry-After applies to
	// the whole app, not one request, so no call is made before it ends.
	// The bot.Delivery holds it; the pacer only waits.
	pause *bot.Pause
}

func newPacer(l Limits, pause *bot.Pause) *pacer {
	l = l.withDefaults()
	// Slack counts calls a minute; a smaller whole number of calls over a
	// proportionally shorter span is the same rate with shorter bursts.
	span := time.Duration(float64(time.Minute) / l.TimeScale)
	return &pacer{
		open:   newWindow(int(l.ConversationsOpenPerMinute), margin(span)),
		gap:    margin(time.Duration(float64(time.Second) / l.PostMessagePerChannelPerSecond / l.TimeScale)),
		nextIn: map[string]time.Time{},
		pause:  pause,
	}
}

// window allows at most limit calls in any span of time.
type window struct {
	mu    sync.Mutex
	limit int
	span  time.Duration
	times []time.Time // the calls within the last span, oldest first
}

func newWindow(limit int, span time.Duration) *window {
	return &window{limit: max(limit, 1), span: span}
}

// wait returns when a call may be made, and counts it.
func (w *window) wait(ctx context.Context) error {
	for {
		w.mu.Lock()
		now := time.Now()
		drop := 0
		for drop < len(w.times) && now.Sub(w.times[drop]) >= w.span {
			drop++
		}
		w.times = w.times[drop:]
		if len(w.times) < w.limit {
			w.times = append(w.times, now)
			w.mu.Unlock()
			return nil
		}
		next := w.times[0].Add(w.span)
		w.mu.Unlock()
		if err := waitUntil(ctx, next); err != nil {
			return err
		}
	}
}

// waitBlocked waits out a 429's Retry-After.
func (p *pacer) waitBlocked(ctx context.Context) error {
	return p.pause.Wait(ctx)
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

// waitOpen waits for a conversations.open slot. A 429's pause is waited
// out first: a slot taken before it would be spent after it, together
// with every other, in one burst that Slack would refuse.
func (p *pacer) waitOpen(ctx context.Context) error {
	for {
		if err := p.waitBlocked(ctx); err != nil {
			return err
		}
		if err := p.open.wait(ctx); err != nil {
			return err
		}
		if !p.isBlocked() {
			return nil
		}
	}
}

func (p *pacer) isBlocked() bool {
	return time.Now().Before(p.pause.Until())
}

// waitPost waits until a message may be posted in channel.
func (p *pacer) waitPost(ctx context.Context, channel string) error {
	if err := p.waitBlocked(ctx); err != nil {
		return err
	}
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
