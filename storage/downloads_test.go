package storage_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/bottest"
	"github.com/rapport-pcn/rapport/storage"
)

// A download link works once: the first take gets the file and deletes
// it, a second take, an unknown token or an expired link find nothing.
func TestDownloadIsTakenOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		body := []byte(`{"member":{"name":"Zoë"}}`)
		d := bot.Download{TokenHash: "hash-1", Platform: "teams", UserID: "29:1zoe", Filename: "rapport-data.json", Body: body,
			CreatedAt: utc, ExpiresAt: utc.Add(15 * time.Minute)}
		if err := db.SaveDownload(ctx, d); err != nil {
			t.Fatal(err)
		}
		got, err := db.TakeDownload(ctx, "hash-1", utc.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Body, body) || got.UserID != d.UserID || got.Filename != d.Filename {
			t.Errorf("took %+v", got)
		}
		_, err = db.TakeDownload(ctx, "hash-1", utc.Add(time.Minute))
		wantCode(t, err, bot.ENOTFOUND)
		_, err = db.TakeDownload(ctx, "no-such-hash", utc)
		wantCode(t, err, bot.ENOTFOUND)

		d.TokenHash = "hash-2"
		if err := db.SaveDownload(ctx, d); err != nil {
			t.Fatal(err)
		}
		_, err = db.TakeDownload(ctx, "hash-2", utc.Add(15*time.Minute))
		wantCode(t, err, bot.ENOTFOUND)
		wantCode(t, db.SaveDownload(ctx, bot.Download{Platform: "teams", UserID: "29:1zoe"}), bot.EINVALID)
	})
}

// Of many takes of one link at once, exactly one gets the file.
func TestDownloadTakenOnceUnderRace(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if err := db.SaveDownload(ctx, bot.Download{TokenHash: "race", Platform: "teams", UserID: "29:1zoe", Filename: "f.json",
			Body: []byte("{}"), CreatedAt: utc, ExpiresAt: utc.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for range 10 {
			wg.Go(func() {
				_, err := db.TakeDownload(ctx, "race", utc)
				if err == nil {
					mu.Lock()
					won++
					mu.Unlock()
				} else if bot.ErrorCode(err) != bot.ENOTFOUND {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if won != 1 {
			t.Errorf("%d takes got the file, want 1", won)
		}
	})
}

// Leave erases a member's waiting downloads with the rest of them; the
// history sweep deletes the links nobody used.
func TestDownloadsGoWithLeaveAndExpiry(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		m := bottest.Member(t, bottest.UserID("29:1leaver"), bottest.Name("Lea Vere"), bottest.Org("Riverside Surgery"), bottest.Platform("teams"))
		if err := db.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
		now := utc
		for _, d := range []bot.Download{
			{TokenHash: "leaver", Platform: "teams", UserID: "29:1leaver", Filename: "f.json", Body: []byte("{}"), CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
			{TokenHash: "stale", Platform: "teams", UserID: "29:1other", Filename: "f.json", Body: []byte("{}"), CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Minute)},
		} {
			if err := db.SaveDownload(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.DeleteMember(ctx, "teams", "29:1leaver"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DeleteHistory(ctx, now.AddDate(-1, 0, 0)); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.SQLX().GetContext(ctx, &n, `SELECT COUNT(*) FROM downloads`); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d downloads left after leave and the sweep", n)
		}
	})
}
