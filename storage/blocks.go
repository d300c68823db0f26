package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// BlockMembers records that the member on platform with userID is never
// to be introduced to the members blockedIDs. Blocking someone twice, or
// someone who has since left, changes nothing.
func (db *DB) BlockMembers(ctx context.Context, platform, userID string, blockedIDs []int64, now time.Time) error {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	m, err := findMember(ctx, tx, platform, userID)
	if err != nil {
		return err
	}
	// The select keeps out a member who left a moment ago (the foreign
	// key would refuse them) and the member themselves.
	const block = `INSERT INTO blocks (member_id, blocked_id, created_at)
		SELECT $1, id, $3 FROM members WHERE id = $2 AND id <> $1
		ON CONFLICT (member_id, blocked_id) DO NOTHING`
	for _, id := range blockedIDs {
		if _, err := tx.ExecContext(ctx, block, m.ID, id, dbTime(now)); err != nil {
			return fmt.Errorf("block: %w", err)
		}
	}
	return tx.Commit()
}

// UnblockMember removes the member's block of blockedID, and says whether
// there was one.
func (db *DB) UnblockMember(ctx context.Context, platform, userID string, blockedID int64) (bool, error) {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	m, err := findMember(ctx, tx, platform, userID)
	if err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM blocks WHERE member_id = $1 AND blocked_id = $2`, m.ID, blockedID)
	if err != nil {
		return false, fmt.Errorf("unblock: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("unblock: %w", err)
	}
	return n > 0, tx.Commit()
}

// MemberBlocks returns the people the member has blocked, oldest block
// first: only the member's own choices, never who blocked them.
func (db *DB) MemberBlocks(ctx context.Context, platform, userID string) ([]bot.Block, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	m, err := findMember(ctx, tx, platform, userID)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID     int64     `db:"id"`
		UserID string    `db:"user_id"`
		Name   string    `db:"name"`
		Since  time.Time `db:"created_at"`
	}
	const query = `SELECT m.id, m.user_id, m.name, b.created_at FROM blocks b JOIN members m ON m.id = b.blocked_id
		WHERE b.member_id = $1 ORDER BY b.created_at, m.id`
	if err := tx.SelectContext(ctx, &rows, query, m.ID); err != nil {
		return nil, fmt.Errorf("blocks: %w", err)
	}
	out := make([]bot.Block, 0, len(rows))
	for _, r := range rows {
		out = append(out, bot.Block{MemberID: r.ID, UserID: r.UserID, Name: r.Name, Since: r.Since.UTC()})
	}
	return out, tx.Commit()
}

// IntroducedTo returns the members the member has been in an intro with,
// each once, the most recent intro first; those who have left are not
// among them.
func (db *DB) IntroducedTo(ctx context.Context, platform, userID string, limit int) ([]bot.Member, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	m, err := findMember(ctx, tx, platform, userID)
	if err != nil {
		return nil, err
	}
	query := `SELECT ` + prefixed("m.", memberColumns) + ` FROM members m
		JOIN (SELECT other.member_id, MAX(i.created_at) AS last_at
			FROM intro_members mine
			JOIN intro_members other ON other.intro_id = mine.intro_id AND other.member_id <> mine.member_id
			JOIN intros i ON i.id = mine.intro_id
			WHERE mine.member_id = $1
			GROUP BY other.member_id) met ON met.member_id = m.id
		ORDER BY met.last_at DESC, m.id LIMIT $2`
	var rows []memberRow
	if err := tx.SelectContext(ctx, &rows, query, m.ID, limit); err != nil {
		return nil, fmt.Errorf("introduced to: %w", err)
	}
	out := make([]bot.Member, 0, len(rows))
	for _, r := range rows {
		mm, err := r.member()
		if err != nil {
			return nil, err
		}
		out = append(out, *mm)
	}
	return out, tx.Commit()
}

// MemberByPrincipalName returns the member on platform whose account's
// sign-in name is name, whatever its case, or nil when no member has it.
func (db *DB) MemberByPrincipalName(ctx context.Context, platform, name string) (*bot.Member, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var userID string
	const query = `SELECT user_id FROM accounts WHERE platform = $1 AND principal_name <> '' AND LOWER(principal_name) = LOWER($2)
		ORDER BY updated_at DESC LIMIT 1`
	if err := tx.GetContext(ctx, &userID, query, platform, name); errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("member by principal name: %w", err)
	}
	m, err := findMember(ctx, tx, platform, userID)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		// An account of someone on a team's roster who has not joined.
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return m, tx.Commit()
}
