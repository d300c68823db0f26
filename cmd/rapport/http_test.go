package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/config"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// fetch fetches a URL and returns its status and body.
func fetch(t *testing.T, client *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := client.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// A probe reads /healthz and /readyz, Prometheus reads /metrics, and
// "rapport healthcheck" answers 0 for a Rapport that is ready and 1 for
// one that does not answer.
func TestHealthChecksMetricsAndHealthcheck(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			s := startSite(t, target)
			client := &http.Client{Timeout: 10 * time.Second}

			if code, body := fetch(t, client, s.url+"/healthz"); code != http.StatusOK || strings.TrimSpace(body) != "ok" {
				t.Errorf("/healthz = %d %q", code, body)
			}
			if code, body := fetch(t, client, s.url+"/readyz"); code != http.StatusOK {
				t.Errorf("/readyz = %d %q, want 200 once the database answers and Slack accepted the bot", code, body)
			}

			s.command(alice, "status")
			_, metrics := fetch(t, client, s.url+"/metrics")
			for _, want := range []string{
				`rapport_commands_total{kind="command",name="status",platform="slack",result="refused"} 1`,
				"rapport_platform_latency_seconds_bucket",
				"rapport_outbox_pending",
				"go_goroutines",
			} {
				if !strings.Contains(metrics, want) {
					t.Errorf("/metrics lacks %s", want)
				}
			}

			addr := strings.TrimPrefix(s.url, "http://")
			var out, errs syncBuffer
			env := map[string]string{"RAPPORT_HTTP_ADDR": addr}
			if code := run(context.Background(), []string{"healthcheck"}, func(k string) string { return env[k] }, &out, &errs); code != 0 {
				t.Errorf("healthcheck of a ready Rapport exited %d: %s", code, errs.String())
			}
			if strings.TrimSpace(out.String()) != "ready" {
				t.Errorf("healthcheck printed %q", out.String())
			}
		})
	}
}

// healthcheck exits 1, saying why, when nothing answers.
func TestHealthcheckOfNothingFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // a port nobody listens on
	var out, errs syncBuffer
	env := map[string]string{"RAPPORT_HTTP_ADDR": addr}
	if code := run(context.Background(), []string{"healthcheck", "--timeout", "2s"}, func(k string) string { return env[k] }, &out, &errs); code != 1 {
		t.Errorf("healthcheck of nothing exited %d, want 1", code)
	}
	if !strings.Contains(errs.String(), "not ready") {
		t.Errorf("healthcheck said %q, want why", errs.String())
	}
}

// A port already taken stops serve at once, naming the setting.
func TestServeStopsWhenItsHTTPPortIsTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ws := slacktest.New()
	t.Cleanup(ws.Close)
	env := map[string]string{
		"SLACK_APP_TOKEN": ws.AppToken(), "SLACK_BOT_TOKEN": ws.BotToken(), "SLACK_API_URL": ws.APIURL(),
		"RAPPORT_DATA_DIR": t.TempDir(), "RAPPORT_HTTP_ADDR": ln.Addr().String(),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errs syncBuffer
	if code := run(ctx, []string{"serve"}, func(k string) string { return env[k] }, &out, &errs); code != 1 {
		t.Errorf("serve on a taken port exited %d, want 1", code)
	}
	if !strings.Contains(errs.String(), "RAPPORT_HTTP_ADDR") {
		t.Errorf("the error does not name RAPPORT_HTTP_ADDR: %s", errs.String())
	}
}

// "serve --help" lists every setting with its default.
func TestServeHelpListsEveryVariable(t *testing.T) {
	var out, errs syncBuffer
	if code := run(context.Background(), []string{"serve", "--help"}, func(string) string { return "" }, &out, &errs); code != 0 {
		t.Fatalf("serve --help exited %d", code)
	}
	help := errs.String() + out.String()
	for _, v := range config.Variables {
		if !regexp.MustCompile(`(?m)^\s+` + v.Name + `\s`).MatchString(help) {
			t.Errorf("serve --help does not list %s", v.Name)
		}
	}
	if !strings.Contains(help, "RAPPORT_HTTP_ADDR  "+config.DefaultHTTPAddr) && !regexp.MustCompile(`RAPPORT_HTTP_ADDR\s+127\.0\.0\.1:8080`).MatchString(help) {
		t.Errorf("serve --help does not give RAPPORT_HTTP_ADDR's default:\n%s", help)
	}
}

// "rapport demo --serve" keeps the demo running with its admin pages, and
// the link it prints signs the newcomer in to see the map.
func TestDemoServeSignsInToTheMap(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errs syncBuffer
	env := map[string]string{"RAPPORT_HTTP_ADDR": "127.0.0.1:0"}
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"demo", "--serve", "--members", "12"}, func(k string) string { return env[k] }, &out, &errs)
	}()
	link := regexp.MustCompile(`http://127\.0\.0\.1:\d+/admin/sign-in/[A-Za-z0-9]+`)
	if err := out.wait(ctx, link.MatchString); err != nil {
		t.Fatalf("no sign-in link: %v\n%s\n%s", err, out.String(), errs.String())
	}
	signIn := link.FindString(out.String())
	base, _ := url.Parse(signIn)
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	if code, body := fetch(t, client, signIn); code != http.StatusOK || !strings.Contains(body, "Sign in") {
		t.Fatalf("the link shows %d:\n%s", code, body)
	}
	resp, err := client.PostForm(signIn, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "rapport_session" {
			session = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || session == nil {
		t.Fatalf("signing in answered %d with cookies %v", resp.StatusCode, resp.Cookies())
	}
	req, _ := http.NewRequest(http.MethodGet, base.Scheme+"://"+base.Host+"/admin/map", nil)
	req.AddCookie(session)
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Count(string(body), `class="map-node`) < 2 || !strings.Contains(string(body), `class="map-link`) {
		t.Errorf("the map answered %d without its organisations and links:\n%.2000s", resp.StatusCode, body)
	}

	select {
	case code := <-exit:
		t.Fatalf("the demo stopped by itself with %d before Ctrl-C", code)
	default:
	}
	cancel()
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("demo --serve exited %d after Ctrl-C:\n%s", code, errs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("demo --serve did not stop on Ctrl-C")
	}
}
