package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

var _ bot.SweepStore = (*DB)(nil)

// EraseUnreachable erases every member who has been inactive (their
// account could not be reached) since before inactiveBefore, each exactly
// as DeleteMember would and in a transaction of their own. A member who
// came back meanwhile is kept: the condition is checked again inside the
// transaction. It returns how many members were erased.
func (db *DB) EraseUnreachable(ctx context.Context, inactiveBefore time.Time) (int, error) {
	inactiveBefore = dbTime(inactiveBefore)
	var users []struct {
		Platform string `db:"platform"`
		UserID   string `db:"user_id"`
	}
	// updated_at is when the member became inactive: marking them
	// unreachable stamps it, and any later change to the member (a profile
	// saved, which makes them active again) moves it on.
	const query = `SELECT platform, user_id FROM members WHERE status = $1 AND updated_at < $2 ORDER BY id`
	if err := db.db.SelectContext(ctx, &users, query, bot.StatusInactive, inactiveBefore); err != nil {
		return 0, fmt.Errorf("erase unreachable: %w", err)
	}
	erased := 0
	for _, u := range users {
		ok, err := db.erase(ctx, u.Platform, u.UserID, func(m *bot.Member) bool {
			return m.Status != bot.StatusInactive || !m.UpdatedAt.Before(inactiveBefore)
		})
		switch {
		case bot.ErrorCode(err) == bot.ENOTFOUND:
			// Erased meanwhile, by leave or by another replica.
		case err != nil:
			return erased, err
		case ok:
			erased++
		}
	}
	return erased, nil
}

// DeleteHistory deletes, in one transaction, what is older than before:
// intros made before it (with their places, answers and messages), the
// records of who was left out of rounds made before it, notices sent,
// skipped or failed before it, and meetups that ended before it (with
// their RSVPs and posts), the accounts of people who never joined (or
// have left) that the platform has not refreshed since before it,
// personal invitations made before it, intro requests answered or lapsed
// before it or more than bot.AskAgainAfter ago, and the copies sent of
// every intro and message deleted. Rounds themselves
// stay: they hold nothing about anyone, and their numbers and periods
// keep schedules right. Blocks ("not a good match") stay while both
// members do, since they keep a promise. It returns how many intros were
// deleted.
func (db *DB) DeleteHistory(ctx context.Context, before time.Time) (int, error) {
	before = dbTime(before)
	tx, err := db.begin(ctx, false)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var counted []int64
	if err := tx.SelectContext(ctx, &counted, `SELECT DISTINCT round_id FROM intros WHERE created_at < $1`, before); err != nil {
		return 0, fmt.Errorf("delete history: rounds: %w", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM intros WHERE created_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("delete history: intros: %w", err)
	}
	intros, _ := res.RowsAffected()
	// Those rounds' counts go down to what is left of them.
	if err := countRounds(ctx, tx, counted); err != nil {
		return 0, fmt.Errorf("delete history: %w", err)
	}
	steps := []struct{ what, query string }{
		{"left out", `DELETE FROM round_left_out WHERE round_id IN (SELECT id FROM rounds WHERE created_at < $1)`},
		{"messages", `DELETE FROM outbox WHERE intro_id IS NULL AND status IN ('sent', 'skipped', 'failed') AND created_at < $1`},
		{"meetups", `DELETE FROM meetups WHERE ends_at < $1`},
		{"accounts", `DELETE FROM accounts WHERE updated_at < $1 AND NOT EXISTS
			(SELECT 1 FROM members m WHERE m.platform = accounts.platform AND m.user_id = accounts.user_id)`},
	}
	for _, s := range steps {
		if _, err := tx.ExecContext(ctx, s.query, before); err != nil {
			return 0, fmt.Errorf("delete history: %s: %w", s.what, err)
		}
	}
	// Invitations are remembered for as long as the rest of the history.
	if _, err := tx.ExecContext(ctx, `DELETE FROM invitations WHERE invited_at < $1`, before); err != nil {
		return 0, fmt.Errorf("delete history: invitations: %w", err)
	}
	// An answered or lapsed request is kept while it still counts: for
	// AskAgainAfter (30 days), which covers the ask limit's week too. It
	// goes when either that time or the history's cutoff has passed,
	// whichever comes first, so a retention shorter than 30 days wins
	// over the rule on asking again. A request still waiting for an answer
	// is kept until it lapses.
	requests := dbTime(tx.now.Add(-bot.AskAgainAfter))
	if before.After(requests) {
		requests = before
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM intro_requests WHERE status <> $1 AND created_at < $2`, bot.RequestPending, requests); err != nil {
		return 0, fmt.Errorf("delete history: requests: %w", err)
	}
	// Download links not used in time: their data goes at the first sweep
	// after they expire.
	if _, err := tx.ExecContext(ctx, `DELETE FROM downloads WHERE expires_at < $1`, tx.now); err != nil {
		return 0, fmt.Errorf("delete history: downloads: %w", err)
	}
	// The copies sent of the intros and messages deleted go with them.
	if err := pruneCopies(ctx, tx); err != nil {
		return 0, fmt.Errorf("delete history: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("delete history: commit: %w", err)
	}
	db.checkpoint(ctx)
	return int(intros), nil
}
