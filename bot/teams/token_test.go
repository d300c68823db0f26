package teams

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const testPassword = "s3cr3t~Value.Of-The_Client.Secret"

// entra stands in for the Entra token endpoint.
type entra struct {
	srv *httptest.Server

	mu       sync.Mutex
	requests int
	paths    []string
	// answer, when set, replaces the token.
	status int
	body   string
	// hold, when set, is waited on before answering.
	hold chan struct{}
}

func newEntra(t *testing.T) *entra {
	e := &entra{}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.requests++
		n := e.requests
		e.paths = append(e.paths, r.URL.Path)
		status, body, hold := e.status, e.body, e.hold
		e.mu.Unlock()
		if hold != nil {
			<-hold
		}
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		r.ParseForm()
		f := r.PostForm
		if f.Get("grant_type") != "client_credentials" || f.Get("client_id") != testAppID ||
			f.Get("scope") != "https://api.botframework.com/.default" {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		if f.Get("client_secret") != testPassword {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID. Trace ID: 1"}`)
			return
		}
		if status != 0 {
			w.WriteHeader(status)
			fmt.Fprint(w, body)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"token_type":"Bearer","expires_in":3600,"ext_expires_in":3600,"access_token":"token-%d"}`, n)
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *entra) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.requests
}

func (e *entra) source(c *clock, password string) *TokenSource {
	return NewTokenSource(TokenOptions{
		URL:        e.srv.URL + "/{tenant}/oauth2/v2.0/token",
		AppID:      testAppID,
		Password:   password,
		TenantID:   testTenant,
		HTTPClient: e.srv.Client(),
		Now:        c.Now,
	})
}

// The token is fetched from the tenant's endpoint once, kept until five
// minutes before it expires, then fetched again.
func TestTokenCachedUntilFiveMinutesBeforeExpiry(t *testing.T) {
	e := newEntra(t)
	c := newClock()
	s := e.source(c, testPassword)
	ctx := context.Background()
	get := func() string {
		t.Helper()
		tok, err := s.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	if tok := get(); tok != "token-1" {
		t.Fatalf("token %q", tok)
	}
	if e.paths[0] != "/"+testTenant+"/oauth2/v2.0/token" {
		t.Errorf("asked %s, not the tenant's endpoint", e.paths[0])
	}
	c.Add(55*time.Minute - time.Second)
	if tok := get(); tok != "token-1" || e.count() != 1 {
		t.Fatalf("token %q after %d requests, want the cached one", tok, e.count())
	}
	c.Add(time.Second)
	if tok := get(); tok != "token-2" || e.count() != 2 {
		t.Fatalf("token %q after %d requests, want a new one five minutes before expiry", tok, e.count())
	}
}

// A token the Connector refused is fetched anew; invalidating a token
// already replaced leaves the new one alone.
func TestTokenInvalidate(t *testing.T) {
	e := newEntra(t)
	c := newClock()
	s := e.source(c, testPassword)
	ctx := context.Background()
	first, _ := s.Token(ctx)
	s.Invalidate(first)
	second, err := s.Token(ctx)
	if err != nil || second == first {
		t.Fatalf("after invalidating, got %q, %v", second, err)
	}
	s.Invalidate(first)
	if third, _ := s.Token(ctx); third != second || e.count() != 2 {
		t.Errorf("a stale invalidation dropped the current token: %q after %d requests", third, e.count())
	}
}

// Twenty callers at once make one request and all get its token.
func TestTokenOneFetchForConcurrentCallers(t *testing.T) {
	e := newEntra(t)
	e.hold = make(chan struct{})
	c := newClock()
	s := e.source(c, testPassword)
	var started, done sync.WaitGroup
	tokens := make(chan string, 20)
	for range 20 {
		started.Add(1)
		done.Go(func() {
			started.Done()
			tok, err := s.Token(context.Background())
			if err != nil {
				t.Error(err)
			}
			tokens <- tok
		})
	}
	started.Wait()
	close(e.hold)
	done.Wait()
	close(tokens)
	for tok := range tokens {
		if tok != "token-1" {
			t.Errorf("a caller got %q", tok)
		}
	}
	if n := e.count(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// A caller that gives up returns at once; the fetch goes on for the
// others.
func TestTokenCallerGivesUp(t *testing.T) {
	e := newEntra(t)
	e.hold = make(chan struct{})
	c := newClock()
	s := e.source(c, testPassword)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Token(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	close(e.hold)
	if tok, err := s.Token(context.Background()); err != nil || tok != "token-1" {
		t.Fatalf("got %q, %v", tok, err)
	}
}

// The endpoint's refusals say which setting to check, and never hold the
// secret.
func TestTokenErrorsSayWhatToCheck(t *testing.T) {
	cases := []struct {
		name     string
		password string
		status   int
		body     string
		want     []string
	}{
		{name: "wrong secret", password: "wrong-" + testPassword, want: []string{"AADSTS7000215", "TEAMS_APP_PASSWORD"}},
		{name: "app not in tenant", password: testPassword, status: 400,
			body: `{"error":"unauthorized_client","error_description":"AADSTS700016: Application with identifier 'x' was not found in the directory 'botframework.com'."}`,
			want: []string{"AADSTS700016", "TEAMS_APP_ID", "TEAMS_TENANT_ID"}},
		{name: "no such tenant", password: testPassword, status: 400,
			body: `{"error":"invalid_request","error_description":"AADSTS90002: Tenant 'x' not found."}`,
			want: []string{"AADSTS90002", "TEAMS_TENANT_ID"}},
		{name: "expired secret", password: testPassword, status: 401,
			body: `{"error":"invalid_client","error_description":"AADSTS7000222: The provided client secret keys for app 'x' are expired."}`,
			want: []string{"AADSTS7000222", "TEAMS_APP_PASSWORD"}},
		{name: "no JSON", password: testPassword, status: 400, body: "oops",
			want: []string{"HTTP 400", "TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_TENANT_ID"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEntra(t)
			e.status, e.body = tc.status, tc.body
			_, err := e.source(newClock(), tc.password).Token(context.Background())
			var te *TokenError
			if !errors.As(err, &te) {
				t.Fatalf("got %v, want a *TokenError", err)
			}
			msg := err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q does not say %q", msg, w)
				}
			}
			if strings.Contains(msg, testPassword) {
				t.Errorf("the message holds the secret: %q", msg)
			}
		})
	}
}

// A failed fetch is not cached: the next call tries again.
func TestTokenFailureNotCached(t *testing.T) {
	e := newEntra(t)
	e.status, e.body = 503, "busy"
	c := newClock()
	s := e.source(c, testPassword)
	if _, err := s.Token(context.Background()); err == nil {
		t.Fatal("no error")
	}
	e.mu.Lock()
	e.status = 0
	e.mu.Unlock()
	if tok, err := s.Token(context.Background()); err != nil || tok != "token-2" {
		t.Fatalf("got %q, %v", tok, err)
	}
}

// Missing settings are named before any request is made.
func TestTokenMissingSettings(t *testing.T) {
	e := newEntra(t)
	s := NewTokenSource(TokenOptions{URL: e.srv.URL + "/{tenant}/oauth2/v2.0/token", HTTPClient: e.srv.Client()})
	_, err := s.Token(context.Background())
	for _, w := range []string{"TEAMS_APP_ID", "TEAMS_APP_PASSWORD", "TEAMS_TENANT_ID"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("got %v, want it to name %s", err, w)
		}
	}
	if e.count() != 0 {
		t.Errorf("%d requests made without the settings", e.count())
	}
}

// An outage of the token endpoint (5xx, 429) is not a settings problem:
// it comes back as an error to try again, not as a *TokenError that
// pauses delivery and tells the operator to check the credentials.
func TestTokenEndpointOutageIsRetried(t *testing.T) {
	for _, status := range []int{429, 500, 503} {
		e := newEntra(t)
		e.status, e.body = status, "busy"
		_, err := e.source(newClock(), testPassword).Token(context.Background())
		var te *TokenError
		if err == nil || errors.As(err, &te) {
			t.Errorf("status %d: got %v, want a plain error", status, err)
		}
	}
}
