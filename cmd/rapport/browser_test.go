package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/png"
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
	// saved one does not save the same page again when it ends.
	shots int
}

// newTab starts Chromium for t, skipping the test when there is none
// (failing it instead when RAPPORT_REQUIRE_BROWSER=1, as CI sets), and
// saves a screenshot of the page if the test fails and none of its
// subtests saved one.
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
	t.Cleanup(func() {
		if t.Failed() && b.shots == 0 {
			b.saveScreenshot(t)
		}
	})
	return b
}

// screenshotOnFailure saves a full-page screenshot of the tab when t
// ends failed, for a subtest that shares its parent's tab.
func (b *tab) screenshotOnFailure(t *testing.T) {
	t.Cleanup(func() {
		if t.Failed() {
			b.saveScreenshot(t)
		}
	})
}

// saveScreenshot saves a full-page screenshot, named after t, to
// $RAPPORT_SCREENSHOT_DIR or the temporary directory, and logs where.
func (b *tab) saveScreenshot(t *testing.T) {
	loc := b.location()
	if loc == "about:blank" {
		return // no page was opened, so there is nothing to see
	}
	path, err := b.screenshot(t.Name())
	if err != nil {
		t.Logf("could not save a screenshot of the page: %v", err)
		return
	}
	b.shots++
	t.Logf("screenshot of the page at %s saved to %s", loc, path)
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

// expect runs steps that load a page and fails t unless it answered want.
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
const signInButton = chromedp.CSS(`#sign-in`)

// signIn opens a sign-in link as an admin does from Slack, presses Sign
// in and waits for the overview.
func (b *tab) signIn(t *testing.T, link string) {
	t.Helper()
	b.open(t, link, http.StatusOK)
	b.do(t, chromedp.WaitVisible(signInButton))
	if got := get(t, b, chromedp.Text(signInButton)); got != "Sign in" {
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
	// webOrgs are the network's organisations and their sectors, as the
	// admin lists them.
	webOrgs = []struct{ name, sector string }{
		{"Riverside Surgery", "gp_practice"},
		{"Hillview Medical Centre", "gp_practice"},
		{"Northfield Pharmacy", "community_pharmacy"},
		{"Age Well Northfield", "voluntary_sector"},
	}
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

// site is a running Rapport with its admin pages, and the network that
// joined it.
type site struct {
	*harness
	url string // where the admin pages are, as sign-in links start
	// joined are what each member who joined offers and asks.
	joined []struct{ offers, asks []string }
}

// adminListening is the line serve logs once its HTTP listener has an address.
var adminListening = regexp.MustCompile(`admin pages, health checks and metrics listening"? addr=(\S+)`)

// startSite runs the real serve command with its admin pages on a port
// of its choosing.
func startSite(t *testing.T, target storagetest.Target) *site {
	t.Helper()
	ws := slacktest.New(slacktest.WithPingInterval(500 * time.Millisecond))
	t.Cleanup(ws.Close)
	// With no RAPPORT_PUBLIC_URL, sign-in links use the listener's own
	// address, which serve logs before it connects to Slack.
	s := &site{harness: startServeOn(t, ws, target, map[string]string{"RAPPORT_HTTP_ADDR": "127.0.0.1:0"})}
	if err := s.log.wait(s.ctx(), adminListening.MatchString); err != nil {
		t.Fatalf("serve never said where its admin pages are: %v; log:\n%s", err, s.log.String())
	}
	s.url = "http://" + adminListening.FindStringSubmatch(s.log.String())[1]
	// Members join after the start's catch-up, which finds nobody, so the
	// admin runs the first round.
	s.waitLog("why=catch-up")
	return s
}

// join has every member of webMembers join through /introduce-me, as
// they would: opening the form, choosing their organisation and saving.
func (s *site) join(t *testing.T) {
	t.Helper()
	topics := append(append([]string{}, bot.ClinicalTopics...), bot.WorkTopics...)
	for i, m := range webMembers {
		s.ws.AddUser(slacktest.User{ID: m.id, RealName: m.name})
		offers, asks := []string{topics[(i+3)%len(topics)]}, []string{topics[(i+5)%len(topics)]}
		s.joined = append(s.joined, struct{ offers, asks []string }{offers, asks})
		err := demoJoin(s.ctx(), s.ws, m.id, map[string]any{
			bot.FieldOrganisation: m.org,
			bot.FieldSector:       m.sector,
			bot.FieldRole:         m.role,
			bot.FieldCareerStage:  "established",
			bot.FieldInterests:    []string{topics[i%len(topics)], bot.PersonalTopics[i%len(bot.PersonalTopics)]},
			bot.FieldOffers:       offers,
			bot.FieldAsks:         asks,
			bot.FieldFrequency:    "weekly",
			bot.FieldMentoring:    "neither",
			bot.FieldMeeting:      "either",
			bot.FieldBio:          "Here to meet the network",
		})
		if err != nil {
			t.Fatalf("%s could not join: %v", m.name, err)
		}
	}
}

// signInLink has the admin type "/introduce-me admin dashboard" and returns
// the address of the button in the direct message the bot sends them.
func (s *site) signInLink(t *testing.T) string {
	t.Helper()
	before := len(s.ws.DMs(admin))
	s.command(admin, "admin dashboard")
	var link string
	err := s.ws.Wait(s.ctx(), func() bool {
		dms := s.ws.DMs(admin)
		for _, m := range dms[min(before, len(dms)):] {
			for _, u := range buttonURLs(t, m.Blocks) {
				if strings.Contains(u, bot.SignInPath) {
					link = u
					return true
				}
			}
		}
		return false
	})
	if err != nil {
		var seen []string
		for _, m := range s.ws.DMs(admin) {
			seen = append(seen, m.Text)
		}
		answer, _ := s.ws.LastEphemeral(admin)
		t.Fatalf("no sign-in link reached the admin: %v; the bot answered %q; their DMs: %q; log:\n%s",
			err, answer.Text, seen, grepLines(s.log.String(), "level=WARN", "level=ERROR"))
	}
	if !strings.HasPrefix(link, s.url+bot.SignInPath) {
		t.Errorf("the sign-in link %s is not at the admin pages' address %s", link, s.url)
	}
	return link
}

// buttonURLs returns the addresses of a Block Kit message's link buttons.
func buttonURLs(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if u, ok := x["url"].(string); ok && x["type"] == "button" {
				out = append(out, u)
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return out
}

// roundOrgPairs waits for n intros to be posted and returns how many
// introduced each pair of organisations, keyed "A|B" with A < B.
func (s *site) roundOrgPairs(t *testing.T, n int) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.ws.Wait(ctx, func() bool { return len(introPosts(s.ws)) >= n }); err != nil {
		t.Fatalf("%d of %d intros delivered: %v", len(introPosts(s.ws)), n, err)
	}
	pairs := map[string]int{}
	for _, calls := range introPosts(s.ws) {
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
					pairs[orgs[i]+"|"+orgs[j]]++
				}
			}
		}
	}
	return pairs
}

// TestBrowserAdminWindow signs an admin in from the link the bot sent,
// and walks the pages as they would: the next round's preview and
// run-now, then the map of the intros it made, the roster by practice,
// the counts for the ICB and the learning gaps for the training leads.
func TestBrowserAdminWindow(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) { walkAdminWindow(t, target) })
	}
}

func walkAdminWindow(t *testing.T, target storagetest.Target) {
	b := newTab(t)
	s := startSite(t, target)
	link := s.signInLink(t)

	// Every page after this needs the session it starts.
	signedIn := t.Run("sign in", func(t *testing.T) {
		b.screenshotOnFailure(t)
		// Slack fetches a link to show its preview: that must not spend it.
		resp, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		b.signIn(t, link)
		if loc := b.location(); loc != s.url+"/admin/" {
			t.Errorf("signing in landed on %s, want the overview at %s/admin/", loc, s.url)
		}
		if h := get(t, b, chromedp.Text(chromedp.CSS(`h1`))); h != "Overview" {
			t.Errorf("the page after signing in is %q, want the Overview", h)
		}
		// The session's cookie is HttpOnly: no script on a page can read it.
		if c := get(t, b, chromedp.Evaluate[string](`document.cookie`)); c != "" {
			t.Errorf("a script on the page can read the cookies %q", c)
		}
	})
	if !signedIn {
		t.FailNow()
	}

	t.Run("organisations", func(t *testing.T) {
		b.screenshotOnFailure(t)
		b.open(t, s.url+"/admin/organisations", http.StatusOK)
		for _, o := range webOrgs {
			b.do(t,
				chromedp.SendKeys(chromedp.CSS(`#org-add-name`), o.name),
				chromedp.SetValue(chromedp.CSS(`#org-add-sector`), o.sector))
			b.follow(t, `#org-add-submit`, http.StatusOK)
		}
		rows := get(t, b, chromedp.Evaluate[[]string](
			`[...document.querySelectorAll('#organisations tbody tr')].map(tr => tr.querySelector('th').innerText + ': ' + tr.querySelector('select[name=sector] option:checked').innerText)`))
		var want []string
		for _, o := range webOrgs {
			want = append(want, o.name+": "+sectorLabel(t, o.sector))
		}
		slices.Sort(want)
		if !slices.Equal(rows, want) {
			t.Errorf("the organisations page lists %q, want %q", rows, want)
		}
	})

	// The members join in Slack, choosing from the list the admin made.
	s.join(t)

	t.Run("overview", func(t *testing.T) {
		b.screenshotOnFailure(t)
		b.open(t, s.url+"/admin/", http.StatusOK)
		if n := get(t, b, chromedp.Text(chromedp.CSS(`#count-active`))); n != strconv.Itoa(len(webMembers)) {
			t.Errorf("the overview counts %s members taking part, want %d", n, len(webMembers))
		}
	})

	t.Run("round preview", func(t *testing.T) {
		b.screenshotOnFailure(t)
		b.open(t, s.url+"/admin/rounds", http.StatusOK)
		// Until the preview is worked out the page says so and refreshes
		// itself; the wait carries on across its reloads.
		b.do(t, chromedp.WaitVisible(chromedp.CSS(`#preview-intros`)))
		// Each introduction: who, and why they were introduced.
		intros := get(t, b, chromedp.Evaluate[[][2]string](
			`[...document.querySelectorAll('#preview-intros > li')].map(li => [li.querySelector('.who').innerText, [...li.querySelectorAll('p:not(.who)')].map(p => p.innerText).join(' ')])`))
		if len(intros) != len(webMembers)/2 {
			t.Errorf("the preview shows %d introductions, want %d: %q", len(intros), len(webMembers)/2, intros)
		}
		for _, m := range webMembers {
			in := 0
			for _, intro := range intros {
				if strings.Contains(intro[0], m.name) {
					in++
				}
			}
			if in != 1 {
				t.Errorf("%s is in %d of the preview's introductions, want 1", m.name, in)
			}
		}
		for _, intro := range intros {
			if strings.TrimSpace(intro[1]) == "" {
				t.Errorf("the preview's introduction of %s gives no reason", intro[0])
			}
		}
		if n := len(introPosts(s.ws)); n != 0 {
			t.Errorf("the preview sent %d introductions", n)
		}
	})

	t.Run("run now", func(t *testing.T) {
		b.screenshotOnFailure(t)
		b.open(t, s.url+"/admin/rounds", http.StatusOK)
		b.follow(t, `#run-now`, http.StatusOK)
		if n := len(introPosts(s.ws)); n != 0 {
			t.Errorf("asking to run a round ran it before the confirmation: %d introductions sent", n)
		}
		b.follow(t, `#run-confirm`, http.StatusOK)
		if flash := get(t, b, chromedp.Text(chromedp.CSS(`#flash`))); !strings.Contains(flash, "Round 1 is under way") {
			t.Errorf("after running the round, the page says %q", flash)
		}
		if first := get(t, b, chromedp.Text(chromedp.CSS(`#past-rounds tbody th`))); first != "1" {
			t.Errorf("the past rounds start with %q, want round 1", first)
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
		// Each link, as "A|B: intros", naming its ends as their nodes do.
		links := get(t, b, chromedp.Evaluate[[]string](`(() => {
			const name = id => document.querySelector('svg .map-node[data-org="' + id + '"] .tip').textContent.split(':')[0];
			return [...document.querySelectorAll('svg .map-link')].map(l =>
				[name(l.dataset.a), name(l.dataset.b)].sort().join('|') + ': ' + parseInt(l.querySelector('.tip').textContent));
		})()`))
		var want []string
		for pair, n := range pairs {
			want = append(want, fmt.Sprintf("%s: %d", pair, n))
		}
		slices.Sort(want)
		slices.Sort(links)
		if !slices.Equal(links, want) {
			t.Errorf("the map's links are %q, want one for each pair of organisations introduced, with its intros: %q", links, want)
		}
	})

	t.Run("roster by practice", func(t *testing.T) {
		b.screenshotOnFailure(t)
		const practice = "Riverside Surgery"
		b.open(t, s.url+"/admin/members", http.StatusOK)
		options := get(t, b, chromedp.Evaluate[[][2]string](
			`[...document.querySelectorAll('#roster-filter select[name=org] option')].map(o => [o.value, o.textContent.trim()])`))
		value := ""
		for _, o := range options {
			if o[1] == practice {
				value = o[0]
			}
		}
		if value == "" {
			t.Fatalf("the organisation filter does not offer %s: %q", practice, options)
		}
		b.do(t, chromedp.SetValue(chromedp.CSS(`#roster-filter select[name=org]`), value))
		b.follow(t, `#roster-filter-apply`, http.StatusOK)
		roster := get(t, b, chromedp.Text(chromedp.CSS(`#roster tbody`)))
		for _, m := range webMembers {
			if shown := strings.Contains(roster, m.name); shown != (m.org == practice) {
				t.Errorf("filtered by %s, the roster shows %s of %s: %v", practice, m.name, m.org, shown)
			}
		}
	})

	t.Run("counts CSV", func(t *testing.T) {
		b.screenshotOnFailure(t)
		b.open(t, s.url+"/admin/members", http.StatusOK)
		data := b.download(t, `#counts-csv`)
		rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
		if err != nil {
			t.Fatalf("the download is not CSV: %v\n%s", err, data)
		}
		// Every organisation, by name, with its two members taking part.
		want := [][]string{{"organisation", "sector", "active", "paused", "unreachable", "total"}}
		byName := slices.Clone(webOrgs)
		slices.SortFunc(byName, func(a, b struct{ name, sector string }) int { return strings.Compare(a.name, b.name) })
		for _, o := range byName {
			want = append(want, []string{o.name, sectorLabel(t, o.sector), "2", "0", "0", "2"})
		}
		if fmt.Sprint(rows) != fmt.Sprint(want) {
			t.Errorf("the CSV is\n%s\nwant the rows %q", data, want)
		}
	})

	t.Run("learning gaps", func(t *testing.T) {
		b.screenshotOnFailure(t)
		b.open(t, s.url+"/admin/", http.StatusOK)
		b.follow(t, `nav a[href="/admin/gaps"]`, http.StatusOK)
		if h := get(t, b, chromedp.Text(chromedp.CSS(`h1`))); h != "Learning gaps" {
			t.Errorf("the nav's Learning gaps link leads to %q", h)
		}
		rows := get(t, b, chromedp.Evaluate[[]string](
			`[...document.querySelectorAll('#gaps-table tbody tr')].map(tr => tr.querySelector('th').innerText + ': ' + tr.querySelector('td').innerText)`))
		// What members ask for and nobody offers, each by one member.
		offered := map[string]bool{}
		for _, x := range s.joined {
			for _, o := range x.offers {
				offered[o] = true
			}
		}
		var want []string
		for _, x := range s.joined {
			for _, a := range x.asks {
				if !offered[a] {
					want = append(want, a+": 1")
				}
			}
		}
		slices.Sort(want)
		if len(want) == 0 || !slices.Equal(rows, want) {
			t.Errorf("the learning gaps are %q, want %q", rows, want)
		}
	})

	t.Run("reused link", func(t *testing.T) {
		// A browser with no session: someone else who has the link.
		other := newTab(t)
		other.open(t, link, http.StatusOK)
		other.follow(t, signInButton, http.StatusGone)
		text := other.text(t)
		if !strings.Contains(text, "used already") {
			t.Errorf("a reused link does not say it has been used:\n%s", text)
		}
		for _, m := range webMembers {
			if strings.Contains(text, m.name) || strings.Contains(text, m.org) {
				t.Errorf("the page for a reused link shows %s or %s:\n%s", m.name, m.org, text)
			}
		}
		if n := other.count(t, `nav a[href^="/admin/"]`); n != 0 {
			t.Errorf("the page for a reused link links to %d admin pages", n)
		}
		// Nor did it sign them in.
		other.open(t, s.url+"/admin/members", http.StatusUnauthorized)
		if text := other.text(t); strings.Contains(text, webMembers[0].name) {
			t.Errorf("after a reused link, the members page shows members:\n%s", text)
		}
	})
}

// sectorLabel is how people read a sector's code.
func sectorLabel(t *testing.T, code string) string {
	t.Helper()
	for _, s := range bot.Sectors {
		if s.Code == code {
			return s.Label
		}
	}
	t.Fatalf("no sector %s", code)
	return ""
}

// TestBrowserScreenshot checks what a failing browser test leaves behind:
// a PNG of the whole page, beyond the part the window shows.
func TestBrowserScreenshot(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>Tall</title><div style="height:3000px">A page taller than the window</div>`)
	}))
	t.Cleanup(srv.Close)
	b := newTab(t)
	b.open(t, srv.URL, http.StatusOK)
	path, err := b.screenshot(t.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(path) })
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("the screenshot at %s is not a PNG: %v", path, err)
	}
	if img.Height < 3000 {
		t.Errorf("the screenshot is %d pixels high, want the whole page of 3000", img.Height)
	}
}
