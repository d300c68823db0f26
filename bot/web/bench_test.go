package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage"
)

// The pages at the scale: 100,000 members and 50 rounds. Seeding
// takes minutes, so the database is kept in RAPPORT_WEB_BENCH_DIR (a
// directory under the system's temporary one unless set) and reused.
//
//	go test -run '^$' -bench Pages -benchtime 20x ./bot/web/
//
// Each page reports its 95th percentile (p95-ms) besides the mean.

const (
	benchMembers = 100_000
	benchOrgs    = 2_000
	benchRounds  = 50
	// benchPairs is how many intros each seeded round makes.
	benchPairs = 10_000
	// benchAnswered is how many of each round's intros are delivered and
	// answered.
	benchAnswered = 300
)

func BenchmarkPages(b *testing.B) {
	dir := os.Getenv("RAPPORT_WEB_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "rapport-web-bench-100k")
	}
	ctx := context.Background()
	db := openBenchDB(b, dir)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	now := start.AddDate(0, 0, 7*benchRounds+1)
	clock := func() time.Time { return now }
	core := bot.NewCore(bot.Network{Store: db, Now: clock, IsAdmin: func(u bot.User) bool { return u.ID == admin.ID }, PublicURL: "https://rapport.example.org"})
	srv := New(Options{Admin: core.Admin, Store: db, Rounds: core.Rounds, Meetups: db, PublicURL: "https://rapport.example.org", Now: clock})
	h := srv.Handler()

	link, _, err := core.Admin.NewSignInLink(ctx, admin)
	if err != nil {
		b.Fatal(err)
	}
	res := httptest.NewRecorder()
	h.ServeHTTP(res, httptest.NewRequest("POST", link[len("https://rapport.example.org"):], nil))
	var cookie *http.Cookie
	for _, c := range res.Result().Cookies() {
		if c.Name == CookieName {
			cookie = c
		}
	}
	if cookie == nil {
		b.Fatalf("sign in: %d", res.Code)
	}

	pages := []string{
		"/admin/", "/admin/map?rounds=8", "/admin/map?rounds=52", "/admin/members",
		"/admin/members?sector=community_pharmacy&status=active&page=3", "/admin/members?org=7",
		"/admin/members/counts.csv", "/admin/organisations", "/admin/organisations?page=20",
		"/admin/rounds", "/admin/meetups", "/admin/log",
	}
	for _, p := range pages {
		b.Run(p, func(b *testing.B) {
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
}

// openBenchDB opens the kept database, seeding it first if it is not
// complete.
func openBenchDB(b *testing.B, dir string) *storage.DB {
	b.Helper()
	ctx := context.Background()
	done := filepath.Join(dir, "seeded")
	if _, err := os.Stat(done); err != nil {
		_ = os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
	}
	db, err := storage.Open(ctx, "", dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(done); err == nil {
		return db
	}
	t0 := time.Now()
	seedNetwork(b, db)
	b.Logf("seeded %d members and %d rounds in %v", benchMembers, benchRounds, time.Since(t0).Round(time.Second))
	if err := os.WriteFile(done, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return db
}

// seedNetwork stores benchMembers members in benchOrgs organisations of
// every size and sector, and benchRounds weekly rounds of benchPairs
// intros each, a third of them met.
func seedNetwork(b *testing.B, db *storage.DB) {
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return start }
	roles := []string{"gp_partner", "salaried_gp", "practice_nurse", "clinical_pharmacist", "social_prescriber", "practice_manager", "care_coordinator"}
	stages := []string{"in_training", "first_five", "established", "senior"}
	ids := make([]int64, 0, benchMembers)
	for i := range benchMembers {
		// Organisation sizes fall off: low numbers are the large ones.
		org := (i * i / benchMembers) % benchOrgs
		m := &bot.Member{
			Platform: "slack", UserID: fmt.Sprintf("U%07d", i), Name: fmt.Sprintf("Member %06d", i), Status: bot.StatusActive,
			Profile: bot.Profile{
				Organisation: "Organisation " + strconv.Itoa(org), Sector: bot.Sectors[org%len(bot.Sectors)].Code,
				Role: roles[i%len(roles)], CareerStage: stages[i%len(stages)], Frequency: "weekly", Mentoring: "neither", Meeting: "either",
				Interests: []string{"Frailty", "Cycling"},
			},
		}
		if err := db.SaveMember(ctx, m); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	for r := range benchRounds {
		period := start.AddDate(0, 0, 7*(r+1))
		var made *bot.RoundPlan
		_, err := db.CreateRound(ctx, period, false, period, func(*bot.RoundSnapshot) (*bot.RoundPlan, error) {
			p := &bot.RoundPlan{Eligible: 2 * benchPairs, FollowUpAt: period.AddDate(0, 0, 3), SecondAskAt: period.AddDate(0, 0, 6)}
			for k := range benchPairs {
				// Neighbours pair up, shifted by a round-dependent
				// offset, so partners change from round to round.
				a := (r*7919 + 2*k) % benchMembers
				c := (a + 1) % benchMembers
				p.Intros = append(p.Intros, bot.PlannedIntro{MemberIDs: []int64{ids[a], ids[c]}, Explanation: "Both are interested in frailty."})
			}
			made = p
			return p, nil
		})
		if err != nil {
			b.Fatalf("round %d: %v", r+1, err)
		}
		// Deliver a sample of the round's intros, and have a third of
		// those meet and a third arrange to.
		for k := 0; k < benchAnswered; k++ {
			in := made.Intros[k*len(made.Intros)/benchAnswered]
			intros, err := db.RecentIntros(ctx, in.MemberIDs[0], 1)
			if err != nil || len(intros) == 0 {
				b.Fatalf("read an intro: %v", err)
			}
			if err := db.SetIntroDelivery(ctx, intros[0].ID, "C1", bot.IntroSent, "1.0"); err != nil {
				b.Fatal(err)
			}
			answer := []string{bot.AnswerYes, bot.AnswerArranged, bot.AnswerNone}[k%3]
			if answer != bot.AnswerNone {
				who := intros[0].Members[0].Member
				if _, _, err := db.RecordAnswer(ctx, intros[0].ID, who.Platform, who.UserID, answer, time.Time{}, period.Add(time.Hour)); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}
