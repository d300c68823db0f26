package storage_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// openAtVersion opens the target's database with its schema at version
// only, and a member in it written as the schema of then held members,
// for a test of the migrations after it.
func openAtVersion(t *testing.T, target storagetest.Target, version int64, userID string) (db *storage.DB, memberID int64) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, target.URL, target.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.MigrateTo(ctx, version); err != nil {
		t.Fatal(err)
	}
	// Written by hand: the code of now may write columns that came later.
	const member = `INSERT INTO members (platform, user_id, name, joined_at, updated_at) VALUES ('slack', $1, 'Olive Text', $2, $2) RETURNING id`
	if err := db.SQLX().GetContext(ctx, &memberID, member, userID, utc); err != nil {
		t.Fatal(err)
	}
	return db, memberID
}

// Notices queued as finished text before notices were stored by kind are
// carried over by the migration: one still to send keeps its words as the
// kind "text"; one already sent keeps none.
func TestMigrationCarriesPendingNoticesOver(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db, memberID := openAtVersion(t, target, 4, "U0OLDTEXT")
			// Rows as the schema of then held them, written by hand: the
			// code of now may write columns that came later.
			x := db.SQLX()
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

// Notices a release before 00008 queued as finished Slack text, and still
// to send, leave migration 00009 as the kind bot words them from where
// the sentence is one bot still says, so nothing pending holds Slack
// markup; the rest keep their words without the markup.
func TestMigrationWordsLegacyNoticesByKind(t *testing.T) {
	// The sentences as the earlier releases wrote them, markup and all.
	const (
		undelivered = "Sorry: we couldn't deliver your introduction this round. It's not you: something went wrong on our side. You'll be first in line in the next round."
		partnerLeft = "The person we were about to introduce you to is no longer taking part, so this round's introduction is off. Sorry about that: you'll be first in line in the next round."
		leftOut     = "There was no one we could introduce you to this round, sorry: sometimes the numbers don't quite work out. You'll go first in the next round."
		autoPaused  = "We haven't heard back about your last %d introductions, so we've paused yours for now: no more will come until you're ready. " +
			"Whenever you'd like to meet people again, type `/introduce-me resume`. Thank you for being part of the network."
		unreachable = "Sorry: this week we introduced you to Ann O'Neil & Bo, but their account can no longer receive messages, so the introduction couldn't go ahead. You'll be first in line in the next round."
	)
	tests := []struct {
		name, text, status string
		wantKind           string
		wantParams         bot.NoticeParams
	}{
		{"undelivered intro", undelivered, "pending", bot.NoticeUndelivered, bot.NoticeParams{}},
		{"partner left", partnerLeft, "pending", bot.NoticePartnerLeft, bot.NoticeParams{}},
		{"left out", leftOut, "pending", bot.NoticeLeftOut, bot.NoticeParams{}},
		{"auto-paused", fmt.Sprintf(autoPaused, 3), "pending", bot.NoticeAutoPaused, bot.NoticeParams{Count: 3}},
		{"auto-paused, claimed by a worker that stopped", fmt.Sprintf(autoPaused, 12), "sending", bot.NoticeAutoPaused, bot.NoticeParams{Count: 12}},
		{"unreachable partner: names kept as written", unreachable, "pending", bot.NoticeText, bot.NoticeParams{Text: unreachable}},
		{"words it does not know: markup stripped", "Type `/introduce-me` to start again.", "pending", bot.NoticeText, bot.NoticeParams{Text: "Type /introduce-me to start again."}},
		{"a sentence that only looks like the pause", "We haven't heard back about your last few introductions, so we've paused yours for now: no more will come until you're ready. " +
			"Whenever you'd like to meet people again, type `/introduce-me resume`. Thank you for being part of the network.", "pending", bot.NoticeText,
			bot.NoticeParams{Text: "We haven't heard back about your last few introductions, so we've paused yours for now: no more will come until you're ready. " +
				"Whenever you'd like to meet people again, type /introduce-me resume. Thank you for being part of the network."}},
	}
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db, memberID := openAtVersion(t, target, 7, "U0LEGACY")
			// Rows as the schema of then held them, written by hand.
			x := db.SQLX()
			const old = `INSERT INTO outbox (kind, member_id, text, status, due_at, claimed_at, created_at) VALUES ('notice', $1, $2, $3, $4, $5, $4)`
			for i, tt := range tests {
				var claimed any
				if tt.status == "sending" {
					claimed = utc.Add(-2 * time.Hour)
				}
				if _, err := x.ExecContext(ctx, old, memberID, tt.text, tt.status, utc.Add(time.Duration(i)*time.Second), claimed); err != nil {
					t.Fatal(err)
				}
			}
			const sent = `INSERT INTO outbox (kind, member_id, text, status, due_at, sent_at, created_at) VALUES ('notice', $1, $2, 'sent', $3, $3, $3)`
			if _, err := x.ExecContext(ctx, sent, memberID, fmt.Sprintf(autoPaused, 3), utc.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := db.MigrateTo(ctx, 8); err != nil {
				t.Fatal(err)
			}
			var asText int
			if err := x.GetContext(ctx, &asText, `SELECT COUNT(*) FROM outbox WHERE notice = 'text'`); err != nil {
				t.Fatal(err)
			}
			if asText != len(tests) {
				t.Fatalf("at version 8, %d notices of kind text, want the %d still to send", asText, len(tests))
			}

			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			msgs, err := db.ClaimOutbox(ctx, utc.Add(time.Minute), utc.Add(-time.Hour), 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != len(tests) {
				t.Fatalf("claimed %d notices, want %d: %+v", len(msgs), len(tests), msgs)
			}
			for i, tt := range tests {
				m := msgs[i]
				if m.Notice != tt.wantKind || !reflect.DeepEqual(m.Params, tt.wantParams) || m.UserID != "U0LEGACY" {
					t.Errorf("%s: kind %q, params %+v; want %q, %+v", tt.name, m.Notice, m.Params, tt.wantKind, tt.wantParams)
				}
			}
			var untouched struct {
				Notice string `db:"notice"`
				Params string `db:"params"`
			}
			if err := x.GetContext(ctx, &untouched, `SELECT notice, params FROM outbox WHERE status = 'sent'`); err != nil {
				t.Fatal(err)
			}
			if untouched.Notice != "" || untouched.Params != "" {
				t.Errorf("the notice sent long ago became %+v; want it left as 00008 left it", untouched)
			}
		})
	}
}

// Migration 00010 moves each meetup's Slack announcement to a post for
// the platform "slack"; a meetup with a channel but no message had not
// been announced, and gets no post.
func TestMigrationMovesAnnouncementsToPosts(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			db, memberID := openAtVersion(t, target, 9, "U0OLDHOST")
			x := db.SQLX()
			start := utc.Add(7 * 24 * time.Hour)
			const old = `INSERT INTO meetups (host_member_id, title, starts_at, ends_at, announce_channel, announce_ts,
					day_reminder_at, hour_reminder_at, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $3, $3, $7, $7) RETURNING id`
			var announced, unannounced int64
			if err := x.GetContext(ctx, &announced, old, memberID, "Announced", start, start.Add(time.Hour), "C0MEETUPS1", "1700000000.000100", utc); err != nil {
				t.Fatal(err)
			}
			if err := x.GetContext(ctx, &unannounced, old, memberID, "Not yet", start, start.Add(time.Hour), "C0MEETUPS1", "", utc); err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			m, err := db.FindMeetup(ctx, announced)
			if want := []bot.MeetupPost{{Platform: "slack", Channel: "C0MEETUPS1", MessageRef: "1700000000.000100"}}; err != nil || !reflect.DeepEqual(m.Posts, want) {
				t.Errorf("announced meetup's posts = %+v, %v; want %+v", m, err, want)
			}
			if m, err := db.FindMeetup(ctx, unannounced); err != nil || len(m.Posts) != 0 {
				t.Errorf("unannounced meetup's posts = %+v, %v; want none", m, err)
			}
			list, err := db.ListMeetups(ctx, utc, 10)
			if err != nil || len(list) != 1 || list[0].ID != announced {
				t.Errorf("listed %+v, %v; want the announced meetup only", list, err)
			}
		})
	}
}
