package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// rig is the admin pages over a real database, with a clock the test
// moves and a list of admins it changes.
type rig struct {
	t    testing.TB
	ctx  context.Context
	db   *storage.DB
	core *bot.Core
	srv  *Server
	h    http.Handler

	mu     sync.Mutex
	now    time.Time
	admins map[string]bool
}

// admin is the network admin the tests sign in as.
var admin = bot.User{Platform: "slack", ID: "UADMIN", Name: "Dr Ada Admin"}

func newRig(tb testing.TB, target storagetest.Target) *rig {
	tb.Helper()
	r := &rig{t: tb, ctx: context.Background(), db: storagetest.MustOpenDB(tb, target),
		now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), admins: map[string]bool{admin.ID: true}}
	r.core = bot.NewCore(bot.Network{Store: r.db, Now: r.clock, IsAdmin: r.isAdmin, PublicURL: "https://rapport.example.org"})
	r.srv = New(Options{
		Admin: r.core.Admin, Store: r.db, Rounds: r.core.Rounds, Meetups: r.db,
		PublicURL: "https://rapport.example.org", Now: r.clock,
	})
	r.h = r.srv.Handler()
	return r
}

func (r *rig) clock() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now
}

func (r *rig) advance(d time.Duration) {
	r.mu.Lock()
	r.now = r.now.Add(d)
	r.mu.Unlock()
}

func (r *rig) isAdmin(u bot.User) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.admins[u.ID]
}

func (r *rig) setAdmin(id string, yes bool) {
	r.mu.Lock()
	r.admins[id] = yes
	r.mu.Unlock()
}

// link makes a sign-in link for u and returns its path.
func (r *rig) link(u bot.User) string {
	r.t.Helper()
	l, _, err := r.core.Admin.NewSignInLink(r.ctx, u)
	if err != nil {
		r.t.Fatalf("new sign-in link: %v", err)
	}
	u2, err := url.Parse(l)
	if err != nil {
		r.t.Fatal(err)
	}
	return u2.Path
}

// signIn signs the admin in through a link and returns the session
// cookie.
func (r *rig) signIn() *http.Cookie {
	r.t.Helper()
	res := r.do("POST", r.link(admin), nil, nil)
	if res.Code != http.StatusSeeOther {
		r.t.Fatalf("sign in: status %d, want 303\n%s", res.Code, res.Body)
	}
	for _, c := range res.Result().Cookies() {
		if c.Name == CookieName {
			return c
		}
	}
	r.t.Fatal("sign in set no session cookie")
	return nil
}

// do serves one request; form, when not nil, is its POST body.
func (r *rig) do(method, path string, cookie *http.Cookie, form url.Values) *httptest.ResponseRecorder {
	return r.doWith(method, path, cookie, form, nil)
}

// doWith is do with more request headers.
func (r *rig) doWith(method, path string, cookie *http.Cookie, form url.Values, headers map[string]string) *httptest.ResponseRecorder {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res := httptest.NewRecorder()
	r.h.ServeHTTP(res, req)
	return res
}

// get fetches a page as the signed-in admin and fails unless it is 200.
func (r *rig) get(path string, cookie *http.Cookie) string {
	r.t.Helper()
	res := r.do("GET", path, cookie, nil)
	if res.Code != http.StatusOK {
		r.t.Fatalf("GET %s: status %d, want 200\n%s", path, res.Code, res.Body)
	}
	return res.Body.String()
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the session's CSRF token from a page's form.
func (r *rig) csrf(cookie *http.Cookie) string {
	r.t.Helper()
	m := csrfInput.FindStringSubmatch(r.get("/admin/rounds/run", cookie))
	if m == nil {
		r.t.Fatal("the run-now page has no form with a CSRF token")
	}
	return m[1]
}

// join stores a member, through the profile form's validation.
func (r *rig) join(n int, name, org, sector string, opts ...bottest.Option) *bot.Member {
	r.t.Helper()
	opts = append([]bottest.Option{bottest.UserID(fmt.Sprintf("U%04d", n)), bottest.Name(name), bottest.Org(org), bottest.Sector(sector)}, opts...)
	m := bottest.Member(r.t, opts...)
	if err := r.db.SaveMember(r.ctx, m); err != nil {
		r.t.Fatalf("save member: %v", err)
	}
	return m
}

// forEachDatabase runs f on SQLite, and on PostgreSQL when it is set up.
func forEachDatabase(t *testing.T, f func(t *testing.T, r *rig)) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) { f(t, newRig(t, target)) })
	}
}

func mustContain(t testing.TB, page string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}
