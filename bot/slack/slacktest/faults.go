package slacktest

import (
	"net/http"
	"time"
)

// AnyMethod makes a fault apply to every Web API method.
const AnyMethod = "*"

// Fault is how the workspace misanswers a Web API call.
type Fault struct {
	// Status is the HTTP status to answer with: 429 (with Retry-After and
	// {"ok":false,"error":"ratelimited"}), 500 or another 5xx (with an HTML
	// body, as Slack's front end sends). Zero means HTTP 200.
	Status int
	// RetryAfter is the Retry-After of a 429, sent in whole seconds
	// (at least 1).
	RetryAfter time.Duration
	// Error, with Status zero, answers HTTP 200 {"ok":false,"error":Error},
	// for example "internal_error" or "fatal_error".
	Error string
	// Delay holds the answer back this long first, to exercise timeouts.
	Delay time.Duration
}

// faultRule is an injected fault and how many calls it still affects.
type faultRule struct {
	method string
	fault  Fault
	left   int     // calls left; -1 for a share-based rule
	share  float64 // probability per call, for share-based rules
}

// FailNext answers the next n calls of method (or AnyMethod) with f. Rules
// apply in the order they were added.
func (ws *Workspace) FailNext(method string, n int, f Fault) {
	if n <= 0 {
		return
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.faults = append(ws.faults, &faultRule{method: method, fault: f, left: n})
}

// FailShare answers each call of method (or AnyMethod) with f with
// probability share (0 to 1), drawn from the seeded source, until
// ClearFaults.
func (ws *Workspace) FailShare(method string, share float64, f Fault) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.faults = append(ws.faults, &faultRule{method: method, fault: f, left: -1, share: share})
}

// RateLimitNext answers the next n calls of method with HTTP 429 and a
// Retry-After header; slack-go returns them as *slack.RateLimitedError.
func (ws *Workspace) RateLimitNext(method string, n int, retryAfter time.Duration) {
	ws.FailNext(method, n, Fault{Status: http.StatusTooManyRequests, RetryAfter: retryAfter})
}

// ServerErrorNext answers the next n calls of method with HTTP 500.
func (ws *Workspace) ServerErrorNext(method string, n int) {
	ws.FailNext(method, n, Fault{Status: http.StatusInternalServerError})
}

// FailConnectionsOpen makes the next n apps.connections.open calls answer
// {"ok":false,"error":code}. slack-go gives up for good on invalid_auth,
// not_authed, account_inactive and token_revoked, and retries with backoff
// on anything else (internal_error, for instance).
func (ws *Workspace) FailConnectionsOpen(n int, code string) {
	ws.FailNext("apps.connections.open", n, Fault{Error: code})
}

// FaultsLeft returns how many more calls of method FailNext's rules will
// misanswer. A test waits for it to reach zero to know that the calls it
// holds back with a Delay have arrived and are being held.
func (ws *Workspace) FaultsLeft(method string) int {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	n := 0
	for _, r := range ws.faults {
		if r.left > 0 && (r.method == method || r.method == AnyMethod) {
			n += r.left
		}
	}
	return n
}

// ClearFaults removes every injected Web API fault.
func (ws *Workspace) ClearFaults() {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.faults = nil
}

// takeFault returns the fault the call of method should get, if any, and
// uses up one call of its rule.
func (ws *Workspace) takeFault(method string) (Fault, bool) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	for i, r := range ws.faults {
		if r.method != method && r.method != AnyMethod {
			continue
		}
		if r.left < 0 {
			if ws.rng.Float64() < r.share {
				return r.fault, true
			}
			continue
		}
		r.left--
		if r.left <= 0 {
			ws.faults = append(ws.faults[:i:i], ws.faults[i+1:]...)
		}
		ws.notifyLocked() // for Wait on FaultsLeft
		return r.fault, true
	}
	return Fault{}, false
}
