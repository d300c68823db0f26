package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/rapport-pcn/rapport/bot"
)

// queue adds an intro or a follow-up to the outbox.
func queue(ctx context.Context, tx *tx, kind string, introID, memberID int64, due, now time.Time) error {
	const query = `INSERT INTO outbox (kind, intro_id, member_id, status, due_at, created_at)
		VALUES ($1, $2, $3, 'pending', $4, $5)`
	if _, err := tx.ExecContext(ctx, query, kind, nullID(introID), nullID(memberID), due, now); err != nil {
		return fmt.Errorf("queue %s: %w", kind, err)
	}
	return nil
}

// queueNotices adds notices to the outbox, due now, as their kind and
// parameters: they are put into words when sent.
func queueNotices(ctx context.Context, tx *tx, ns []bot.Notice, now time.Time) error {
	const query = `INSERT INTO outbox (kind, member_id, notice, params, status, due_at, created_at)
		VALUES ('notice', $1, $2, $3, 'pending', $4, $4)`
	for _, n := range ns {
		params, err := json.Marshal(n.Params)
		if err != nil {
			return fmt.Errorf("queue notice: %w", err)
		}
		if _, err := tx.ExecContext(ctx, query, n.MemberID, n.Kind, string(params), dbTime(now)); err != nil {
			return fmt.Errorf("queue notice %s: %w", n.Kind, err)
		}
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// ClaimOutbox claims due messages. The UPDATE repeats the conditions, so
// when two workers pick the same row only one changes it: on PostgreSQL
// the second waits for the first's row lock and then finds it claimed; on
// SQLite write transactions take turns.
func (db *DB) ClaimOutbox(ctx context.Context, now, staleBefore time.Time, limit int) ([]bot.OutboxMessage, error) {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now, staleBefore = dbTime(now), dbTime(staleBefore)
	const due = `SELECT id FROM outbox
		WHERE (status = 'pending' AND due_at <= $1) OR (status = 'sending' AND claimed_at < $2)
		ORDER BY due_at, id LIMIT $3`
	var ids []int64
	if err := tx.SelectContext(ctx, &ids, due, now, staleBefore, limit); err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	const claim = `UPDATE outbox SET status = 'sending', claimed_at = $2, attempts = attempts + 1
		WHERE id = $1 AND ((status = 'pending' AND due_at <= $2) OR (status = 'sending' AND claimed_at < $3))`
	var claimed []int64
	for _, id := range ids {
		res, err := tx.ExecContext(ctx, claim, id, now, staleBefore)
		if err != nil {
			return nil, fmt.Errorf("claim outbox: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			claimed = append(claimed, id)
		}
	}
	var out []bot.OutboxMessage
	if len(claimed) > 0 {
		query, args, err := sqlx.In(`SELECT o.id, o.kind, COALESCE(o.intro_id, 0) AS intro_id, COALESCE(o.member_id, 0) AS member_id,
				COALESCE(m.user_id, '') AS user_id, COALESCE(m.platform, '') AS platform, o.notice, o.params, o.attempts, o.due_at
			FROM outbox o LEFT JOIN members m ON m.id = o.member_id
			WHERE o.id IN (?) ORDER BY o.due_at, o.id`, claimed)
		if err != nil {
			return nil, err
		}
		var rows []struct {
			ID       int64     `db:"id"`
			Kind     string    `db:"kind"`
			IntroID  int64     `db:"intro_id"`
			MemberID int64     `db:"member_id"`
			UserID   string    `db:"user_id"`
			Platform string    `db:"platform"`
			Notice   string    `db:"notice"`
			Params   string    `db:"params"`
			Attempts int       `db:"attempts"`
			DueAt    time.Time `db:"due_at"`
		}
		if err := tx.SelectContext(ctx, &rows, tx.Rebind(query), args...); err != nil {
			return nil, fmt.Errorf("claim outbox: read: %w", err)
		}
		for _, r := range rows {
			m := bot.OutboxMessage{ID: r.ID, Kind: r.Kind, IntroID: r.IntroID, MemberID: r.MemberID,
				UserID: r.UserID, Platform: r.Platform, Notice: r.Notice, Attempts: r.Attempts, DueAt: r.DueAt.UTC()}
			if r.Params != "" {
				if err := json.Unmarshal([]byte(r.Params), &m.Params); err != nil {
					return nil, fmt.Errorf("claim outbox: message %d: %w", r.ID, err)
				}
			}
			out = append(out, m)
		}
	}
	return out, tx.Commit()
}

// FinishOutbox records a message as sent, skipped or failed.
func (db *DB) FinishOutbox(ctx context.Context, id int64, status, ref string, now time.Time) error {
	_, err := db.db.ExecContext(ctx, `UPDATE outbox SET status = $2, ref = $3, sent_at = $4 WHERE id = $1`, id, status, ref, dbTime(now))
	if err != nil {
		return fmt.Errorf("finish outbox: %w", err)
	}
	return nil
}

// RetryOutbox makes a message due again.
func (db *DB) RetryOutbox(ctx context.Context, id int64, due time.Time, reason string) error {
	_, err := db.db.ExecContext(ctx, `UPDATE outbox SET status = 'pending', due_at = $2, last_error = $3, claimed_at = NULL WHERE id = $1`,
		id, dbTime(due), reason)
	if err != nil {
		return fmt.Errorf("retry outbox: %w", err)
	}
	return nil
}

// DeferOutbox puts a claimed message back without counting an attempt.
func (db *DB) DeferOutbox(ctx context.Context, id int64, due time.Time) error {
	const query = `UPDATE outbox SET status = 'pending', due_at = $2, claimed_at = NULL,
			attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END
		WHERE id = $1`
	if _, err := db.db.ExecContext(ctx, query, id, dbTime(due)); err != nil {
		return fmt.Errorf("defer outbox: %w", err)
	}
	return nil
}

// NextOutboxDue returns when the next pending message falls due.
func (db *DB) NextOutboxDue(ctx context.Context) (time.Time, error) {
	var t time.Time
	err := db.db.GetContext(ctx, &t, `SELECT due_at FROM outbox WHERE status = 'pending' ORDER BY due_at LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	} else if err != nil {
		return time.Time{}, fmt.Errorf("next outbox due: %w", err)
	}
	return t.UTC(), nil
}

// MarkUnreachable marks members who cannot be reached, marks the intro
// failed when failIntro is set, and queues notices, in one transaction: a
// notice that tells someone they are first in line is only ever sent once
// the failed intro that puts them there is recorded.
func (db *DB) MarkUnreachable(ctx context.Context, introID int64, memberIDs []int64, failIntro bool, notices []bot.Notice, now time.Time) error {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now = dbTime(now)
	if failIntro {
		err := trackIntros(ctx, tx, func() error {
			_, err := tx.ExecContext(ctx, `UPDATE intros SET status = $2 WHERE id = $1`, introID, bot.IntroFailed)
			return err
		}, `i.id = $1`, introID)
		if err != nil {
			return fmt.Errorf("mark unreachable: %w", err)
		}
	}
	for _, id := range memberIDs {
		if _, err := tx.ExecContext(ctx, `UPDATE members SET status = 'inactive', updated_at = $2 WHERE id = $1`, id, now); err != nil {
			return fmt.Errorf("mark unreachable: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE intro_members SET unreachable = TRUE WHERE intro_id = $1 AND member_id = $2`, introID, id); err != nil {
			return fmt.Errorf("mark unreachable: %w", err)
		}
		// Someone who cannot be reached cannot come: their meetup places
		// go to the people waiting, who are told.
		if err := releaseMeetupPlaces(ctx, tx, id); err != nil {
			return fmt.Errorf("mark unreachable: %w", err)
		}
	}
	if err := queueNotices(ctx, tx, notices, now); err != nil {
		return fmt.Errorf("mark unreachable: %w", err)
	}
	return tx.Commit()
}
