package teamstest

import (
	"math"
	"strconv"
	"sync"
	"time"
)

// MaxActivityBytes is the largest activity body the Connector accepts;
// above it the answer is 413 MessageSizeTooBig. Teams documents about
// 100 KB, counted in UTF-16 with mentions and reactions; the server counts
// the JSON bytes as sent, which is never fewer.
const MaxActivityBytes = 100 * 1024

// Window is one rate limit: at most Limit requests in any Per.
type Window struct {
	Limit int
	Per   time.Duration
}

// Limits are the rate limits WithLimits enforces. A nil list takes the
// default from DefaultLimits; an empty, non-nil list turns that limit off.
// Requests refused with 429 do not count against the windows.
type Limits struct {
	// TimeScale runs the limits on a faster clock: a window of Per lasts
	// Per*TimeScale of real time, and Retry-After is given in Teams' time
	// (the real wait divided by TimeScale, in whole seconds, at least 1).
	// With 0.01, 50 requests a second become 50 every 10 ms, and a client
	// on the same scaled clock waits Retry-After*0.01 of real time. A
	// TimeScale above 1 slows the clock, so a test never races it. Zero
	// means 1.
	TimeScale float64
	// Send limits sends and replies per bot per conversation.
	Send []Window
	// Create limits conversations created per bot, counted per created
	// conversation.
	Create []Window
	// Members limits member, members and paged-members reads per
	// conversation.
	Members []Window
	// Conversations limits team details and channel lists per team.
	Conversations []Window
	// Global limits every Connector request (updates and deletes too) per
	// app per tenant.
	Global []Window
}

// DefaultLimits returns Teams' published limits (rate-limit page, 2026):
// send and create 7 a second, 8 in two seconds, 60 in 30 seconds and 1,800
// an hour per conversation; member and conversation reads 14, 16, 120 and
// 3,600; and 50 requests a second per app per tenant.
func DefaultLimits() *Limits {
	per := func(a, b, c, d int) []Window {
		return []Window{{a, time.Second}, {b, 2 * time.Second}, {c, 30 * time.Second}, {d, time.Hour}}
	}
	return &Limits{
		TimeScale:     1,
		Send:          per(7, 8, 60, 1800),
		Create:        per(7, 8, 60, 1800),
		Members:       per(14, 16, 120, 3600),
		Conversations: per(14, 16, 120, 3600),
		Global:        []Window{{50, time.Second}},
	}
}

// limiter keeps sliding windows of request times per limit key.
type limiter struct {
	mu    sync.Mutex
	scale float64
	rules map[string][]Window // class -> windows
	seen  map[string][]time.Time
}

func newLimiter(l Limits) *limiter {
	d := DefaultLimits()
	pick := func(v, def []Window) []Window {
		if v == nil {
			return def
		}
		return v
	}
	scale := l.TimeScale
	if scale <= 0 {
		scale = 1
	}
	return &limiter{
		scale: scale,
		rules: map[string][]Window{
			"send":    pick(l.Send, d.Send),
			"create":  pick(l.Create, d.Create),
			"members": pick(l.Members, d.Members),
			"teams":   pick(l.Conversations, d.Conversations),
			"global":  pick(l.Global, d.Global),
		},
		seen: map[string][]time.Time{},
	}
}

// allow records a request of op on conv at now, or says how long (real
// time) until it would be allowed.
func (l *limiter) allow(op, conv string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	keys := []string{"global"}
	if _, ok := l.rules[op]; ok && op != "global" {
		keys = append(keys, op+"|"+conv)
	}
	var wait time.Duration
	for _, key := range keys {
		class, _, _ := cut(key, '|')
		times := l.seen[key]
		longest := time.Duration(0)
		for _, w := range l.rules[class] {
			win := time.Duration(float64(w.Per) * l.scale)
			longest = max(longest, win)
			n := 0
			var oldest time.Time
			for i := len(times) - 1; i >= 0 && now.Sub(times[i]) < win; i-- {
				n++
				oldest = times[i]
			}
			if w.Limit >= 0 && n >= w.Limit {
				if n == 0 {
					wait = max(wait, win)
				} else {
					wait = max(wait, oldest.Add(win).Sub(now))
				}
			}
		}
		i := 0
		for i < len(times) && now.Sub(times[i]) >= longest {
			i++
		}
		l.seen[key] = times[i:]
	}
	if wait > 0 {
		return wait, true
	}
	for _, key := range keys {
		l.seen[key] = append(l.seen[key], now)
	}
	return 0, false
}

func cut(s string, sep byte) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// retryAfterHeader renders a real-time wait as Retry-After seconds in
// Teams' time, at least 1.
func retryAfterHeader(wait time.Duration, scale float64) string {
	if scale <= 0 {
		scale = 1
	}
	secs := math.Ceil(wait.Seconds() / scale)
	return strconv.Itoa(max(1, int(secs)))
}
