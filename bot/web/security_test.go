package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// adminPaths are every page that needs a session.
var adminPaths = []string{
	"/admin/", "/admin/map", "/admin/members", "/admin/members/counts.csv", "/admin/members/1/remove",
	"/admin/organisations", "/admin/organisations/1/merge", "/admin/organisations/1/remove",
	"/admin/rounds", "/admin/rounds/run", "/admin/meetups", "/admin/gaps", "/admin/log",
}

func TestEveryAdminPageNeedsASession(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, r *rig) {
		r.join(1, "Priya Shah", "Riverside Surgery", "gp_practice")
		for _, p := range adminPaths {
			for _, c := range []*http.Cookie{nil, {Name: CookieName, Value: "NOTASESSION1234567890ABCD"}} {
				res := r.do("GET", p, c, nil)
				body := res.Body.String()
				if res.Code != http.StatusUnauthorized {
					t.Errorf("GET %s (cookie %v): status %d, want 401", p, c != nil, res.Code)
				}
				mustContain(t, body, "You&#39;re not signed in", "/introduce-me admin dashboard")
				if strings.Contains(body, "Priya") || strings.Contains(body, "Riverside") {
					t.Errorf("GET %s without a session shows a member's details", p)
				}
			}
		}
		res := r.do("POST", "/admin/members/1/pause", nil, url.Values{"csrf": {"x"}})
		if res.Code != http.StatusUnauthorized {
			t.Errorf("POST without a session: status %d, want 401", res.Code)
		}
	})
}

func TestOpeningASignInLinkDoesNotSpendIt(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, r *rig) {
		path := r.link(admin)
		for range 3 { // a chat platform's preview, then the admin
			res := r.do("GET", path, nil, nil)
			if res.Code != http.StatusOK {
				t.Fatalf("GET link: status %d, want 200", res.Code)
			}
			mustContain(t, res.Body.String(), `<button type="submit" class="button" id="sign-in">Sign in</button>`)
			if len(res.Result().Cookies()) > 0 {
				t.Fatal("opening the link set a cookie")
			}
		}
		res := r.do("POST", path, nil, nil)
		if res.Code != http.StatusSeeOther || res.Header().Get("Location") != "/admin/" {
			t.Fatalf("POST link: status %d to %q, want 303 to /admin/", res.Code, res.Header().Get("Location"))
		}
		var c *http.Cookie
		for _, k := range res.Result().Cookies() {
			if k.Name == CookieName {
				c = k
			}
		}
		if c == nil || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/admin" {
			t.Fatalf("session cookie %+v, want HttpOnly, Secure, SameSite=Strict, Path=/admin", c)
		}
		mustContain(t, r.get("/admin/rounds/run", c), "Signed in as Dr Ada Admin")
	})
}

func TestALinkThatCannotBeUsedSignsNobodyIn(t *testing.T) {
	tests := []struct {
		name   string
		path   func(r *rig) string
		status int
		says   string
	}{
		{"unknown", func(r *rig) string { return "/admin/sign-in/NOTATOKENRAPPORTMADE12345" }, http.StatusUnauthorized, "not a link Rapport made"},
		{"expired", func(r *rig) string {
			p := r.link(admin)
			r.advance(11 * time.Minute)
			return p
		}, http.StatusGone, "has expired"},
		{"reused", func(r *rig) string {
			p := r.link(admin)
			if res := r.do("POST", p, nil, nil); res.Code != http.StatusSeeOther {
				r.t.Fatalf("first use: status %d", res.Code)
			}
			return p
		}, http.StatusGone, "has been used"},
		{"no longer an admin's", func(r *rig) string {
			p := r.link(admin)
			r.setAdmin(admin.ID, false)
			return p
		}, http.StatusForbidden, "Only network admins"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachDatabase(t, func(t *testing.T, r *rig) {
				r.join(1, "Priya Shah", "Riverside Surgery", "gp_practice")
				res := r.do("POST", tt.path(r), nil, nil)
				if res.Code != tt.status {
					t.Fatalf("status %d, want %d\n%s", res.Code, tt.status, res.Body)
				}
				body := res.Body.String()
				mustContain(t, body, tt.says)
				if tt.status != http.StatusForbidden {
					mustContain(t, body, "/introduce-me admin dashboard")
				}
				for _, c := range res.Result().Cookies() {
					if c.Name == CookieName && c.Value != "" {
						t.Fatal("a session cookie was set")
					}
				}
				if strings.Contains(body, "Priya") {
					t.Fatal("the page shows a member's name")
				}
			})
		})
	}
}

func TestAnAdminTakenOffTheListLosesTheirSession(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, r *rig) {
		r.join(1, "Priya Shah", "Riverside Surgery", "gp_practice")
		c := r.signIn()
		r.get("/admin/rounds/run", c)

		r.setAdmin(admin.ID, false)
		res := r.do("GET", "/admin/members", c, nil)
		if res.Code != http.StatusForbidden {
			t.Fatalf("status %d, want 403", res.Code)
		}
		if strings.Contains(res.Body.String(), "Priya") {
			t.Fatal("a former admin sees the roster")
		}
		// Putting them back does not bring the session back: it ended.
		r.setAdmin(admin.ID, true)
		if res := r.do("GET", "/admin/members", c, nil); res.Code != http.StatusUnauthorized {
			t.Fatalf("after rights came back: status %d, want 401", res.Code)
		}
	})
}

func TestAFormWithoutTheSessionsCSRFTokenChangesNothing(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, r *rig) {
		m := r.join(1, "Priya Shah", "Riverside Surgery", "gp_practice")
		c := r.signIn()
		good := r.csrf(c)
		id := strconv.FormatInt(m.ID, 10)
		for name, form := range map[string]url.Values{
			"missing":                {},
			"empty":                  {"csrf": {""}},
			"wrong":                  {"csrf": {"ABCDEFGHIJKLMNOPQRSTUVWXYZ"}},
			"another session's":      {"csrf": {r.csrf(r.signIn())}},
			"right one, in the path": nil,
		} {
			path := "/admin/members/" + id + "/pause"
			if form == nil {
				path += "?csrf=" + good
				form = url.Values{}
			}
			res := r.do("POST", path, c, form)
			if res.Code != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", name, res.Code)
			}
			mustContain(t, res.Body.String(), "Nothing was changed")
		}
		got, err := r.db.MemberByID(r.ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Paused {
			t.Fatal("the member was paused by a form without the CSRF token")
		}
		if res := r.do("POST", "/admin/sign-out", c, url.Values{}); res.Code != http.StatusForbidden {
			t.Fatalf("sign-out without CSRF: status %d, want 403", res.Code)
		}
		r.get("/admin/rounds/run", c) // still signed in
	})
}

func TestAFormFromAnotherSiteIsRefused(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, r *rig) {
		m := r.join(1, "Priya Shah", "Riverside Surgery", "gp_practice")
		c := r.signIn()
		form := url.Values{"csrf": {r.csrf(c)}}
		path := "/admin/members/" + strconv.FormatInt(m.ID, 10) + "/pause"
		res := r.doWith("POST", path, c, form, map[string]string{"Sec-Fetch-Site": "cross-site"})
		if res.Code != http.StatusForbidden {
			t.Fatalf("status %d, want 403", res.Code)
		}
		if got, _ := r.db.MemberByID(r.ctx, m.ID); got == nil || got.Paused {
			t.Fatal("a form from another site paused the member")
		}
	})
}

func TestSigningOutEndsTheSession(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, r *rig) {
		c := r.signIn()
		res := r.do("POST", "/admin/sign-out", c, url.Values{"csrf": {r.csrf(c)}})
		if res.Code != http.StatusOK {
			t.Fatalf("sign out: status %d", res.Code)
		}
		mustContain(t, res.Body.String(), "You&#39;re signed out")
		if res := r.do("GET", "/admin/", c, nil); res.Code != http.StatusUnauthorized {
			t.Fatalf("after signing out: status %d, want 401", res.Code)
		}
	})
}

func TestEveryAnswerCarriesTheSecurityHeaders(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, r *rig) {
		c := r.signIn()
		for _, p := range []string{"/admin/", "/admin/sign-in/ABC", "/admin/members", "/healthz"} {
			res := r.do("GET", p, c, nil)
			h := res.Header()
			if !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'self'") ||
				h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("GET %s: headers %v", p, h)
			}
			if strings.HasPrefix(p, "/admin") && h.Get("Cache-Control") != "no-store" {
				t.Errorf("GET %s: Cache-Control %q, want no-store", p, h.Get("Cache-Control"))
			}
		}
	})
}
