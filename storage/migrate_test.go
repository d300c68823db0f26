package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// Notices queued as finished text before notices were stored by kind are
// carried over by the migration: one still to send keeps its words as the
// kind "text"; one already sent keeps none.
func TestMigrationCarriesPendingNoticesOver(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db, err := storage.Open(ctx, target.URL, target.DataDir)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.MigrateTo(ctx, 4); err != nil {
				t.Fatal(err)
			}
			// Rows as the schema of then held them, written by hand: the
			// code of now may write columns that came later.
			x := db.SQLX()
			var memberID int64
			const member = `INSERT INTO members (platform, user_id, name, joined_at, updated_at) VALUES ('slack', 'U0OLDTEXT', 'Olive Text', $1, $1) RETURNING id`
			if err := x.GetContext(ctx, &memberID, member, utc); err != nil {
				t.Fatal(err)
			}
			const old = `INSERT INTO outbox (kind, member_id, text, status, due_at, created_at) VALUES ('notice', $1, $2, $3, $4, $4)`
			for _, row := range []struct{ text, status string }{{"Words still to send.", "pending"}, {"Words sent long ago.", "sent"}} {
				if _, err := x.ExecContext(ctx, old, memberID, row.text, row.status, utc); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			msgs, err := db.ClaimOutbox(ctx, utc.Add(time.Minute), utc.Add(-time.Hour), 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != 1 || msgs[0].Notice != bot.NoticeText || msgs[0].Params.Text != "Words still to send." || msgs[0].UserID != "U0OLDTEXT" {
				t.Errorf("after the migration: %+v; want the pending notice as kind text with its words", msgs)
			}
			var frozen int
			if err := x.GetContext(ctx, &frozen, `SELECT COUNT(*) FROM outbox WHERE text <> ''`); err != nil {
				t.Fatal(err)
			}
			if frozen != 0 {
				t.Errorf("%d outbox rows still hold finished text", frozen)
			}
		})
	}
}
