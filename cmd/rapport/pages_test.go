package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rapport-pcn/rapport/config"
)

// The pages the Teams package links to are served, say how long history
// is kept as configured, and nothing else is.
func TestSitePages(t *testing.T) {
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"RAPPORT_RETENTION": "12mo"}[k]
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	servePages(mux, cfg)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(path string) (int, string) {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for path, want := range map[string]string{"/": "Primary Care Network", "/privacy": "History older than " + cfg.Retention.String(), "/terms": "never share patient information"} {
		code, body := get(path)
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d, missing %q", path, code, want)
		}
	}
	if code, _ := get("/nothing-here"); code != http.StatusNotFound {
		t.Errorf("GET /nothing-here: %d, want 404", code)
	}
}
