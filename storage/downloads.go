package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

const aboutDownload bot.Subject = "download"

// SaveDownload stores a one-time download. Returns EINVALID without a
// token hash, a member or an expiry.
func (db *DB) SaveDownload(ctx context.Context, d bot.Download) error {
	if d.TokenHash == "" || d.Platform == "" || d.UserID == "" || d.ExpiresAt.IsZero() {
		return bot.Errorf(bot.EINVALID, "a download needs a token hash, a member and an expiry")
	}
	created := d.CreatedAt
	if created.IsZero() {
		created = db.Now()
	}
	// Links not used in time go whenever another is made.
	if _, err := db.db.ExecContext(ctx, `DELETE FROM downloads WHERE expires_at <= $1`, dbTime(created)); err != nil {
		return fmt.Errorf("save download: prune: %w", err)
	}
	const insert = `INSERT INTO downloads (token_hash, platform, user_id, filename, body, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`
	if _, err := db.db.ExecContext(ctx, insert, d.TokenHash, d.Platform, d.UserID, d.Filename, d.Body, dbTime(created), dbTime(d.ExpiresAt)); err != nil {
		return fmt.Errorf("save download: %w", err)
	}
	return nil
}

// TakeDownload returns the download whose token hashes to tokenHash and
// deletes it in the same transaction, so that of two takes at once only
// one gets it. Expired downloads are deleted on the way. Returns
// ENOTFOUND when it is unknown, taken already or expired at now.
func (db *DB) TakeDownload(ctx context.Context, tokenHash string, now time.Time) (*bot.Download, error) {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM downloads WHERE expires_at <= $1`, dbTime(now)); err != nil {
		return nil, fmt.Errorf("take download: prune: %w", err)
	}
	var r struct {
		TokenHash string    `db:"token_hash"`
		Platform  string    `db:"platform"`
		UserID    string    `db:"user_id"`
		Filename  string    `db:"filename"`
		Body      []byte    `db:"body"`
		CreatedAt time.Time `db:"created_at"`
		ExpiresAt time.Time `db:"expires_at"`
	}
	err = tx.GetContext(ctx, &r, `SELECT token_hash, platform, user_id, filename, body, created_at, expires_at FROM downloads WHERE token_hash = $1`, tokenHash)
	if errors.Is(err, sql.ErrNoRows) {
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("take download: commit: %w", err)
		}
		return nil, bot.ErrAbout(bot.ENOTFOUND, aboutDownload)
	} else if err != nil {
		return nil, fmt.Errorf("take download: %w", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM downloads WHERE token_hash = $1`, tokenHash)
	if err != nil {
		return nil, fmt.Errorf("take download: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, fmt.Errorf("take download: %w", err)
	} else if n == 0 {
		// Another take deleted it between the read and the delete.
		return nil, bot.ErrAbout(bot.ENOTFOUND, aboutDownload)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("take download: commit: %w", err)
	}
	return &bot.Download{TokenHash: r.TokenHash, Platform: r.Platform, UserID: r.UserID, Filename: r.Filename, Body: r.Body,
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt}, nil
}
