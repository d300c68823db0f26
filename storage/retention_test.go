package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// A member whose account has been unreachable for longer than the set
// time is erased by the sweep exactly as leave would; one unreachable for
// less, or who came back, is kept.
func TestSweepErasesLongUnreachableMembers(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
			db.Now = func() time.Time { return now }
			z := leaver(t)
			p := partner(t, "UPARTNER01", "Pat Partner", "Hillview Pharmacy", "weekly")
			recent := partner(t, "URECENT001", "Rita Recent", "Oak Pharmacy", "weekly")
			back := partner(t, "UCAMEBACK1", "Bea Back", "Elm Pharmacy", "weekly")
			save(t, db, z, p, recent, back)
			rounds := &bot.Rounds{Store: db, Now: func() time.Time { return now }}
			if _, _, err := rounds.Run(ctx, now, false); err != nil {
				t.Fatal(err)
			}
			deliverAll(t, db, now)

			// The leaver's account and Bea's are deactivated now; Rita's
			// 80 days later. Bea comes back (saves her profile) later still.
			if err := db.MarkUnreachable(ctx, 0, []int64{z.ID, back.ID}, false, nil, now); err != nil {
				t.Fatal(err)
			}
			if err := db.MarkUnreachable(ctx, 0, []int64{recent.ID}, false, nil, now.Add(80*24*time.Hour)); err != nil {
				t.Fatal(err)
			}
			now = now.Add(85 * 24 * time.Hour)
			back.Status = bot.StatusActive
			save(t, db, back)

			sweep := &bot.Sweeper{Store: db, Now: func() time.Time { return now }, UnreachableFor: bot.DefaultUnreachableFor}
			now = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC).Add(bot.DefaultUnreachableFor - time.Hour)
			if err := sweep.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := db.FindMember(ctx, "slack", z.UserID); err != nil {
				t.Fatalf("erased before 90 days were up: %v", err)
			}

			now = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC).Add(bot.DefaultUnreachableFor + time.Hour)
			if err := sweep.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			_, err := db.FindMember(ctx, "slack", z.UserID)
			wantCode(t, err, bot.ENOTFOUND)
			for _, kept := range []*bot.Member{p, recent, back} {
				if _, err := db.FindMember(ctx, "slack", kept.UserID); err != nil {
					t.Errorf("%s was erased: %v", kept.Name, err)
				}
			}
			for _, f := range storagetest.Traces(t, target, leaverStrings(z)...) {
				t.Errorf("after the sweep, the database still holds %s", f)
			}
			if target.URL == "" {
				for _, f := range storagetest.FileTraces(t, target.DataDir, leaverStrings(z)...) {
					t.Errorf("after the sweep, the data directory still holds %s", f)
				}
			}
			// As with leave, partners keep their intros.
			if in, err := db.RecentIntros(ctx, p.ID, 5); err != nil || len(in) != 1 {
				t.Errorf("partner's intros after the sweep = %v, %v; want 1", in, err)
			}
		})
	}
}

// History older than the retention period goes: intros, their messages,
// left-out records, sent notices and past meetups. Younger history stays.
func TestSweepDeletesHistoryOlderThanRetention(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			first := time.Date(2024, 1, 8, 9, 0, 0, 0, time.UTC)
			now := first
			db.Now = func() time.Time { return now }
			ms := []*bot.Member{
				partner(t, "UOLDONE001", "Olga Old", "Org A", "weekly"),
				partner(t, "UOLDTWO002", "Omar Old", "Org B", "weekly"),
				partner(t, "UOLDTRE003", "Odette Old", "Org C", "weekly"),
			}
			save(t, db, ms...)
			rounds := &bot.Rounds{Store: db, Now: func() time.Time { return now }}
			if _, _, err := rounds.Run(ctx, now, false); err != nil {
				t.Fatal(err)
			}
			deliverAll(t, db, now)
			m := newMeetup(0)
			m.StartsAt, m.EndsAt = now.Add(24*time.Hour), now.Add(26*time.Hour)
			m.DayReminderAt, m.HourReminderAt = now, now.Add(23*time.Hour)
			createMeetup(t, db, ms[0].UserID, m)
			if err := db.MarkUnreachable(ctx, 0, nil, false, []bot.Notice{{MemberID: ms[0].ID, Kind: bot.NoticeText, Params: bot.NoticeParams{Text: "An old notice"}}}, now); err != nil {
				t.Fatal(err)
			}
			msgs, err := db.ClaimOutbox(ctx, now, now, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, msg := range msgs {
				if err := db.FinishOutbox(ctx, msg.ID, bot.OutboxSent, "", now); err != nil {
					t.Fatal(err)
				}
			}

			// A year later, a second round.
			now = first.AddDate(1, 0, 0)
			if _, _, err := rounds.Run(ctx, now, false); err != nil {
				t.Fatal(err)
			}
			countIntros := func() int {
				t.Helper()
				stats, err := db.RoundStats(ctx, now, 10)
				if err != nil {
					t.Fatal(err)
				}
				return stats.Intros
			}
			if got := countIntros(); got != 2 {
				t.Fatalf("%d intros before the sweep, want 2", got)
			}
			cutoff := func(t time.Time) time.Time { return t.AddDate(0, -24, 0) }
			sweep := &bot.Sweeper{Store: db, Now: func() time.Time { return now }, HistoryCutoff: cutoff}

			// Just under 24 months after the first round: everything stays.
			now = first.AddDate(0, 24, 0).Add(-time.Hour)
			if err := sweep.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			if got := countIntros(); got != 2 {
				t.Errorf("%d intros after a sweep within the retention period, want 2", got)
			}
			if _, err := db.FindMeetup(ctx, m.ID); err != nil {
				t.Errorf("meetup within the retention period deleted: %v", err)
			}

			// Just over (and past the meetup's end): the first round's
			// intro, its messages and the meetup go.
			now = first.AddDate(0, 24, 0).Add(27 * time.Hour)
			if err := sweep.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			if got := countIntros(); got != 1 {
				t.Errorf("%d intros after the sweep, want 1 (the younger round's)", got)
			}
			_, err = db.FindMeetup(ctx, m.ID)
			wantCode(t, err, bot.ENOTFOUND)
			for _, f := range storagetest.Traces(t, target, "An old notice") {
				t.Errorf("a notice older than the retention period is kept: %s", f)
			}
			for _, msg := range mustClaimAll(t, db, now.AddDate(1, 0, 0)) {
				if msg.IntroID != 0 {
					if _, err := db.FindIntro(ctx, msg.IntroID); err != nil {
						t.Errorf("a message of a deleted intro is still queued: %+v", msg)
					}
				}
			}
		})
	}
}

// mustClaimAll claims everything due by then.
func mustClaimAll(t *testing.T, db *storage.DB, then time.Time) []bot.OutboxMessage {
	t.Helper()
	msgs, err := db.ClaimOutbox(context.Background(), then, then, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}
