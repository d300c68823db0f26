package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// The pages at the scale: 100,000 members and 50 rounds of
// history, on each database. Seeding takes a minute or so.
//
//	go test -run '^$' -bench Pages -benchtime 40x -timeout 30m ./bot/web/
//
// Each page reports its 95th percentile (p95-ms) besides the mean. The
// round preview's page is served from the cache: working the preview out
// is timed on its own (preview-ms), as the background does it.

const (
	benchMembers = 100_000
	benchRounds  = 50
)

func BenchmarkPages(b *testing.B) {
	for _, target := range storagetest.Databases(b) {
		b.Run(target.Name, func(b *testing.B) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(b, target)
			seeded := time.Now()
			net := storagetest.SeedLargeNetwork(b, db, benchMembers, benchRounds)
			b.Logf("%s: seeded %d members and %d rounds in %v", target.Name, benchMembers, benchRounds, time.Since(seeded).Round(time.Second))

			clock := func() time.Time { return net.Now }
			core := bot.NewCore(bot.Network{Store: db, Now: clock, IsAdmin: func(u bot.User) bool { return u.ID == admin.ID }, PublicURL: "https://rapport.example.org"})
			srv := New(Options{Admin: core.Admin, Store: db, Rounds: core.Rounds, Meetups: db, PublicURL: "https://rapport.example.org", Now: clock})
			h := srv.Handler()

			link, _, err := core.Admin.NewSignInLink(ctx, admin)
			if err != nil {
				b.Fatal(err)
			}
			res := httptest.NewRecorder()
			h.ServeHTTP(res, httptest.NewRequest("POST", strings.TrimPrefix(link, "https://rapport.example.org"), nil))
			var cookie *http.Cookie
			for _, c := range res.Result().Cookies() {
				if c.Name == CookieName {
					cookie = c
				}
			}
			if cookie == nil {
				b.Fatalf("sign in: %d", res.Code)
			}

			// The preview, worked out once as Run does, before its page.
			t0 := time.Now()
			srv.preview.refresh(ctx)
			if p, _ := srv.preview.get(ctx); p == nil || p.Err != nil {
				b.Fatalf("preview: %+v", p)
			}
			b.ReportMetric(float64(time.Since(t0).Milliseconds()), "preview-ms")

			org := strconv.FormatInt(net.Organisations[len(net.Organisations)/2], 10)
			for _, p := range []string{
				"/admin/", "/admin/map?rounds=8", "/admin/map?rounds=52", "/admin/members",
				"/admin/members?sector=community_pharmacy&status=active&page=3", "/admin/members?org=" + org,
				"/admin/members/counts.csv", "/admin/organisations", "/admin/rounds", "/admin/rounds?page=100",
				"/admin/meetups", "/admin/log",
			} {
				b.Run(strings.TrimPrefix(p, "/admin/"), func(b *testing.B) {
					var took []time.Duration
					for b.Loop() {
						req := httptest.NewRequest("GET", p, nil)
						req.AddCookie(cookie)
						res := httptest.NewRecorder()
						t0 := time.Now()
						h.ServeHTTP(res, req)
						took = append(took, time.Since(t0))
						if res.Code != http.StatusOK {
							b.Fatalf("GET %s: %d\n%s", p, res.Code, res.Body)
						}
					}
					slices.Sort(took)
					p95 := took[min(len(took)-1, len(took)*95/100)]
					b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
				})
			}
		})
	}
}
