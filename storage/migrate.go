package storage

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sync"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrations holds one folder per database, because their SQL differs (id
// columns, timestamp types). A change to the schema adds a file to both.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// sqliteMigrateMu makes Migrate calls on SQLite in one process take turns,
// as the advisory lock does on PostgreSQL. Without it, two calls could both
// see an empty version table and the second would fail creating tables that
// the first has just created.
var sqliteMigrateMu sync.Mutex

// organisationIdentityVersion is the migration that gives organisations
// their stored identity and key, which backfillOrganisations fills in.
const organisationIdentityVersion = 5

// Migrate brings the schema up to date. It is safe to run on every start:
// applied migrations are skipped. On PostgreSQL, replicas starting at once
// take turns through an advisory lock, so each migration runs exactly once.
func (db *DB) Migrate(ctx context.Context) error {
	return db.migrateTo(ctx, 0)
}

// migrateTo brings the schema up to version, or to the latest when
// version is 0.
func (db *DB) migrateTo(ctx context.Context, version int64) error {
	dir, dialect := "migrations/sqlite", goose.DialectSQLite3
	if db.dialect == DialectPostgres {
		dir, dialect = "migrations/postgres", goose.DialectPostgres
	}
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	opts := []goose.ProviderOption{
		// Go migrations registered globally by any other package must not
		// leak into Rapport's schema.
		goose.WithDisableGlobalRegistry(true),
	}
	if db.dialect == DialectPostgres {
		// A session-level pg_try_advisory_lock on goose's dedicated
		// connection, held while it migrates. The lock is database-wide
		// (not per schema), so schemas in one database take turns. goose
		// retries every 5 seconds by default; a migration takes
		// milliseconds, so poll every second (goose's minimum) for up to 5
		// minutes.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	if db.dialect == DialectSQLite {
		// SQLite's file belongs to one process, so a lock in memory is
		// enough.
		sqliteMigrateMu.Lock()
		defer sqliteMigrateMu.Unlock()
	}
	provider, err := goose.NewProvider(dialect, db.db.DB, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if version > 0 {
		_, err = provider.UpTo(ctx, version)
	} else {
		_, err = provider.Up(ctx)
	}
	if err != nil {
		return fmt.Errorf("migrate database: %w", err)
	}
	if version > 0 && version < organisationIdentityVersion {
		return nil // a test's older schema has no organisation identity yet
	}
	// Organisation keys and the directory's folded text follow Unicode
	// rules that SQL lacks, so Go brings them up to date after the schema.
	if err := db.backfillOrganisations(ctx, version == 0 || version >= networkMapVersion); err != nil {
		return err
	}
	if version > 0 && version < directoryVersion {
		return nil
	}
	return db.backfillDirectory(ctx)
}
