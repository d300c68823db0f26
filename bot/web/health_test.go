package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestHealthz(t *testing.T) {
	res := httptest.NewRecorder()
	New(Options{}).Handler().ServeHTTP(res, httptest.NewRequest("GET", "/healthz", nil))
	if res.Code != http.StatusOK || res.Body.String() != "ok\n" {
		t.Fatalf("healthz: %d %q", res.Code, res.Body)
	}
}

func TestReadyzNamesTheChecksThatFail(t *testing.T) {
	ok := Check{Name: "database", Check: func(context.Context) error { return nil }}
	broken := Check{Name: "slack", Check: func(context.Context) error {
		return errors.New("invalid_auth for token xoxb-secret")
	}}
	hangs := Check{Name: "teams", Check: func(ctx context.Context) error {
		time.Sleep(time.Hour)
		return nil
	}}
	tests := []struct {
		name   string
		checks []Check
		status int
		body   string
	}{
		{"all pass", []Check{ok}, http.StatusOK, "ready\n"},
		{"none", nil, http.StatusOK, "ready\n"},
		{"one fails", []Check{ok, broken}, http.StatusServiceUnavailable, "not ready: slack\n"},
		{"one hangs", []Check{ok, hangs, broken}, http.StatusServiceUnavailable, "not ready: teams, slack\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New(Options{Ready: tt.checks}).Handler()
			res := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(res, httptest.NewRequest("GET", "/readyz", nil))
			if took := time.Since(start); took > ReadyTimeout+time.Second {
				t.Errorf("took %v", took)
			}
			if res.Code != tt.status || res.Body.String() != tt.body {
				t.Fatalf("readyz: %d %q, want %d %q", res.Code, res.Body, tt.status, tt.body)
			}
			if strings.Contains(res.Body.String(), "xoxb") {
				t.Fatal("readyz shows a check's error")
			}
		})
	}
}

func TestMetricsAreServedWhenGiven(t *testing.T) {
	m := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("rapport_up 1\n")) })
	res := httptest.NewRecorder()
	New(Options{Metrics: m}).Handler().ServeHTTP(res, httptest.NewRequest("GET", "/metrics", nil))
	if res.Body.String() != "rapport_up 1\n" {
		t.Fatalf("metrics: %q", res.Body)
	}
	res = httptest.NewRecorder()
	New(Options{}).Handler().ServeHTTP(res, httptest.NewRequest("GET", "/metrics", nil))
	if res.Code != http.StatusNotFound {
		t.Fatalf("metrics without a handler: %d", res.Code)
	}
}
