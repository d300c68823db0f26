package storage

import (
	"context"
	"fmt"
	"time"
)

// envelopeTTL is how long a handled envelope is remembered. Slack
// redelivers an envelope within minutes of missing its ack; an hour is
// ample.
const envelopeTTL = time.Hour

// ClaimEnvelope records that the platform envelope with the ID is being
// handled, and reports whether this is its first delivery to any replica:
// a redelivered envelope finds the row and gets false. Envelopes older
// than an hour are forgotten on the way.
func (db *DB) ClaimEnvelope(ctx context.Context, id string, now time.Time) (bool, error) {
	now = dbTime(now)
	tx, err := db.begin(ctx, false)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM seen_envelopes WHERE seen_at < $1`, now.Add(-envelopeTTL)); err != nil {
		return false, fmt.Errorf("claim envelope: prune: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO seen_envelopes (envelope_id, seen_at) VALUES ($1, $2) ON CONFLICT (envelope_id) DO NOTHING`, id, now)
	if err != nil {
		return false, fmt.Errorf("claim envelope: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim envelope: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("claim envelope: commit: %w", err)
	}
	return n == 1, nil
}
