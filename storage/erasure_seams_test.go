package storage_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// A trio whose member has left keeps an empty place; the next rounds, and
// the admin's preview, still plan as usual.
func TestRoundsGoOnAfterATrioMemberLeaves(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			// The clock moves a week on below, so this test keeps its own.
			db := storagetest.MustOpenDB(t, target)
			now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
			db.Now = func() time.Time { return now }
			z := leaver(t)
			a := partner(t, "UPARTNERA1", "Ada Partner", "Hillview Pharmacy", "weekly")
			b := partner(t, "UPARTNERB1", "Bea Partner", "Riverside Surgery", "weekly")
			save(t, db, z, a, b)
			rounds := &bot.Rounds{Store: db, Now: func() time.Time { return now }}
			if round, _, err := rounds.Run(ctx, now, false); err != nil || round.Intros != 1 {
				t.Fatalf("first round = %+v, %v; want one trio", round, err)
			}
			deliverAll(t, db, now)
			if err := db.DeleteMember(ctx, "slack", z.UserID); err != nil {
				t.Fatal(err)
			}

			now = now.Add(7 * 24 * time.Hour)
			if _, err := rounds.Preview(ctx, now); err != nil {
				t.Fatalf("preview after a trio member left: %v", err)
			}
			round, _, err := rounds.Run(ctx, now, false)
			if err != nil {
				t.Fatalf("round after a trio member left: %v", err)
			}
			if round.Intros != 1 {
				t.Errorf("second round made %d intros, want 1 (the two who are left)", round.Intros)
			}
		})
	}
}

// A notice about a member who has since left never names anyone else,
// even when the database gives the leaver's ID to the next person to join
// (SQLite reuses the highest ID).
func TestNoticeAboutALeaverNamesNobodyElse(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db, now := openAtMonday(t, target)
			p := partner(t, "UPARTNER01", "Pat Partner", "Hillview Pharmacy", "monthly")
			z := leaver(t)
			save(t, db, p, z) // the leaver has the highest ID
			notice := bot.Notice{MemberID: p.ID, Kind: bot.NoticePartnerUnreachable, Params: bot.NoticeParams{Members: []int64{z.ID}}}
			if err := db.MarkUnreachable(ctx, 0, nil, false, []bot.Notice{notice}, now); err != nil {
				t.Fatal(err)
			}
			if err := db.DeleteMember(ctx, "slack", z.UserID); err != nil {
				t.Fatal(err)
			}
			nell := partner(t, "UNEWCOMER1", "Newcomer Nell", "Eastgate Housing", "weekly")
			save(t, db, nell)

			msgs, err := db.ClaimOutbox(ctx, now, now.Add(-time.Hour), 10)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(msgs, func(m bot.OutboxMessage) bool { return m.Notice == bot.NoticePartnerUnreachable })
			if i < 0 {
				t.Fatalf("the partner's notice is gone: %+v", msgs)
			}
			names, err := db.MemberNames(ctx, msgs[i].Params.Members)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range names {
				t.Errorf("the notice about the leaver now speaks of %q", n)
			}
		})
	}
}

// Erasing a member called Ann takes her name out of notices that name
// her, and leaves "Annual review" as it was.
func TestLeaveRewritesOnlyTheLeaversName(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db, now := openAtMonday(t, target)
			p := partner(t, "UPARTNER01", "Pat Partner", "Hillview Pharmacy", "monthly")
			z := leaver(t)
			z.Name = "Ann"
			save(t, db, p, z)
			old := bot.Notice{MemberID: p.ID, Kind: bot.NoticeText, Params: bot.NoticeParams{Text: "Ann could not join the Annual review."}}
			if err := db.MarkUnreachable(ctx, 0, nil, false, []bot.Notice{old}, now); err != nil {
				t.Fatal(err)
			}
			if err := db.DeleteMember(ctx, "slack", z.UserID); err != nil {
				t.Fatal(err)
			}
			msgs, err := db.ClaimOutbox(ctx, now, now.Add(-time.Hour), 10)
			if err != nil || len(msgs) != 1 {
				t.Fatalf("claimed %+v, %v; want the one notice", msgs, err)
			}
			want := bot.LeftMemberName + " could not join the Annual review."
			if got := msgs[0].Params.Text; got != want {
				t.Errorf("notice reads %q, want %q", got, want)
			}
		})
	}
}

// A member's export says they were left out of a round in words meant
// for them, never with the admin's reason, which may say that someone
// chose not to be paired with them.
func TestExportNeverSaysWhoChoseNotToBePaired(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db, now := openAtMonday(t, target)
			a := partner(t, "UPARTNERA1", "Ada Partner", "Hillview Pharmacy", "weekly")
			save(t, db, a)
			adminReason := "Every possible partner for Ada from another organisation is on a do-not-pair list."
			plan := func(*bot.RoundSnapshot) (*bot.RoundPlan, error) {
				return &bot.RoundPlan{LeftOut: []bot.LeftOut{{Member: *a, Reason: adminReason}}}, nil
			}
			if _, err := db.CreateRound(ctx, now, false, now, plan); err != nil {
				t.Fatal(err)
			}
			x, err := db.ExportMember(ctx, "slack", a.UserID)
			if err != nil {
				t.Fatal(err)
			}
			if len(x.LeftOut) != 1 {
				t.Fatalf("export lists %d rounds left out of, want 1", len(x.LeftOut))
			}
			if got := x.LeftOut[0].Reason; got != bot.LeftOutForMember || strings.Contains(got, "do-not-pair") {
				t.Errorf("export gives the reason %q, want %q", got, bot.LeftOutForMember)
			}
		})
	}
}

// An intro that a member's leave called off while it was being posted is
// not recorded as sent: the sender hears that it is gone, and takes the
// message back.
func TestIntroCalledOffWhileSentIsNotRecorded(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db, now := openAtMonday(t, target)
			z, p := leaver(t), partner(t, "UPARTNER01", "Pat Partner", "Hillview Pharmacy", "weekly")
			save(t, db, z, p)
			rounds := &bot.Rounds{Store: db, Now: func() time.Time { return now }}
			if _, _, err := rounds.Run(ctx, now, false); err != nil {
				t.Fatal(err)
			}
			msgs, err := db.ClaimOutbox(ctx, now, now.Add(-time.Hour), 10)
			if err != nil || len(msgs) != 1 || msgs[0].Kind != bot.OutboxIntro {
				t.Fatalf("claimed %+v, %v; want the intro", msgs, err)
			}
			if err := db.DeleteMember(ctx, "slack", z.UserID); err != nil {
				t.Fatal(err)
			}
			err = db.RecordIntroSent(ctx, msgs[0].ID, msgs[0].IntroID, "G1", "1.1", now)
			if bot.ErrorCode(err) != bot.ENOTFOUND {
				t.Fatalf("recording an intro called off gave %v, want ENOTFOUND", err)
			}
		})
	}
}

// openAtMonday opens a fresh database whose clock reads Monday 23
// November 2026, 09:00 UTC.
func openAtMonday(t *testing.T, target storagetest.Target) (*storage.DB, time.Time) {
	t.Helper()
	db := storagetest.MustOpenDB(t, target)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	return db, now
}
