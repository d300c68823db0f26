package teams

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// Window is one of Teams' sliding limits: at most N calls in any span of
// Per.
type Window struct {
	N   int
	Per time.Duration
}

// Limits are the Teams rate limits the bot paces its calls to. The zero
// value means Teams' published limits.
type Limits struct {
	// PerConversation are the limits of one bot in one conversation
	// (default 7 a second, 8 in two seconds, 60 in 30 seconds, 1,800 an
	// hour). Creating a conversation counts the same way, keyed by the
	// user it is created with.
	PerConversation []Window
	// PerTenantPerSecond is the limit of all the app's calls in one tenant
	// (default 50).
	PerTenantPerSecond float64
	// TimeScale divides every window, for tests that run Teams' limits on a
	// faster clock (100 makes an hour last 36 seconds). Zero means 1.
	TimeScale float64
}

// DefaultPerConversation are Teams' published limits of one bot in one
// conversation, for sending and for creating conversations.
var DefaultPerConversation = []Window{
	{N: 7, Per: time.Second},
	{N: 8, Per: 2 * time.Second},
	{N: 60, Per: 30 * time.Second},
	{N: 1800, Per: time.Hour},
}

func (l Limits) withDefaults() Limits {
	if len(l.PerConversation) == 0 {
		l.PerConversation = DefaultPerConversation
	}
	if l.PerTenantPerSecond <= 0 {
		l.PerTenantPerSecond = 50
	}
	if l.TimeScale <= 0 {
		l.TimeScale = 1
	}
	return l
}

// margin widens each window a little, so that the bot's count and Teams',
// which sees each call a moment later (and some calls later than others),
// never disagree.
func margin(span time.Duration) time.Duration { return span + span*3/100 + 25*time.Millisecond }

// Pacer keeps the bot's calls within Teams' limits, which Teams counts
// over sliding windows per conversation and per tenant, and holds every
// call while the platform's pause after a 429 lasts. It is safe for
// concurrent use.
//
// Calls in one conversation take their turn one after another; a call
// first waits for its conversation's windows, then takes the next slot of
// the tenant's window, so a conversation that is busy for the hour does
// not hold back the others.
type Pacer struct {
	conv   []Window // scaled and widened
	global Window   // scaled and widened
	pause  *bot.Pause
	// keep is how long a conversation's calls matter: its longest window.
	keep time.Duration

	mu     sync.Mutex
	convs  map[string]*convPace
	slots  []time.Time // the tenant window's granted and reserved slots, in order
	lastGC time.Time
	// granted, when set, is told of each slot as it is granted, under the
	// lock (tests check the slots against every window).
	granted func(conversationID string, at time.Time)
}

// convPace is one conversation's recent calls.
type convPace struct {
	turn  chan struct{} // held by the one call in this conversation that is waiting
	times []time.Time   // calls within keep, oldest first
	users int           // calls holding or waiting for the turn
}

// NewPacer returns a pacer for l (zero fields take Teams' limits). pause
// is the platform's pause after a 429, which the Delivery and the
// Connector hold and every Wait waits out; nil makes one of its own.
func NewPacer(l Limits, pause *bot.Pause) *Pacer {
	l = l.withDefaults()
	if pause == nil {
		pause = &bot.Pause{}
	}
	scale := func(d time.Duration) time.Duration { return margin(time.Duration(float64(d) / l.TimeScale)) }
	p := &Pacer{pause: pause, convs: map[string]*convPace{}}
	for _, w := range l.PerConversation {
		sw := Window{N: max(w.N, 1), Per: scale(w.Per)}
		p.conv = append(p.conv, sw)
		p.keep = max(p.keep, sw.Per)
	}
	// A smaller whole number of calls over a proportionally shorter span
	// is the same rate with shorter bursts; at least one call per window.
	n := max(int(l.PerTenantPerSecond), 1)
	p.global = Window{N: n, Per: scale(time.Duration(float64(n) / l.PerTenantPerSecond * float64(time.Second)))}
	return p
}

// Pause returns the pause every Wait waits out.
func (p *Pacer) Pause() *bot.Pause { return p.pause }

// Wait returns when a call in conversationID may be made, and counts it:
// it waits for the platform's pause, for a slot in each of the
// conversation's windows and for one in the tenant's. An empty
// conversationID counts against the tenant's limit alone. It returns
// ctx's error if ctx ends first; a slot not used is given back.
func (p *Pacer) Wait(ctx context.Context, conversationID string) error {
	if conversationID == "" {
		return p.waitGlobal(ctx, nil, "")
	}
	c := p.enter(conversationID)
	defer p.leave(conversationID, c)
	select {
	case c.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c.turn }()
	for {
		if err := p.pause.Wait(ctx); err != nil {
			return err
		}
		p.mu.Lock()
		now := time.Now()
		c.times = trim(c.times, now, p.keep)
		at := now
		for _, w := range p.conv {
			at = laterOf(at, earliest(c.times, w))
		}
		p.mu.Unlock()
		if !at.After(now) {
			break
		}
		if err := sleepUntil(ctx, at); err != nil {
			return err
		}
	}
	// Only this call holds the conversation's turn, so its windows stay
	// open until the tenant's slot comes: counts only fall meanwhile.
	return p.waitGlobal(ctx, c, conversationID)
}

// waitGlobal takes the tenant window's next slot and waits for it; when c
// is set, the slot is counted in c too.
func (p *Pacer) waitGlobal(ctx context.Context, c *convPace, conversationID string) error {
	for {
		if err := p.pause.Wait(ctx); err != nil {
			return err
		}
		p.mu.Lock()
		now := time.Now()
		p.slots = trim(p.slots, now, p.global.Per)
		at := now
		if n := len(p.slots); n > 0 {
			at = laterOf(at, p.slots[n-1])
		}
		at = laterOf(at, earliest(p.slots, p.global))
		p.slots = append(p.slots, at)
		p.mu.Unlock()

		err := sleepUntil(ctx, at)
		p.mu.Lock()
		if err == nil && !time.Now().Before(p.pause.Until()) {
			// The slot is spent: a slot taken before a pause would be
			// spent after it, with every other, in one burst.
			if c != nil {
				c.times = append(c.times, at)
			}
			if p.granted != nil {
				p.granted(conversationID, at)
			}
			p.mu.Unlock()
			return nil
		}
		// Give the slot back: removing a slot only lowers the counts.
		if i := slices.Index(p.slots, at); i >= 0 {
			p.slots = slices.Delete(p.slots, i, i+1)
		}
		p.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

// enter returns the conversation's pace, counting the caller in it.
func (p *Pacer) enter(id string) *convPace {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.lastGC) > time.Minute {
		// A round sends to thousands of one-to-one conversations once
		// each: forget those whose calls no longer count.
		for k, c := range p.convs {
			if c.users == 0 && (len(c.times) == 0 || now.Sub(c.times[len(c.times)-1]) >= p.keep) {
				delete(p.convs, k)
			}
		}
		p.lastGC = now
	}
	c := p.convs[id]
	if c == nil {
		c = &convPace{turn: make(chan struct{}, 1)}
		p.convs[id] = c
	}
	c.users++
	return c
}

func (p *Pacer) leave(id string, c *convPace) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c.users--
}

// earliest returns the first time at or after the last of times (which
// are in order) when one more call fits w: the call N places back must be
// a whole span earlier.
func earliest(times []time.Time, w Window) time.Time {
	if len(times) < w.N {
		return time.Time{}
	}
	return times[len(times)-w.N].Add(w.Per)
}

// trim drops the times, in order, that are a span or more before now.
func trim(times []time.Time, now time.Time, span time.Duration) []time.Time {
	drop := 0
	for drop < len(times) && now.Sub(times[drop]) >= span {
		drop++
	}
	if drop == 0 {
		return times
	}
	return append(times[:0], times[drop:]...)
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func sleepUntil(ctx context.Context, t time.Time) error {
	return sleep(ctx, time.Until(t))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
