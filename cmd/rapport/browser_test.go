package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// The browser tests drive the admin's pages in Debian's headless Chromium,
// as an admin would: from the sign-in link the bot sent them in Slack to
// the map, the roster, the CSV for the ICB and the round preview.

// chromium returns the Chromium to drive: RAPPORT_CHROMIUM, or Debian's.
func chromium() string {
	if p := os.Getenv("RAPPORT_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// stepTimeout bounds one step in the browser, so that a page that never
// shows what a test waits for fails the test with a screenshot rather than
// hanging it.
const stepTimeout = 30 * time.Second

// tab is one headless Chromium with one tab, for one test.
type tab struct {
	// ctx has no deadline: the browser lives as long as it, and each step
	// derives its own timeout, so that a screenshot can still be taken
	// after a step timed out.
	ctx context.Context
	// shots counts the screenshots saved, so that a test whose subtest
	// already saved one does not save the same page again.
	shots int
}

// newTab starts Chromium for t, skipping the test when there is none
// (failing it instead when RAPPORT_REQUIRE_BROWSER=1, as CI sets), and
// saves a screenshot of the page if the test fails.
func newTab(t *testing.T) *tab {
	t.Helper()
	path := chromium()
	if _, err := exec.LookPath(path); err != nil {
		msg := fmt.Sprintf("the browser tests need Chromium, and there is none at %s: install it with `apt-get install chromium`, or set RAPPORT_CHROMIUM to its path (%v)", path, err)
		if os.Getenv("RAPPORT_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	// Made before the cleanups below, so it is removed after Chromium has
	// exited.
	profile := t.TempDir()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Containers often have a small /dev/shm, which crashes Chromium.
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancelAlloc) // waits for Chromium to exit
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)
	// The first action starts the browser, with no deadline (see ctx).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("could not start Chromium at %s: %v", path, err)
	}
	b := &tab{ctx: ctx}
	b.screenshotOnFailure(t)
	return b
}

// screenshotOnFailure saves a full-page screenshot when t ends failed, to
// $RAPPORT_SCREENSHOT_DIR or the temporary directory, and logs where.
func (b *tab) screenshotOnFailure(t *testing.T) {
	t.Cleanup(func() {
		if !t.Failed() || b.shots > 0 && strings.Count(t.Name(), "/") == 0 {
			return
		}
		path, err := b.screenshot(t.Name())
		if err != nil {
			t.Logf("could not save a screenshot of the page: %v", err)
			return
		}
		b.shots++
		t.Logf("screenshot of the page at %s saved to %s", b.location(), path)
	})
}

// screenshot saves a full-page PNG of the tab, named after name, and
// returns its path.
func (b *tab) screenshot(name string) (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return "", err
	}
	dir := os.Getenv("RAPPORT_SCREENSHOT_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "rapport-"+regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(name, "_")+".png")
	return path, os.WriteFile(path, png, 0o644)
}

// location is the tab's address, or why it is not known.
func (b *tab) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return fmt.Sprintf("(unknown: %v)", err)
	}
	return loc
}

// do runs steps in the tab, failing t with where the tab was if one fails.
func (b *tab) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("in the browser at %s: %v", b.location(), err)
	}
}

// get runs one action that returns a value in the tab.
func get[T any](t *testing.T, b *tab, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("in the browser at %s: %v", b.location(), err)
	}
	return v
}

// open goes to url and waits for the page to load, failing t unless the
// page answered want.
func (b *tab) open(t *testing.T, url string, want int) {
	t.Helper()
	b.expect(t, want, chromedp.Navigate(url))
}

// follow clicks what sel picks (a link or a form's button), waits for the
// next page to load and fails t unless it answered want.
func (b *tab) follow(t *testing.T, sel chromedp.CSS, want int) {
	t.Helper()
	b.expect(t, want, chromedp.Click(sel, chromedp.NodeVisible))
}

func (b *tab) expect(t *testing.T, want int, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		t.Fatalf("in the browser at %s: %v", b.location(), err)
	}
	if resp == nil || resp.Status != int64(want) {
		status := "no response"
		if resp != nil {
			status = fmt.Sprintf("%d %s", resp.Status, resp.StatusText)
		}
		t.Fatalf("%s answered %s, want %d; the page says:\n%s", b.location(), status, want, b.text(t))
	}
}

// text is the page's text as a person reads it.
func (b *tab) text(t *testing.T) string {
	t.Helper()
	return get(t, b, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
}

// count is how many elements match a CSS selector.
func (b *tab) count(t *testing.T, css string) int {
	t.Helper()
	return get(t, b, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, css)))
}

// The sign-in page's button, which spends the link.
const signInButton = chromedp.CSS(`form[method=post] button[type=submit], form[method=post] input[type=submit]`)

// signIn opens a sign-in link as an admin does from Slack, presses Sign
// in and waits for the overview.
func (b *tab) signIn(t *testing.T, link string) {
	t.Helper()
	b.open(t, link, http.StatusOK)
	b.do(t, chromedp.WaitVisible(signInButton))
	if got := get(t, b, chromedp.Text(signInButton)); !strings.Contains(got, "Sign in") {
		t.Errorf("the sign-in page's button says %q, want Sign in", got)
	}
	b.follow(t, signInButton, http.StatusOK)
}

// download clicks a link to a file and returns what was downloaded,
// waiting for Chromium to say the download finished.
func (b *tab) download(t *testing.T, link chromedp.CSS) []byte {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	// Subscribed before the click, so the end of the download is not missed.
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior:      browser.SetDownloadBehaviorBehaviorAllowAndName,
				DownloadPath:  dir,
				EventsEnabled: new(true),
			})
			return err
		}),
		chromedp.Click(link, chromedp.NodeVisible),
	)
	if err != nil {
		t.Fatalf("in the browser at %s: %v", b.location(), err)
	}
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("the download did not finish: %v", err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCanceled:
			t.Fatalf("Chromium cancelled the download")
		case browser.DownloadProgressStateCompleted:
			data, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
	}
	t.Fatal("the download did not finish")
	return nil
}

// A member of the network the browser tests look at.
type webMember struct {
	id, name, org, sector, role string
}

var (
	webOrgs    = []string{"Riverside Surgery", "Hillview Medical Centre", "Northfield Pharmacy", "Age Well Northfield"}
	webMembers = []webMember{
		{"U0WEB00001", "Amara Okafor", "Riverside Surgery", "gp_practice", "practice_nurse"},
		{"U0WEB00002", "Ben Hughes", "Riverside Surgery", "gp_practice", "gp_partner"},
		{"U0WEB00003", "Chloe Murphy", "Hillview Medical Centre", "gp_practice", "practice_manager"},
		{"U0WEB00004", "Dev Khan", "Hillview Medical Centre", "gp_practice", "salaried_gp"},
		{"U0WEB00005", "Ellie Patel", "Northfield Pharmacy", "community_pharmacy", "other"},
		{"U0WEB00006", "Farid Okafor", "Northfield Pharmacy", "community_pharmacy", "other"},
		{"U0WEB00007", "Grace Hughes", "Age Well Northfield", "voluntary_sector", "other"},
		{"U0WEB00008", "Harvey Murphy", "Age Well Northfield", "voluntary_sector", "other"},
	}
)

// freeAddr returns a local address nothing listens on now.
//
// TODO: serve with RAPPORT_HTTP_ADDR=127.0.0.1:0 once the program says
// which address it took.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// site is a running Rapport with its admin pages, and the network that
// joined it.
type site struct {
	*harness
	url string // the public address, as sign-in links start
}

// startSite runs the real serve command with its admin pages, lists the
// organisations and has every member of webMembers join through
// /introduce-me.
func startSite(t *testing.T, target storagetest.Target) *site {
	t.Helper()
	addr := freeAddr(t)
	ws := slacktest.New(slacktest.WithPingInterval(500 * time.Millisecond))
	t.Cleanup(ws.Close)
	s := &site{url: "http://" + addr}
	s.harness = startServeOn(t, ws, target, map[string]string{
		"RAPPORT_HTTP_ADDR":  addr,
		"RAPPORT_PUBLIC_URL": s.url,
	})
	// Members join after the start's catch-up, which finds nobody, so the
	// admin runs the first round.
	s.waitLog("why=catch-up")
	s.waitReady(t)
	for _, o := range webOrgs {
		if got := s.reply(admin, "admin practices add "+o); !strings.Contains(got, "Added") {
			t.Fatalf("admin practices add %s: %s", o, got)
		}
	}
	topics := append(append([]string{}, bot.ClinicalTopics...), bot.WorkTopics...)
	for i, m := range webMembers {
		ws.AddUser(slacktest.User{ID: m.id, RealName: m.name})
		err := demoJoin(s.ctx(), ws, m.id, map[string]any{
			bot.FieldOrganisation: m.org,
			bot.FieldSector:       m.sector,
			bot.FieldRole:         m.role,
			bot.FieldCareerStage:  "established",
			bot.FieldInterests:    []string{topics[i%len(topics)], bot.PersonalTopics[i%len(bot.PersonalTopics)]},
			bot.FieldOffers:       []string{topics[(i+3)%len(topics)]},
			bot.FieldAsks:         []string{topics[(i+5)%len(topics)]},
			bot.FieldFrequency:    "weekly",
			bot.FieldMentoring:    "neither",
			bot.FieldMeeting:      "either",
			bot.FieldBio:          "Here to meet the network",
		})
		if err != nil {
			t.Fatalf("%s could not join: %v", m.name, err)
		}
	}
	return s
}

// waitReady waits until the program says, on /readyz, that it is ready
// to serve: the check Docker and Kubernetes make before sending anyone.
func (s *site) waitReady(t *testing.T) {
	t.Helper()
	ctx := s.ctx()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, body)
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the admin pages at %s never became ready: %s; log:\n%s", s.url, last, s.log.String())
		case <-tick.C:
		}
	}
}

var signInLink = regexp.MustCompile(`https?://[^\s<>|"]+` + regexp.QuoteMeta(bot.SignInPath) + `[A-Za-z0-9]+`)

// signInLink has the admin type "/introduce-me admin dashboard" and returns
// the link from the direct message the bot sends them.
func (s *site) signInLink(t *testing.T) string {
	t.Helper()
	before := len(s.ws.DMs(admin))
	s.command(admin, "admin dashboard")
	var link string
	err := s.ws.Wait(s.ctx(), func() bool {
		dms := s.ws.DMs(admin)
		for _, m := range dms[min(before, len(dms)):] {
			if l := signInLink.FindString(m.Text + "\n" + blockText(t, m.Blocks)); l != "" {
				link = l
				return true
			}
		}
		return false
	})
	if err != nil {
		var seen []string
		for _, m := range s.ws.DMs(admin) {
			seen = append(seen, m.Text)
		}
		t.Fatalf("no sign-in link reached the admin: %v; their DMs: %q", err, seen)
	}
	if !strings.HasPrefix(link, s.url+bot.SignInPath) {
		t.Errorf("the sign-in link %s does not start with RAPPORT_PUBLIC_URL %s", link, s.url)
	}
	return link
}

// roundOrgPairs waits for n intros to be posted and returns the pairs of
// organisations they introduced, each as "A|B" with A < B.
func (s *site) roundOrgPairs(t *testing.T, n int) map[string]bool {
	t.Helper()
	pairs := map[string]bool{}
	for _, calls := range s.waitIntros(n, 20*time.Second) {
		text := blockText(t, []byte(calls[0].Params["blocks"]))
		var orgs []string
		for _, m := range webMembers {
			if strings.Contains(text, "<@"+m.id+">") {
				orgs = append(orgs, m.org)
			}
		}
		slices.Sort(orgs)
		for i := range orgs {
			for j := i + 1; j < len(orgs); j++ {
				if orgs[i] != orgs[j] {
					pairs[orgs[i]+"|"+orgs[j]] = true
				}
			}
		}
	}
	return pairs
}

// TestBrowserAdminWindow signs an admin in from the link the bot sent,
// and walks the pages as they would: the round's preview and run-now, then
// the map of the intros it made, the roster by practice and the CSV.
func TestBrowserAdminWindow(t *testing.T) {
	target := storagetest.Databases(t)[0] // the pages read the same store on either
	b := newTab(t)
	s := startSite(t, target)
	link := s.signInLink(t)

	t.Run("sign in", func(t *testing.T) {
		b.screenshotOnFailure(t)
		// Slack fetches a link to show its preview: that must not spend it.
		resp, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		b.signIn(t, link)
		if loc := b.location(); !strings.HasPrefix(loc, s.url+"/admin") {
			t.Errorf("signing in landed on %s, want the overview under /admin", loc)
		}
		text := b.text(t)
		if !strings.Contains(text, "Overview") {
			t.Errorf("the overview does not say Overview:\n%s", text)
		}
	})

	t.Run("round preview", func(t *testing.T) {
		b.screenshotOnFailure(t)
		b.open(t, s.url+"/admin/rounds", http.StatusOK)
		b.do(t, chromedp.WaitVisible(chromedp.CSS(`#preview`)))
		text := get(t, b, chromedp.Text(chromedp.CSS(`#preview`)))
		for _, m := range webMembers {
			if !strings.Contains(text, m.name) {
				t.Errorf("the preview does not show %s:\n%s", m.name, text)
			}
		}
	})

	t.Run("run now", func(t *testing.T) {
		b.screenshotOnFailure(t)
		b.open(t, s.url+"/admin/rounds", http.StatusOK)
		b.follow(t, `#run-now button[type=submit]`, http.StatusOK)
		b.follow(t, `#run-now-confirm button[type=submit]`, http.StatusOK)
		if text := b.text(t); !strings.Contains(text, "Round 1") {
			t.Errorf("after run-now, the page does not show round 1:\n%s", text)
		}
	})

	t.Run("map", func(t *testing.T) {
		b.screenshotOnFailure(t)
		pairs := s.roundOrgPairs(t, len(webMembers)/2)
		b.open(t, s.url+"/admin/map", http.StatusOK)
		b.do(t, chromedp.WaitVisible(chromedp.CSS(`svg .map-node`)))
		if n := b.count(t, `svg .map-node`); n != len(webOrgs) {
			t.Errorf("the map has %d nodes, want one for each of the %d organisations", n, len(webOrgs))
		}
		if n := b.count(t, `svg .map-link`); n != len(pairs) {
			t.Errorf("the map has %d links, want %d, one for each pair of organisations introduced: %v", n, len(pairs), slices.Sorted(maps.Keys(pairs)))
		}
	})

	t.Run("roster by practice", func(t *testing.T) {
		b.screenshotOnFailure(t)
		b.open(t, s.url+"/admin/members", http.StatusOK)
		b.do(t, chromedp.WaitVisible(chromedp.CSS(`#roster-filter select[name=org]`)))
		options := get(t, b, chromedp.Evaluate[[][2]string](
			`[...document.querySelectorAll('#roster-filter select[name=org] option')].map(o => [o.value, o.textContent.trim()])`))
		value := ""
		for _, o := range options {
			if o[1] == "Riverside Surgery" {
				value = o[0]
			}
		}
		if value == "" {
			t.Fatalf("the practice filter does not offer Riverside Surgery: %q", options)
		}
		b.do(t, chromedp.SetValue(chromedp.CSS(`#roster-filter select[name=org]`), value))
		b.follow(t, `#roster-filter button[type=submit]`, http.StatusOK)
		text := b.text(t)
		for _, m := range webMembers {
			if shown := strings.Contains(text, m.name); shown != (m.org == "Riverside Surgery") {
				t.Errorf("filtered by Riverside Surgery, %s of %s is shown: %v", m.name, m.org, shown)
			}
		}
	})

	t.Run("counts CSV", func(t *testing.T) {
		b.screenshotOnFailure(t)
		b.open(t, s.url+"/admin/members", http.StatusOK)
		data := b.download(t, `a[href*="counts.csv"]`)
		rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
		if err != nil {
			t.Fatalf("the download is not CSV: %v\n%s", err, data)
		}
		if len(rows) != 1+len(webOrgs) {
			t.Fatalf("the CSV has %d rows, want a header and one for each of the %d organisations:\n%s", len(rows), len(webOrgs), data)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[strings.ToLower(h)] = i
		}
		org, okOrg := col["organisation"]
		active, okActive := col["active"]
		if !okOrg || !okActive {
			t.Fatalf("the CSV's header %q lacks organisation or active", rows[0])
		}
		for _, r := range rows[1:] {
			if !slices.Contains(webOrgs, r[org]) {
				t.Errorf("the CSV has a row for %q, which has no members", r[org])
			}
			if n, _ := strconv.Atoi(r[active]); n != 2 {
				t.Errorf("the CSV counts %s active members of %s, want 2", r[active], r[org])
			}
		}
	})

	t.Run("reused link", func(t *testing.T) {
		// A fresh browser, with no session: someone who found the link.
		other := newTab(t)
		other.open(t, link, http.StatusOK)
		text := other.text(t)
		// TODO: follow the real page: the button may be there, leading to the refusal.
		if !strings.Contains(text, "used already") {
			t.Errorf("a reused link does not say it was used already:\n%s", text)
		}
		for _, m := range webMembers {
			if strings.Contains(text, m.name) || strings.Contains(text, m.org) {
				t.Errorf("the page for a reused link shows %s or %s:\n%s", m.name, m.org, text)
			}
		}
	})
}

// TestBrowserHarness checks the harness itself against a small page: the
// sign-in helper, the download and the screenshot a failing test saves.
func TestBrowserHarness(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/sign-in/{token}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>Sign in</title><form method=post><button type=submit>Sign in</button></form>`)
	})
	mux.HandleFunc("POST /admin/sign-in/{token}", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "s", Value: "x", HttpOnly: true, SameSite: http.SameSiteStrictMode, Path: "/"})
		http.Redirect(w, r, "/admin", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /admin", func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("s"); err != nil {
			http.Error(w, "not signed in", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `<!doctype html><title>Overview</title><h1>Overview</h1><a id=csv href="/admin/members/counts.csv">CSV</a>`)
	})
	mux.HandleFunc("GET /admin/members/counts.csv", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		w.Header().Set("Content-Disposition", `attachment; filename="counts.csv"`)
		fmt.Fprint(w, "organisation,active\nRiverside Surgery,2\n")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	b := newTab(t)
	b.signIn(t, srv.URL+"/admin/sign-in/TOKEN")
	if text := b.text(t); !strings.Contains(text, "Overview") {
		t.Errorf("after signing in: %s", text)
	}
	if got := string(b.download(t, "#csv")); got != "organisation,active\nRiverside Surgery,2\n" {
		t.Errorf("downloaded %q", got)
	}
	path, err := b.screenshot(t.Name())
	if err != nil {
		t.Fatal(err)
	}
	png, err := os.ReadFile(path)
	if err != nil || !strings.HasPrefix(string(png), "\x89PNG") {
		t.Errorf("the screenshot at %s is not a PNG: %v", path, err)
	}
}
