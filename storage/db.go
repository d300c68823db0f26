// Package storage keeps Rapport's data in SQLite or PostgreSQL. DB
// implements bot.Store with sqlx; the schema lives in embedded goose
// migrations, one folder per database.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/rapport-pcn/rapport/bot"
)

// Dialect names, as returned by DB.Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// sqliteParams configure every SQLite connection. busy_timeout makes a
// writer wait for the lock instead of failing with SQLITE_BUSY; WAL lets
// readers carry on while one connection writes; foreign_keys is off by
// default in SQLite and later tables rely on ON DELETE CASCADE;
// _txlock=immediate takes the write lock at BEGIN, so a transaction that
// reads and then writes cannot fail half way with SQLITE_BUSY.
// secure_delete makes SQLite overwrite deleted content with zeros, so an
// erased member's profile does not linger in free pages of the file.
// _time_format and _timezone make the driver write times as UTC text in a
// format that it parses back and that sorts correctly as text.
const sqliteParams = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=secure_delete(1)&_txlock=immediate&_time_format=sqlite&_timezone=UTC"

// sqliteMaxConns bounds the SQLite pool: SQLite has one writer at a time,
// so more connections only queue up on its lock, while a few let readers
// run alongside the writer.
const sqliteMaxConns = 4

// postgresMaxConns bounds the PostgreSQL pool, well below the server's
// default max_connections of 100, since several replicas may share it.
const postgresMaxConns = 10

func init() {
	// sqlx does not know the modernc driver's name; without this, BindNamed
	// and Rebind would leave "?" placeholders. modernc binds $N, so both
	// databases share queries written with $1.
	sqlx.BindDriver("sqlite", sqlx.DOLLAR)
}

// DB is Rapport's database. It implements bot.Store; each method runs in a
// transaction of its own.
type DB struct {
	db      *sqlx.DB
	dialect string

	// writes queues this process's write transactions on SQLite (a
	// semaphore of one). SQLite allows one writer at a time, and its busy
	// handler polls for the lock rather than queueing, so under a burst
	// (hundreds of RSVP clicks when an announcement goes out, a round's
	// deliveries beside people saving their profiles, on a loaded machine)
	// an unlucky writer can wait past busy_timeout and fail with
	// SQLITE_BUSY. Queueing in Go first gives the same throughput and lets
	// every writer through in turn; busy_timeout is left for other
	// processes. PostgreSQL needs none (nil): it locks rows.
	writes chan struct{}

	// links keeps the network map's links by round (see linkCache).
	links linkCache

	// Now returns the current time. It stamps joined_at, updated_at and
	// exports; tests replace it to get repeatable times. Set it before the
	// DB is used.
	Now func() time.Time
}

var _ bot.Store = (*DB)(nil)

// Open connects to the database that databaseURL names and checks that it
// answers. An empty databaseURL means the SQLite file rapport.db in
// dataDir, which Open creates (mode 0700) if missing. Otherwise the URL is
// postgres://... or postgresql://... for PostgreSQL, or sqlite:PATH or
// file:PATH for a SQLite file elsewhere. Open does not migrate: call
// Migrate. Errors never quote the URL, which may hold a password.
func Open(ctx context.Context, databaseURL, dataDir string) (*DB, error) {
	var db *DB
	var err error
	where := "DATABASE_URL" // never the URL itself
	switch {
	case databaseURL == "":
		if dataDir == "" {
			return nil, errors.New("DATABASE_URL is empty and there is no data directory for the SQLite file")
		}
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		where = filepath.Join(dataDir, "rapport.db")
		db, err = openSQLite(where)
	case hasPrefixFold(databaseURL, "postgres://"), hasPrefixFold(databaseURL, "postgresql://"):
		db, err = openPostgres(databaseURL)
	case hasPrefixFold(databaseURL, "sqlite:"), hasPrefixFold(databaseURL, "file:"):
		path := databaseURL[strings.IndexByte(databaseURL, ':')+1:]
		// Accept sqlite:///abs/path as well as sqlite:/abs/path.
		if strings.HasPrefix(path, "///") {
			path = path[2:]
		}
		switch {
		case path == "":
			return nil, errors.New("DATABASE_URL names no SQLite file; use sqlite:PATH")
		case strings.ContainsAny(path, "?#"):
			return nil, errors.New("the SQLite path in DATABASE_URL may not carry parameters (Rapport sets its own)")
		}
		db, err = openSQLite(path)
	default:
		return nil, errors.New("DATABASE_URL must be empty (SQLite in the data directory), postgres://..., postgresql://..., sqlite:PATH or file:PATH")
	}
	if err != nil {
		return nil, redact(err, databaseURL)
	}
	db.Now = time.Now
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, redact(fmt.Errorf("connect to %s: %w", where, err), databaseURL)
	}
	return db, nil
}

func openSQLite(path string) (*DB, error) {
	sqlDB, err := sql.Open("sqlite", "file:"+path+"?"+sqliteParams)
	if err != nil {
		return nil, fmt.Errorf("open SQLite: %w", err)
	}
	sqlDB.SetMaxOpenConns(sqliteMaxConns)
	sqlDB.SetMaxIdleConns(sqliteMaxConns)
	return &DB{db: sqlx.NewDb(sqlDB, "sqlite"), dialect: DialectSQLite, writes: make(chan struct{}, 1)}, nil
}

func openPostgres(databaseURL string) (*DB, error) {
	// NewConnector parses the URL now, so a malformed one fails here rather
	// than at the first query.
	connector, err := pq.NewConnector(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL is not a PostgreSQL URL that lib/pq accepts: %w", err)
	}
	sqlDB := sql.OpenDB(connector)
	sqlDB.SetMaxOpenConns(postgresMaxConns)
	sqlDB.SetMaxIdleConns(postgresMaxConns / 2)
	// Idle connections are dropped after a while so that a restarted or
	// failed-over server does not leave the pool holding dead ones.
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{db: sqlx.NewDb(sqlDB, "postgres"), dialect: DialectPostgres}, nil
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// redact removes the database URL and its password from err's text: URL
// parsers and drivers sometimes quote the string they were given. When it
// changes nothing, err is returned as it is, so errors.Is still works.
func redact(err error, databaseURL string) error {
	if err == nil || databaseURL == "" {
		return err
	}
	msg := err.Error()
	secrets := []string{databaseURL}
	if u, perr := url.Parse(databaseURL); perr == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			secrets = append(secrets, pw, url.QueryEscape(pw), url.PathEscape(pw))
		}
	} else if i, j := strings.Index(databaseURL, "://"), strings.LastIndexByte(databaseURL, '@'); i >= 0 && j > i {
		// An unparsable URL may still carry user:password@.
		secrets = append(secrets, databaseURL[i+3:j])
	}
	out := msg
	for _, s := range secrets {
		out = strings.ReplaceAll(out, s, "DATABASE_URL")
	}
	if out == msg {
		return err
	}
	return errors.New(out)
}

// Close closes the database's connections.
func (db *DB) Close() error {
	return db.db.Close()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return db.db.PingContext(ctx)
}

// Dialect returns DialectSQLite or DialectPostgres.
func (db *DB) Dialect() string {
	return db.dialect
}

// tx is a transaction with the time it began, so that every row it writes
// carries the same timestamp.
type tx struct {
	*sqlx.Tx
	now     time.Time
	dialect string
	// release gives back the write queue's place (see DB.writes), once,
	// when the transaction ends.
	release func()
}

// Commit commits the transaction and lets the next writer in.
func (t *tx) Commit() error {
	defer t.done()
	return t.Tx.Commit()
}

// Rollback ends the transaction without its changes, if it has not ended
// already, and lets the next writer in.
func (t *tx) Rollback() error {
	defer t.done()
	return t.Tx.Rollback()
}

func (t *tx) done() {
	if t.release != nil {
		t.release()
		t.release = nil
	}
}

// begin starts a transaction. Read-only ones start deferred on SQLite
// (modernc only applies _txlock=immediate to writable transactions), so
// reads do not queue behind the write lock.
func (db *DB) begin(ctx context.Context, readOnly bool) (*tx, error) {
	release := func() {}
	if sem := db.writes; sem != nil && !readOnly {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting to write: %w", ctx.Err())
		}
		release = func() { <-sem }
	}
	t, err := db.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		release()
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	return &tx{Tx: t, now: dbTime(db.Now()), dialect: db.dialect, release: release}, nil
}

// dbTime is t as the databases store it: UTC, to the microsecond, the
// precision of PostgreSQL's timestamptz. Rounding on both databases means a
// time reads back equal to the one written on either.
func dbTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// dbTimePtr is dbTime for an optional time.
func dbTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := dbTime(*t)
	return &u
}
