package storage

import (
	"context"
	"errors"

	"github.com/jmoiron/sqlx"

	"github.com/rapport-pcn/rapport/bot"
)

// MigrateTo brings the schema up to version only, for tests of a later
// migration.
func (db *DB) MigrateTo(ctx context.Context, version int64) error { return db.migrateTo(ctx, version) }

// SQLX exposes the connection pool to tests that inspect the schema.
func (db *DB) SQLX() *sqlx.DB { return db.db }

// errTestAbort stands for a step that fails after others have written.
var errTestAbort = errors.New("test: abort")

// SaveMembersThenFail saves each member in one transaction, as a method
// with several steps would, then fails before committing when abort is
// set. It returns the first error.
func (db *DB) SaveMembersThenFail(ctx context.Context, ms []*bot.Member, abort bool) error {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	for _, m := range ms {
		if _, err := saveMember(ctx, tx, m); err != nil {
			return err
		}
	}
	if abort {
		return errTestAbort
	}
	return tx.Commit()
}
