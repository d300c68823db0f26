package config

import (
	"strings"
	"testing"
)

func TestHTTPAddrAndAdminURL(t *testing.T) {
	slack := func(kv ...string) map[string]string {
		m := map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name     string
		env      map[string]string
		addr     string
		adminURL string
	}{
		{"defaults to this machine", slack(), "127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"every interface", slack("RAPPORT_HTTP_ADDR", ":8080"), ":8080", "http://127.0.0.1:8080"},
		{"the public address wins", slack("RAPPORT_HTTP_ADDR", ":8080", "RAPPORT_PUBLIC_URL", "https://rapport.example.nhs.uk/"), ":8080", "https://rapport.example.nhs.uk"},
		{"IPv6", slack("RAPPORT_HTTP_ADDR", "[::1]:9000"), "[::1]:9000", "http://[::1]:9000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(env(tt.env), true)
			if err != nil {
				t.Fatal(err)
			}
			if c.HTTPAddr != tt.addr || c.AdminURL() != tt.adminURL {
				t.Errorf("HTTPAddr %q, AdminURL %q; want %q, %q", c.HTTPAddr, c.AdminURL(), tt.addr, tt.adminURL)
			}
		})
	}
	for _, bad := range []string{"8080", "localhost", ":http-alt", ":70000"} {
		_, err := Load(env(slack("RAPPORT_HTTP_ADDR", bad)), true)
		if err == nil || !strings.Contains(err.Error(), "RAPPORT_HTTP_ADDR") || !strings.Contains(err.Error(), "127.0.0.1:8080") {
			t.Errorf("RAPPORT_HTTP_ADDR=%q: error %v, want one naming the variable and an example", bad, err)
		}
	}
}
