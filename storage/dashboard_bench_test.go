package storage_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// benchSize is the network BenchmarkDashboard seeds: 100,000 members and
// 50 rounds, or RAPPORT_BENCH_MEMBERS and RAPPORT_BENCH_ROUNDS.
func benchSize() (members, rounds int) {
	members, rounds = 100_000, 50
	if n, err := strconv.Atoi(os.Getenv("RAPPORT_BENCH_MEMBERS")); err == nil && n > 1 {
		members = n
	}
	if n, err := strconv.Atoi(os.Getenv("RAPPORT_BENCH_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	return members, rounds
}

// BenchmarkDashboard times each read of the admin's pages on a large
// network (seeding takes a minute or so a database), and reports the
// median and 95th percentile of a call: each should be under 200 ms.
//
//	go test -run '^$' -bench Dashboard -benchtime 50x ./storage/
func BenchmarkDashboard(b *testing.B) {
	ctx := context.Background()
	members, rounds := benchSize()
	for _, target := range storagetest.Databases(b) {
		b.Run(target.Name, func(b *testing.B) {
			db := storagetest.MustOpenDB(b, target)
			began := time.Now()
			net := storagetest.SeedLargeNetwork(b, db, members, rounds)
			b.Logf("%s: seeded %d members, %d rounds in %v", target.Name, members, rounds, time.Since(began).Round(time.Second))
			now := net.Now
			db.Now = func() time.Time { return now }
			for i := range 200 {
				_ = db.RecordAudit(ctx, bot.AuditEntry{At: now.Add(time.Duration(i) * time.Second), Action: bot.AuditPause, Actor: anAdmin, MemberID: int64(i + 1)})
			}
			org := net.Organisations[0]
			var latestIntro int64
			if err := db.SQLX().Get(&latestIntro, `SELECT MAX(id) FROM intros`); err != nil {
				b.Fatal(err)
			}
			reads := []struct {
				name string
				read func() error
			}{
				{"Overview", func() error { _, err := db.DashboardOverview(ctx, now, 26); return err }},
				{"NetworkMap8", func() error { _, err := db.NetworkMap(ctx, 8); return err }},
				{"NetworkMapAll", func() error { _, err := db.NetworkMap(ctx, 0); return err }},
				{"Roster", func() error { _, err := db.Roster(ctx, bot.RosterFilter{Limit: 50}, now); return err }},
				{"RosterDeepPage", func() error {
					_, err := db.Roster(ctx, bot.RosterFilter{Offset: members / 2, Limit: 50}, now)
					return err
				}},
				{"RosterFiltered", func() error {
					_, err := db.Roster(ctx, bot.RosterFilter{OrganisationID: org, Status: bot.RosterActive, Limit: 50}, now)
					return err
				}},
				{"RosterByRole", func() error {
					_, err := db.Roster(ctx, bot.RosterFilter{Role: "practice_nurse", CareerStage: "established", Limit: 50}, now)
					return err
				}},
				// An answer has just changed the latest round, as they
				// do all week: the map reads that round's links again.
				{"NetworkMap8AfterAnswer", func() error {
					_, err := db.NetworkMap(ctx, 8)
					return err
				}},
				{"RosterCounts", func() error { _, err := db.RosterCounts(ctx, now); return err }},
				{"MembersVersion", func() error { _, err := db.MembersVersion(ctx); return err }},
				{"Organisations", func() error { _, err := db.Organisations(ctx); return err }},
				{"AuditLog", func() error { _, _, err := db.AuditLog(ctx, 0, 50); return err }},
				{"MemberByID", func() error { _, err := db.MemberByID(ctx, int64(members/3)); return err }},
				{"OutboxDepth", func() error { _, _, err := db.OutboxDepth(ctx, now); return err }},
			}
			for _, r := range reads {
				b.Run(r.name, func(b *testing.B) {
					var times []time.Duration
					for b.Loop() {
						if r.name == "NetworkMap8AfterAnswer" {
							// Not timed: the change that makes the map read
							// the latest round's links again.
							if err := db.SetIntroDelivery(ctx, latestIntro, "", bot.IntroSent, ""); err != nil {
								b.Fatal(err)
							}
						}
						t := time.Now()
						if err := r.read(); err != nil {
							b.Fatal(err)
						}
						times = append(times, time.Since(t))
					}
					slices.Sort(times)
					at := func(q float64) float64 {
						return float64(times[min(len(times)-1, int(q*float64(len(times))))]) / float64(time.Millisecond)
					}
					b.ReportMetric(at(0.5), "p50-ms")
					b.ReportMetric(at(0.95), "p95-ms")
					b.ReportMetric(at(1), "max-ms")
				})
			}
		})
	}
}
