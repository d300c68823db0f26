package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// IDs as Teams writes them, and worse: every character a path segment
// must escape.
const (
	convID     = "a:1XyZ_-conv@thread.tacv2;messageid=1690000000000"
	teamID     = "19:AbC-dEf_123@thread.skype"
	activityID = "1:1Ab/c?d#e%f;g"
	userID     = "29:1AbC-dEf_/gh+ij="
)

// request is what the Connector stand-in saw.
type request struct {
	Method, EscapedPath string
	Segments            []string // the path's segments, unescaped
	Query               url.Values
	Header              http.Header
	Body                string
}

// connectorServer stands in for the Connector: it records each request
// and answers with reply.
type connectorServer struct {
	srv *httptest.Server

	mu    sync.Mutex
	seen  []request
	reply func(n int, r request) (status int, header http.Header, body string)
}

func newConnectorServer(t *testing.T, reply func(n int, r request) (int, http.Header, string)) *connectorServer {
	cs := &connectorServer{reply: reply}
	cs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var segs []string
		for _, s := range strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/") {
			u, err := url.PathUnescape(s)
			if err != nil {
				t.Errorf("segment %q: %v", s, err)
			}
			segs = append(segs, u)
		}
		rq := request{Method: r.Method, EscapedPath: r.URL.EscapedPath(), Segments: segs, Query: r.URL.Query(), Header: r.Header.Clone(), Body: string(body)}
		cs.mu.Lock()
		cs.seen = append(cs.seen, rq)
		n := len(cs.seen)
		cs.mu.Unlock()
		status, h, out := cs.reply(n, rq)
		for k, v := range h {
			w.Header()[k] = v
		}
		w.Header().Set("X-Correlating-OperationId", fmt.Sprintf("op-%d", n))
		w.WriteHeader(status)
		io.WriteString(w, out)
	}))
	t.Cleanup(cs.srv.Close)
	return cs
}

func (cs *connectorServer) requests() []request {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return append([]request(nil), cs.seen...)
}

// connector returns a Connector with tokens from a stand-in Entra, whose
// sleeps are recorded rather than slept.
func connector(t *testing.T, opt ConnectorOptions) (*Connector, *entra, *[]time.Duration) {
	e := newEntra(t)
	opt.Tokens = e.source(newClock(), testPassword)
	c := NewConnector(opt)
	var mu sync.Mutex
	slept := &[]time.Duration{}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		*slept = append(*slept, d)
		return ctx.Err()
	}
	return c, e, slept
}

func ok(body string) func(int, request) (int, http.Header, string) {
	return func(int, request) (int, http.Header, string) { return 200, nil, body }
}

// Each call goes to its path, with the IDs escaped so that they arrive
// whole, and its answer comes back decoded; a service URL with or without
// its trailing slash is the same.
func TestConnectorCalls(t *testing.T) {
	msg := &schema.Activity{Type: schema.TypeMessage, Text: "Hello"}
	cases := []struct {
		name   string
		answer string
		call   func(c *Connector, base string) (any, error)
		method string
		segs   []string
		query  url.Values
		body   bool
		want   any
	}{
		{
			name: "create conversation", answer: `{"id":"a:new","activityId":"","serviceUrl":"https://x/"}`,
			call: func(c *Connector, base string) (any, error) {
				return c.CreateConversation(context.Background(), base, &schema.ConversationParameters{
					Bot: &schema.ChannelAccount{ID: "28:" + testAppID}, Members: []schema.ChannelAccount{{ID: userID}},
					ChannelData: &schema.ChannelData{Tenant: &schema.TenantInfo{ID: testTenant}},
				})
			},
			method: "POST", segs: []string{"v3", "conversations"}, body: true,
			want: &schema.ConversationResourceResponse{ID: "a:new", ServiceURL: "https://x/"},
		},
		{
			name: "send", answer: `{"id":"1690000000001"}`,
			call: func(c *Connector, base string) (any, error) {
				return c.Send(context.Background(), base, convID, msg)
			},
			method: "POST", segs: []string{"v3", "conversations", convID, "activities"}, body: true, want: "1690000000001",
		},
		{
			name: "reply", answer: `{"id":"1690000000002"}`,
			call: func(c *Connector, base string) (any, error) {
				return c.Reply(context.Background(), base, convID, activityID, msg)
			},
			method: "POST", segs: []string{"v3", "conversations", convID, "activities", activityID}, body: true, want: "1690000000002",
		},
		{
			name: "update", answer: `{"id":"x"}`,
			call: func(c *Connector, base string) (any, error) {
				return nil, c.Update(context.Background(), base, convID, activityID, msg)
			},
			method: "PUT", segs: []string{"v3", "conversations", convID, "activities", activityID}, body: true,
		},
		{
			name: "delete",
			call: func(c *Connector, base string) (any, error) {
				return nil, c.Delete(context.Background(), base, convID, activityID)
			},
			method: "DELETE", segs: []string{"v3", "conversations", convID, "activities", activityID},
		},
		{
			name: "member", answer: `{"id":"29:u","objectId":"oid","userPrincipalName":"a.b@nhs.net","tenantId":"t","userRole":"user"}`,
			call: func(c *Connector, base string) (any, error) {
				return c.Member(context.Background(), base, convID, userID)
			},
			method: "GET", segs: []string{"v3", "conversations", convID, "members", userID},
			want: &schema.TeamsChannelAccount{ID: "29:u", ObjectID: "oid", UserPrincipalName: "a.b@nhs.net", TenantID: "t", UserRole: "user"},
		},
		{
			name: "paged members", answer: `{"members":[{"id":"29:a"},{"id":"29:b"}],"continuationToken":"next+/="}`,
			call: func(c *Connector, base string) (any, error) {
				return c.PagedMembers(context.Background(), base, teamID, 500, "this+/=&x")
			},
			method: "GET", segs: []string{"v3", "conversations", teamID, "pagedmembers"},
			query: url.Values{"pageSize": {"500"}, "continuationToken": {"this+/=&x"}},
			want:  &schema.PagedMembersResult{Members: []schema.TeamsChannelAccount{{ID: "29:a"}, {ID: "29:b"}}, ContinuationToken: "next+/="},
		},
		{
			name: "team details", answer: `{"id":"19:t","name":"Team & co","aadGroupId":"g"}`,
			call: func(c *Connector, base string) (any, error) {
				return c.TeamDetails(context.Background(), base, teamID)
			},
			method: "GET", segs: []string{"v3", "teams", teamID},
			want: &schema.TeamDetails{ID: "19:t", Name: "Team & co", AADGroupID: "g"},
		},
	}
	for _, tc := range cases {
		for _, slash := range []string{"", "/", "/teams/"} {
			t.Run(tc.name+" base"+slash, func(t *testing.T) {
				cs := newConnectorServer(t, ok(tc.answer))
				c, _, _ := connector(t, ConnectorOptions{})
				got, err := tc.call(c, cs.srv.URL+slash)
				if err != nil {
					t.Fatal(err)
				}
				if tc.want != nil {
					gj, _ := json.Marshal(got)
					wj, _ := json.Marshal(tc.want)
					if string(gj) != string(wj) {
						t.Errorf("got %s, want %s", gj, wj)
					}
				}
				rs := cs.requests()
				if len(rs) != 1 {
					t.Fatalf("%d requests", len(rs))
				}
				r := rs[0]
				segs := tc.segs
				if slash == "/teams/" {
					segs = append([]string{"teams"}, segs...)
				}
				if r.Method != tc.method || strings.Join(r.Segments, "\x00") != strings.Join(segs, "\x00") {
					t.Errorf("%s %s (segments %q), want %s %q", r.Method, r.EscapedPath, r.Segments, tc.method, segs)
				}
				if strings.Contains(r.EscapedPath, "//") {
					t.Errorf("path %s has an empty segment", r.EscapedPath)
				}
				if tc.query != nil && r.Query.Encode() != tc.query.Encode() {
					t.Errorf("query %v, want %v", r.Query, tc.query)
				}
				if tc.body != (r.Body != "") {
					t.Errorf("body %q", r.Body)
				}
				if tc.body && r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
					t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
				}
			})
		}
	}
}

// The token goes in the Authorization header and nowhere else: not in
// the URL, the body, another header, or an error.
func TestConnectorTokenOnlyInAuthorization(t *testing.T) {
	cs := newConnectorServer(t, func(n int, r request) (int, http.Header, string) {
		if n == 1 {
			return 200, nil, `{"id":"1"}`
		}
		return 403, nil, `{"error":{"code":"MessageWritesBlocked","message":"The bot is blocked"}}`
	})
	c, _, _ := connector(t, ConnectorOptions{})
	const text = "Private words of a member"
	if _, err := c.Send(context.Background(), cs.srv.URL, convID, &schema.Activity{Type: "message", Text: text}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Send(context.Background(), cs.srv.URL, convID, &schema.Activity{Type: "message", Text: text})
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), "token-1") || strings.Contains(err.Error(), text) {
		t.Errorf("the error holds the token or the text: %v", err)
	}
	for _, r := range cs.requests() {
		if got := r.Header.Get("Authorization"); got != "Bearer token-1" {
			t.Errorf("Authorization %q", got)
		}
		if strings.Contains(r.EscapedPath, "token-1") || r.Query.Encode() != "" || strings.Contains(r.Body, "token-1") {
			t.Errorf("the token is in the URL or body: %s %s", r.EscapedPath, r.Body)
		}
		for k, vs := range r.Header {
			for _, v := range vs {
				if k != "Authorization" && strings.Contains(v, "token-1") {
					t.Errorf("the token is in header %s", k)
				}
			}
		}
	}
}

// Each class of error comes back as the caller needs to act on it; the
// retried ones are retried as often as configured, with bounded jittered
// waits.
func TestConnectorErrors(t *testing.T) {
	errBody := func(code string) string { return fmt.Sprintf(`{"error":{"code":%q,"message":"m"}}`, code) }
	fail := func(times, status int, h http.Header, body string) func(int, request) (int, http.Header, string) {
		return func(n int, r request) (int, http.Header, string) {
			if n <= times {
				return status, h, body
			}
			return 200, nil, `{"id":"done"}`
		}
	}
	cases := []struct {
		name      string
		op        string // send, update, delete
		retries   int
		reply     func(int, request) (int, http.Header, string)
		requests  int
		status    int // 0: success
		code      string
		blocked   bool
		gone      bool
		retryable bool
		sleeps    int
	}{
		{name: "blocked", op: "send", reply: fail(9, 403, nil, errBody("MessageWritesBlocked")), requests: 1, status: 403, code: "MessageWritesBlocked", blocked: true},
		{name: "uninstalled", op: "send", reply: fail(9, 403, nil, errBody("BotNotInConversationRoster")), requests: 1, status: 403, code: "BotNotInConversationRoster", blocked: true},
		{name: "conversation not found on send", op: "send", reply: fail(9, 404, nil, errBody("ConversationNotFound")), requests: 1, status: 404, code: "ConversationNotFound"},
		{name: "message gone on update", op: "update", reply: fail(9, 404, nil, errBody("ActivityNotFound")), requests: 1, status: 404, code: "ActivityNotFound", gone: true},
		{name: "message gone on delete", op: "delete", reply: fail(9, 404, nil, ""), requests: 1, status: 404, gone: true},
		{name: "too big", op: "send", reply: fail(9, 413, nil, errBody("MessageSizeTooBig")), requests: 1, status: 413, code: "MessageSizeTooBig"},
		{name: "bad request", op: "send", reply: fail(9, 400, nil, errBody("BadArgument")), requests: 1, status: 400, code: "BadArgument"},
		{name: "503 retried then sent", op: "send", retries: 2, reply: fail(2, 503, nil, ""), requests: 3, sleeps: 2},
		{name: "503 retried until the retries run out", op: "send", retries: 2, reply: fail(9, 503, nil, ""), requests: 3, status: 503, retryable: true, sleeps: 2},
		{name: "412 retried", op: "send", retries: 1, reply: fail(1, 412, nil, ""), requests: 2, sleeps: 1},
		{name: "502 retried", op: "update", retries: 1, reply: fail(1, 502, nil, ""), requests: 2, sleeps: 1},
		{name: "504 retried", op: "delete", retries: 1, reply: fail(1, 504, nil, ""), requests: 2, sleeps: 1},
		{name: "503 not retried by default", op: "send", reply: fail(9, 503, nil, ""), requests: 1, status: 503, retryable: true},
		{name: "500 retryable but not retried", op: "send", retries: 3, reply: fail(9, 500, nil, errBody("InternalServerError")), requests: 1, status: 500, code: "InternalServerError", retryable: true},
		{name: "401 once: a new token, sent", op: "send", reply: fail(1, 401, nil, ""), requests: 2},
		{name: "401 twice: refused", op: "send", reply: fail(9, 401, nil, ""), requests: 2, status: 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs := newConnectorServer(t, tc.reply)
			c, e, slept := connector(t, ConnectorOptions{Retries: tc.retries})
			var err error
			switch tc.op {
			case "send":
				_, err = c.Send(context.Background(), cs.srv.URL, convID, &schema.Activity{Type: "message", Text: "x"})
			case "update":
				err = c.Update(context.Background(), cs.srv.URL, convID, activityID, &schema.Activity{Type: "message", Text: "x"})
			case "delete":
				err = c.Delete(context.Background(), cs.srv.URL, convID, activityID)
			}
			if n := len(cs.requests()); n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
			if len(*slept) != tc.sleeps {
				t.Errorf("%d waits before retries, want %d", len(*slept), tc.sleeps)
			}
			for i, d := range *slept {
				if top := min(backoffBase<<i, backoffMax); d < top/2 || d > top {
					t.Errorf("wait %d is %s, want between %s and %s", i, d, top/2, top)
				}
			}
			if tc.status == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(tc.name, "401") && e.count() != 2 {
					t.Errorf("%d tokens fetched, want a new one after the 401", e.count())
				}
				return
			}
			var ce *ConnectorError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *ConnectorError", err)
			}
			if ce.Status != tc.status || ce.Code != tc.code || ce.Op != tc.op {
				t.Errorf("got %+v", ce)
			}
			if ce.Blocked() != tc.blocked || ce.Gone() != tc.gone || ce.Retryable() != tc.retryable {
				t.Errorf("%v: blocked %v gone %v retryable %v", ce, ce.Blocked(), ce.Gone(), ce.Retryable())
			}
			if ce.OperationID == "" {
				t.Error("no operation ID for a support case")
			}
		})
	}
}

// A 429 holds every call for its Retry-After (the pacer's pause), and
// comes back to the caller with RetryAfter unless the caller waits short
// ones out.
func TestConnector429(t *testing.T) {
	h := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	t.Run("comes back and holds the pause", func(t *testing.T) {
		cs := newConnectorServer(t, func(int, request) (int, http.Header, string) { return 429, h("7"), "" })
		pause := &bot.Pause{}
		c, _, slept := connector(t, ConnectorOptions{Pace: NewPacer(Limits{}, pause), Retries: 3})
		before := time.Now()
		_, err := c.Send(context.Background(), cs.srv.URL, convID, &schema.Activity{Type: "message"})
		var ce *ConnectorError
		if !errors.As(err, &ce) || ce.Status != 429 || ce.RetryAfter != 7*time.Second || !ce.Retryable() {
			t.Fatalf("got %v", err)
		}
		if until := pause.Until(); until.Before(before.Add(7 * time.Second)) {
			t.Errorf("sending is held until %s, want 7 s from now", until)
		}
		if n := len(cs.requests()); n != 1 || len(*slept) != 0 {
			t.Errorf("%d requests and %d waits, want 1 and none", n, len(*slept))
		}
	})
	t.Run("a short one waited out", func(t *testing.T) {
		cs := newConnectorServer(t, func(n int, _ request) (int, http.Header, string) {
			if n == 1 {
				return 429, h("2"), ""
			}
			return 200, nil, `{"id":"ok"}`
		})
		c, _, slept := connector(t, ConnectorOptions{Wait429: 5 * time.Second})
		id, err := c.Send(context.Background(), cs.srv.URL, convID, &schema.Activity{Type: "message"})
		if err != nil || id != "ok" {
			t.Fatalf("got %q, %v", id, err)
		}
		if len(*slept) != 1 || (*slept)[0] != 2*time.Second {
			t.Errorf("waited %v, want 2 s", *slept)
		}
	})
	t.Run("a long one not waited out", func(t *testing.T) {
		cs := newConnectorServer(t, func(int, request) (int, http.Header, string) { return 429, h("60"), "" })
		c, _, slept := connector(t, ConnectorOptions{Wait429: 5 * time.Second})
		_, err := c.Send(context.Background(), cs.srv.URL, convID, &schema.Activity{Type: "message"})
		var ce *ConnectorError
		if !errors.As(err, &ce) || ce.RetryAfter != time.Minute || len(*slept) != 0 {
			t.Fatalf("got %v after waits %v", err, *slept)
		}
	})
	t.Run("waited out a bounded number of times", func(t *testing.T) {
		cs := newConnectorServer(t, func(int, request) (int, http.Header, string) { return 429, h("1"), "" })
		c, _, _ := connector(t, ConnectorOptions{Wait429: 5 * time.Second})
		if _, err := c.Send(context.Background(), cs.srv.URL, convID, &schema.Activity{Type: "message"}); err == nil {
			t.Fatal("no error")
		}
		if n := len(cs.requests()); n != max429Waits+1 {
			t.Errorf("%d requests, want %d", n, max429Waits+1)
		}
	})
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"":                              default429,
		"3":                             3 * time.Second,
		"0":                             default429,
		"-5":                            default429,
		"99999999999":                   time.Hour,
		"Tue, 01 Dec 2026 10:00:30 GMT": 30 * time.Second,
		"soon":                          default429,
	} {
		if got := retryAfter(h, now); got != want {
			t.Errorf("Retry-After %q: %s, want %s", h, got, want)
		}
	}
}

// An answer larger than the cap is refused, not read whole; a service URL
// that is not http(s) is refused before any request.
func TestConnectorRefusesOversizeAnswersAndBadServiceURLs(t *testing.T) {
	big := `{"members":[` + strings.Repeat(`{"id":"29:xxxxxxxxxxxxxxxx"},`, maxResponseBytes/28) + `{"id":"29:y"}]}`
	cs := newConnectorServer(t, ok(big))
	c, _, _ := connector(t, ConnectorOptions{})
	if _, err := c.PagedMembers(context.Background(), cs.srv.URL, teamID, 500, ""); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Errorf("got %v, want the answer refused as too large", err)
	}
	for _, u := range []string{"ftp://smba.example/", "smba.example/teams", "", "https://"} {
		if _, err := c.Send(context.Background(), u, convID, &schema.Activity{Type: "message"}); err == nil {
			t.Errorf("service URL %q accepted", u)
		}
	}
	if _, err := c.CreateConversation(context.Background(), cs.srv.URL, &schema.ConversationParameters{}); err == nil {
		t.Error("a conversation with no member asked for")
	}
	if n := len(cs.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// A network failure is an error, not a Connector answer.
func TestConnectorNetworkError(t *testing.T) {
	cs := newConnectorServer(t, ok(`{}`))
	c, _, _ := connector(t, ConnectorOptions{Retries: 3})
	u := cs.srv.URL
	cs.srv.Close()
	_, err := c.Send(context.Background(), u, convID, &schema.Activity{Type: "message"})
	var ce *ConnectorError
	if err == nil || errors.As(err, &ce) {
		t.Fatalf("got %v", err)
	}
}

// Calls are paced: sends per conversation, creations per user, and all
// of them against the tenant's limit.
func TestConnectorPacesCalls(t *testing.T) {
	cs := newConnectorServer(t, ok(`{"id":"a:1"}`))
	p := NewPacer(Limits{}, nil)
	var mu sync.Mutex
	keys := map[string]int{}
	p.granted = func(conv string, _ time.Time) {
		mu.Lock()
		keys[conv]++
		mu.Unlock()
	}
	c, _, _ := connector(t, ConnectorOptions{Pace: p})
	ctx := context.Background()
	c.CreateConversation(ctx, cs.srv.URL, &schema.ConversationParameters{Members: []schema.ChannelAccount{{ID: userID}}})
	c.Send(ctx, cs.srv.URL, convID, &schema.Activity{Type: "message"})
	c.Update(ctx, cs.srv.URL, convID, "1", &schema.Activity{Type: "message"})
	c.PagedMembers(ctx, cs.srv.URL, teamID, 0, "")
	c.TeamDetails(ctx, cs.srv.URL, teamID)
	want := map[string]int{"create:" + userID: 1, convID: 2, "members:" + teamID: 1, "team:" + teamID: 1}
	if fmt.Sprint(keys) != fmt.Sprint(want) {
		t.Errorf("paced as %v, want %v", keys, want)
	}
}
