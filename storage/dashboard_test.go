package storage_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// anAdmin is a Teams admin, with every field the sign-in keeps.
var anAdmin = bot.User{Platform: "teams", ID: "29:1admin", ObjectID: "0b1ec7a1-0000-4000-8000-0000000000ad",
	PrincipalName: "nadia.manager@nhs.example", Name: "Nadia Manager"}

// A sign-in link works once and within its time; every other use is
// refused with a sentence that says how to get a new one, and the admin's
// whole identity comes back, so their rights can be checked again.
func TestSignInLinkIsTakenOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		l := bot.SignInLink{TokenHash: "hash-1", Admin: anAdmin, CreatedAt: utc, ExpiresAt: utc.Add(bot.SignInLinkTTL)}
		if err := db.SaveSignInLink(ctx, l); err != nil {
			t.Fatal(err)
		}
		got, err := db.TakeSignInLink(ctx, "hash-1", utc.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if got.Admin != anAdmin || !got.ExpiresAt.Equal(l.ExpiresAt) {
			t.Errorf("took %+v, want the link for %+v", got, anAdmin)
		}

		_, err = db.TakeSignInLink(ctx, "hash-1", utc.Add(2*time.Minute))
		wantCode(t, err, bot.ECONFLICT)
		if msg := bot.ErrorMessage(err); !strings.Contains(msg, "used already") || !strings.Contains(msg, "/introduce-me admin dashboard") {
			t.Errorf("a reused link says %q", msg)
		}

		_, err = db.TakeSignInLink(ctx, "no-such-hash", utc)
		wantCode(t, err, bot.ENOTFOUND)

		l.TokenHash = "hash-2"
		if err := db.SaveSignInLink(ctx, l); err != nil {
			t.Fatal(err)
		}
		_, err = db.TakeSignInLink(ctx, "hash-2", utc.Add(bot.SignInLinkTTL))
		wantCode(t, err, bot.EEXPIRED)
		if msg := bot.ErrorMessage(err); !strings.Contains(msg, "expired") || !strings.Contains(msg, "/introduce-me admin dashboard") {
			t.Errorf("an expired link says %q", msg)
		}
		// Expired, it stays expired: taking it again does not spend it.
		_, err = db.TakeSignInLink(ctx, "hash-2", utc.Add(time.Hour))
		wantCode(t, err, bot.EEXPIRED)

		wantCode(t, db.SaveSignInLink(ctx, bot.SignInLink{TokenHash: "x"}), bot.EINVALID)
	})
}

// Of many takes of one link at once, exactly one signs in; the others are
// told it was used.
func TestSignInLinkTakenOnceUnderRace(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if err := db.SaveSignInLink(ctx, bot.SignInLink{TokenHash: "race", Admin: anAdmin, CreatedAt: utc, ExpiresAt: utc.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[string]int{}
		for range 10 {
			wg.Go(func() {
				_, err := db.TakeSignInLink(ctx, "race", utc.Add(time.Minute))
				mu.Lock()
				codes[bot.ErrorCode(err)]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if codes[""] != 1 || codes[bot.ECONFLICT] != 9 {
			t.Errorf("takes ended %v, want one success and nine ECONFLICT", codes)
		}
	})
}

// A session is found while in use and records each use; one idle too
// long is gone for good, as is one signed out.
func TestSessionLastsWhileUsed(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := bot.Session{IDHash: "sess-1", Admin: anAdmin, CSRF: "csrf-1", CreatedAt: utc, LastSeen: utc}
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		// Seven hours later it is still good, and the use moves it on.
		later := utc.Add(7 * time.Hour)
		got, err := db.TouchSession(ctx, "sess-1", later.Add(-bot.SessionIdle), later)
		if err != nil {
			t.Fatal(err)
		}
		if got.Admin != anAdmin || got.CSRF != "csrf-1" || !got.LastSeen.Equal(later) || !got.CreatedAt.Equal(utc) {
			t.Errorf("touched %+v", got)
		}
		// Seven more hours: 14 since it began, but only 7 idle.
		later2 := later.Add(7 * time.Hour)
		if _, err := db.TouchSession(ctx, "sess-1", later2.Add(-bot.SessionIdle), later2); err != nil {
			t.Fatalf("a session in use timed out: %v", err)
		}
		// Nine idle hours: gone, and gone when asked again with a kinder clock.
		late := later2.Add(9 * time.Hour)
		_, err = db.TouchSession(ctx, "sess-1", late.Add(-bot.SessionIdle), late)
		wantCode(t, err, bot.ENOTFOUND)
		_, err = db.TouchSession(ctx, "sess-1", utc, utc)
		wantCode(t, err, bot.ENOTFOUND)

		s.IDHash = "sess-2"
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteSession(ctx, "sess-2"); err != nil {
			t.Fatal(err)
		}
		_, err = db.TouchSession(ctx, "sess-2", utc, utc)
		wantCode(t, err, bot.ENOTFOUND)
		if err := db.DeleteSession(ctx, "sess-2"); err != nil {
			t.Errorf("signing out twice: %v", err)
		}
		wantCode(t, db.CreateSession(ctx, bot.Session{IDHash: "x", Admin: anAdmin}), bot.EINVALID)
	})
}

// The sweep deletes links expired before its time (used or not) and
// sessions idle since before it, and keeps the rest; the retention
// Sweeper calls it with its time less SessionIdle.
func TestSweepSignIns(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		for i, exp := range []time.Duration{-10 * time.Hour, -9 * time.Hour, time.Hour} {
			l := bot.SignInLink{TokenHash: "link-" + string(rune('a'+i)), Admin: anAdmin, CreatedAt: utc, ExpiresAt: utc.Add(exp)}
			if err := db.SaveSignInLink(ctx, l); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.TakeSignInLink(ctx, "link-c", utc); err != nil {
			t.Fatal(err)
		}
		for i, seen := range []time.Duration{-9 * time.Hour, -time.Hour} {
			s := bot.Session{IDHash: "sess-" + string(rune('a'+i)), Admin: anAdmin, CSRF: "c", CreatedAt: utc.Add(seen), LastSeen: utc.Add(seen)}
			if err := db.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		sweeper := &bot.Sweeper{Store: db, Now: func() time.Time { return utc }}
		if err := sweeper.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		// The links expired 10 and 9 hours ago and the session idle 9
		// hours have gone; the used link not yet expired is still told
		// apart, and the session in use still works.
		for _, h := range []string{"link-a", "link-b"} {
			_, err := db.TakeSignInLink(ctx, h, utc)
			wantCode(t, err, bot.ENOTFOUND)
		}
		_, err := db.TakeSignInLink(ctx, "link-c", utc)
		wantCode(t, err, bot.ECONFLICT)
		if _, err := db.TouchSession(ctx, "sess-b", utc.Add(-bot.SessionIdle), utc); err != nil {
			t.Errorf("the sweep ended a session in use: %v", err)
		}
		var left int
		if err := db.SQLX().Get(&left, `SELECT COUNT(*) FROM admin_sessions`); err != nil || left != 1 {
			t.Errorf("%d sessions left (%v), want 1", left, err)
		}
		if n, err := db.SweepSignIns(ctx, utc); err != nil || n != 0 {
			t.Errorf("a second sweep deleted %d (%v), want 0", n, err)
		}
	})
}

// The admin log lists the newest first with the member's name as it is
// now, pages, and keeps no trace of who a member was once they leave or
// of the admin once they leave; their links and sessions go with them.
func TestAuditLogForgetsWhoLeft(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		z := leaver(t)
		admin := partner(t, "UADMIN0001", "Adam Admin", "Riverside Surgery", "monthly")
		save(t, db, z, admin)
		actor := bot.User{Platform: "slack", ID: admin.UserID, Name: admin.Name}
		entries := []bot.AuditEntry{
			{At: utc, Action: bot.AuditPause, Actor: actor, ActorName: actor.Name, MemberID: z.ID},
			{At: utc.Add(time.Minute), Action: bot.AuditOrgAdd, Actor: anAdmin, ActorName: anAdmin.Name, Detail: "Hillview Pharmacy"},
			{At: utc.Add(2 * time.Minute), Action: bot.AuditResume, Actor: anAdmin, ActorName: anAdmin.Name, MemberID: admin.ID},
		}
		for _, e := range entries {
			if err := db.RecordAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		log, total, err := db.AuditLog(ctx, 0, 2)
		if err != nil {
			t.Fatal(err)
		}
		if total != 3 || len(log) != 2 || log[0].Action != bot.AuditResume || log[1].Detail != "Hillview Pharmacy" {
			t.Fatalf("log page = %+v (total %d)", log, total)
		}
		if log[0].MemberName != admin.Name || log[0].Actor.ID != anAdmin.ID || log[0].ActorName != anAdmin.Name {
			t.Errorf("newest entry = %+v", log[0])
		}

		if err := db.SaveSignInLink(ctx, bot.SignInLink{TokenHash: "adam-link", Admin: actor, CreatedAt: utc, ExpiresAt: utc.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateSession(ctx, bot.Session{IDHash: "adam-sess", Admin: actor, CSRF: "c", CreatedAt: utc, LastSeen: utc}); err != nil {
			t.Fatal(err)
		}
		// The member paused leaves, and so does the admin who paused them.
		for _, m := range []*bot.Member{z, admin} {
			if err := db.DeleteMember(ctx, "slack", m.UserID); err != nil {
				t.Fatal(err)
			}
		}
		log, _, err = db.AuditLog(ctx, 2, 10)
		if err != nil || len(log) != 1 {
			t.Fatalf("second page = %+v, %v", log, err)
		}
		if e := log[0]; e.Action != bot.AuditPause || e.MemberID != 0 || e.MemberName != "" || !e.Left ||
			e.Actor.ID != "" || e.Actor.Platform != "" || e.ActorName != "" {
			t.Errorf("the entry about a leaver, by an admin who left, reads %+v", e)
		}
		log, _, _ = db.AuditLog(ctx, 0, 1)
		if e := log[0]; !e.Left || e.MemberName != "" || e.ActorName != anAdmin.Name {
			t.Errorf("the entry about the admin who left, by another admin, reads %+v", e)
		}
		_, err = db.TakeSignInLink(ctx, "adam-link", utc)
		wantCode(t, err, bot.ENOTFOUND)
		_, err = db.TouchSession(ctx, "adam-sess", utc.Add(-time.Hour), utc)
		wantCode(t, err, bot.ENOTFOUND)
		// An entry that was never about a member is not about one who left.
		log, _, _ = db.AuditLog(ctx, 1, 1)
		if log[0].Left {
			t.Errorf("an organisation's entry is marked as about a member who left: %+v", log[0])
		}
	})
}

// MemberByID finds a member by their ID, and not once they have left.
func TestMemberByID(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		m := newMember(t, "UPRIYA0001")
		save(t, db, m)
		got, err := db.MemberByID(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.UserID != m.UserID || got.Profile.Organisation != "Riverside Surgery" || got.Profile.Bio != m.Profile.Bio {
			t.Errorf("found %+v", got)
		}
		if err := db.DeleteMember(ctx, "slack", m.UserID); err != nil {
			t.Fatal(err)
		}
		_, err = db.MemberByID(ctx, m.ID)
		wantCode(t, err, bot.ENOTFOUND)
	})
}

// A member's export lists what admins did about them, by "a network
// admin" and never by name, and what they did themselves as an admin.
func TestExportShowsAdminActionsWithoutTheAdmin(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		m := newMember(t, "UPRIYA0001")
		save(t, db, m)
		me := bot.User{Platform: "slack", ID: m.UserID, Name: m.Name}
		for _, e := range []bot.AuditEntry{
			{At: utc, Action: bot.AuditPause, Actor: anAdmin, ActorName: anAdmin.Name, MemberID: m.ID},
			{At: utc.Add(time.Minute), Action: bot.AuditOrgSector, Actor: me, ActorName: me.Name, Detail: "Hillview Pharmacy: community_pharmacy"},
			{At: utc.Add(2 * time.Minute), Action: bot.AuditOrgAdd, Actor: anAdmin, ActorName: anAdmin.Name, Detail: "Eastgate Housing"},
		} {
			if err := db.RecordAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		x, err := db.ExportMember(ctx, "slack", m.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if len(x.AdminActions) != 1 || x.AdminActions[0].Action != bot.AuditPause || x.AdminActions[0].By != bot.ExportAnAdmin ||
			!x.AdminActions[0].Date.Equal(utc) {
			t.Errorf("actions about the member = %+v", x.AdminActions)
		}
		if len(x.AdminActionsByYou) != 1 || x.AdminActionsByYou[0].Detail != "Hillview Pharmacy: community_pharmacy" {
			t.Errorf("actions by the member = %+v", x.AdminActionsByYou)
		}
		raw, _ := json.Marshal(x)
		for _, s := range []string{anAdmin.Name, anAdmin.ID, anAdmin.PrincipalName, "Eastgate"} {
			if strings.Contains(string(raw), s) {
				t.Errorf("the export holds %q, which is about another admin: %s", s, raw)
			}
		}
	})
}

// The admin's window's migrations go down and up again, with data in
// their tables, on both databases.
func TestDashboardMigrationsGoDownAndUp(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.MustOpenDB(t, target)
			db.Now = func() time.Time { return testNow }
			n := newMapNetwork(t, db)
			makeRound(t, db, utc, []*bot.Member{n.h1, n.r1})
			if err := db.RecordAudit(ctx, bot.AuditEntry{At: utc, Action: bot.AuditPause, MemberID: n.h1.ID}); err != nil {
				t.Fatal(err)
			}
			dialect := goose.DialectSQLite3
			if db.Dialect() == storage.DialectPostgres {
				dialect = goose.DialectPostgres
			}
			p, err := goose.NewProvider(dialect, db.SQLX().DB, os.DirFS(filepath.Join("migrations", db.Dialect())))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.DownTo(ctx, 11); err != nil {
				t.Fatalf("down to 11: %v", err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("up again: %v", err)
			}
			// The round is counted again, from its intros.
			if got := mapLinks(t, db, 1); !mapsEqual(got, map[[2]int64][2]int{pair(n.hill, n.river): {1, 0}}) {
				t.Errorf("links after down and up = %v", got)
			}
		})
	}
}
