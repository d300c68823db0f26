package teamstest

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

// Request is one HTTP request the server answered, as recorded.
type Request struct {
	// Op is what the request did: "metadata", "keys", "token", "create",
	// "send" (a new activity or a reply), "update", "delete", "members"
	// (members, one member or a page of members), "teams" (team details
	// or its channels), or "unknown".
	Op string
	// Method and Path are the HTTP method and URL path.
	Method, Path string
	// Conversation is the conversation (or team) ID in the path, or the
	// conversation a create made.
	Conversation string
	// Status is the HTTP status of the answer.
	Status int
	// Code is the error code of an error answer.
	Code string
	// Time is when the request arrived, on the real clock.
	Time time.Time
	// Body is the request body (nil for the token endpoint, which carries
	// the app's secret).
	Body []byte
	// Response is the answer's body.
	Response []byte
}

// OK reports whether the request succeeded (a 2xx answer).
func (r Request) OK() bool { return r.Status >= 200 && r.Status < 300 }

// Decode unmarshals the request body into v.
func (r Request) Decode(v any) error { return json.Unmarshal(r.Body, v) }

func (r Request) clone() Request {
	r.Body = slices.Clone(r.Body)
	r.Response = slices.Clone(r.Response)
	return r
}

// Requests returns every recorded request, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = r.clone()
	}
	return out
}

// RequestsTo returns the recorded requests of one op, oldest first.
func (s *Server) RequestsTo(op string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if r.Op == op {
			out = append(out, r.clone())
		}
	}
	return out
}

// Count returns how many requests of op the server answered, whatever
// the answer.
func (s *Server) Count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Op == op {
			n++
		}
	}
	return n
}

// RateLimited returns how many requests the rate limits answered with 429
// (injected faults not counted).
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited
}

// PeakRate returns the largest number of successful Connector requests
// (all ops but metadata, keys and token) that fell within any window of
// the given length, measured in Teams' time: with Limits.TimeScale 0.01, a
// window of one second is 10 ms of real time. With conversation set, only
// requests on that conversation count.
func (s *Server) PeakRate(window time.Duration, conversation string) int {
	scale := 1.0
	if s.limiter != nil {
		scale = s.limiter.scale
	}
	real := time.Duration(float64(window) * scale)
	s.mu.Lock()
	var times []time.Time
	for _, r := range s.requests {
		switch r.Op {
		case "metadata", "keys", "token":
			continue
		}
		if r.OK() && (conversation == "" || r.Conversation == conversation) {
			times = append(times, r.Time)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	peak, lo := 0, 0
	for hi := range times {
		for times[hi].Sub(times[lo]) >= real {
			lo++
		}
		peak = max(peak, hi-lo+1)
	}
	return peak
}

// errorInfo is what an error answer records.
type errorInfo struct{ code string }

// call is a request being answered.
type call struct {
	op   string
	conv string
	body []byte
	at   time.Time
}

// writeJSONRecorded answers r with v as JSON and records it.
func (s *Server) writeJSONRecorded(w http.ResponseWriter, r *http.Request, op, conv string, status int, v any, e *errorInfo) {
	s.answer(w, r, &call{op: op, conv: conv, at: time.Now()}, status, v, e)
}

// answer writes status and v (nil: no body) and records the request.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, c *call, status int, v any, e *errorInfo) {
	var body []byte
	if v != nil {
		body, _ = json.Marshal(v)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	s.mu.Lock()
	w.Header().Set("X-Correlating-OperationId", s.hexLocked(16))
	req := Request{Op: c.op, Method: r.Method, Path: r.URL.Path, Conversation: c.conv, Status: status, Time: c.at, Body: c.body, Response: body}
	if e != nil {
		req.Code = e.code
	}
	s.requests = append(s.requests, req)
	s.notifyLocked()
	s.mu.Unlock()
	s.log.Debug("teamstest: answered", "op", c.op, "method", r.Method, "path", r.URL.Path, "status", status)
	w.WriteHeader(status)
	if body != nil {
		_, _ = w.Write(body)
	}
}
