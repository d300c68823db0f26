package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// RecordCopy records one copy of a message as sent to one person: a
// second record of the same copy (platform, kind, tag and user) replaces
// the first, so recording again after a retry is harmless. c.SentAt is the
// database's clock when zero. Returns EINVALID for a kind that is not
// OutboxIntro, OutboxFollowUp or OutboxNotice.
func (db *DB) RecordCopy(ctx context.Context, c bot.SentCopy) error {
	switch c.Kind {
	case bot.OutboxIntro, bot.OutboxFollowUp, bot.OutboxNotice:
	default:
		return bot.Errorf(bot.EINVALID, "a sent copy's kind must be intro, followup or notice")
	}
	if c.Platform == "" || c.UserID == "" {
		return bot.Errorf(bot.EINVALID, "a sent copy needs a platform and a user ID")
	}
	at := dbTime(db.Now())
	if !c.SentAt.IsZero() {
		at = dbTime(c.SentAt)
	}
	const upsert = `INSERT INTO sent_copies (platform, kind, tag, user_id, conversation_id, activity_id, sent_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (platform, kind, tag, user_id) DO UPDATE SET conversation_id = excluded.conversation_id,
			activity_id = excluded.activity_id, sent_at = excluded.sent_at`
	if _, err := db.db.ExecContext(ctx, upsert, c.Platform, c.Kind, c.Tag, c.UserID, c.ConversationID, c.ActivityID, at); err != nil {
		return fmt.Errorf("record copy: %w", err)
	}
	return nil
}

// Copies returns the copies sent of a message, oldest first.
func (db *DB) Copies(ctx context.Context, platform, kind string, tag int64) ([]bot.SentCopy, error) {
	var rows []struct {
		Platform       string    `db:"platform"`
		Kind           string    `db:"kind"`
		Tag            int64     `db:"tag"`
		UserID         string    `db:"user_id"`
		ConversationID string    `db:"conversation_id"`
		ActivityID     string    `db:"activity_id"`
		SentAt         time.Time `db:"sent_at"`
	}
	const query = `SELECT platform, kind, tag, user_id, conversation_id, activity_id, sent_at FROM sent_copies
		WHERE platform = $1 AND kind = $2 AND tag = $3 ORDER BY sent_at, user_id`
	if err := db.db.SelectContext(ctx, &rows, query, platform, kind, tag); err != nil {
		return nil, fmt.Errorf("copies: %w", err)
	}
	out := make([]bot.SentCopy, len(rows))
	for i, r := range rows {
		out[i] = bot.SentCopy{Platform: r.Platform, Kind: r.Kind, Tag: r.Tag, UserID: r.UserID,
			ConversationID: r.ConversationID, ActivityID: r.ActivityID, SentAt: r.SentAt.UTC()}
	}
	return out, nil
}

// pruneCopies deletes the copies of messages that are gone: of an intro
// deleted, or of a follow-up or notice whose outbox row is. SQLite gives
// a new row the highest ID again, so a copy left behind would make a new
// message with the same tag look sent already.
func pruneCopies(ctx context.Context, tx *tx) error {
	const intros = `DELETE FROM sent_copies WHERE kind = 'intro'
		AND NOT EXISTS (SELECT 1 FROM intros i WHERE i.id = sent_copies.tag)`
	const messages = `DELETE FROM sent_copies WHERE kind <> 'intro'
		AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.id = sent_copies.tag)`
	for _, q := range []string{intros, messages} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("prune sent copies: %w", err)
		}
	}
	return nil
}
