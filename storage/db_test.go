package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// testNow is the stores' clock in tests: outside UTC and with nanoseconds,
// to show that times are stored in UTC and to the microsecond.
var testNow = time.Date(2026, 3, 29, 9, 30, 15, 123456789, time.FixedZone("BST", 60*60))

// eachDB runs fn against a fresh, migrated database of each kind, in
// subtests named after the database, with the clock at testNow.
func eachDB(t *testing.T, fn func(t *testing.T, db *storage.DB)) {
	t.Helper()
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			db := storagetest.MustOpenDB(t, target)
			db.Now = func() time.Time { return testNow }
			fn(t, db)
		})
	}
}

// wantCode fails t unless err carries the bot error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := bot.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name        string
		url         func(dir string) string
		wantDialect string
		wantFile    string // relative to the temporary directory
	}{
		{"empty URL means rapport.db in the data directory", func(string) string { return "" }, storage.DialectSQLite, "data/rapport.db"},
		{"sqlite:PATH", func(dir string) string { return "sqlite:" + filepath.Join(dir, "a.db") }, storage.DialectSQLite, "a.db"},
		{"sqlite://PATH", func(dir string) string { return "sqlite://" + filepath.Join(dir, "b.db") }, storage.DialectSQLite, "b.db"},
		{"file:PATH", func(dir string) string { return "file:" + filepath.Join(dir, "c.db") }, storage.DialectSQLite, "c.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db, err := storage.Open(ctx, tt.url(dir), filepath.Join(dir, "data"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if got := db.Dialect(); got != tt.wantDialect {
				t.Errorf("Dialect() = %q, want %q", got, tt.wantDialect)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, tt.wantFile)); err != nil {
				t.Errorf("database file: %v", err)
			}
		})
	}

	t.Run("data directory is created private", func(t *testing.T) {
		dataDir := filepath.Join(t.TempDir(), "new", "data")
		db, err := storage.Open(ctx, "", dataDir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		fi, err := os.Stat(dataDir)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o700 {
			t.Errorf("data directory mode = %o, want 700", perm)
		}
	})

	t.Run("postgres dialect", func(t *testing.T) {
		for _, target := range storagetest.Databases(t) {
			if target.Name != "postgres" {
				continue
			}
			t.Run(target.Name, func(t *testing.T) {
				db := storagetest.MustOpenDB(t, target)
				if got := db.Dialect(); got != storage.DialectPostgres {
					t.Errorf("Dialect() = %q, want %q", got, storage.DialectPostgres)
				}
				if err := db.Ping(ctx); err != nil {
					t.Error(err)
				}
			})
		}
	})
}

func TestOpenErrorsHideTheURL(t *testing.T) {
	const secret = "s3cr3t-pa55"
	tests := []struct {
		name, url string
		wantText  string
	}{
		{"unknown scheme", "mysql://rapport:" + secret + "@db/rapport", "postgres://"},
		{"unparsable postgres URL", "postgres://rapport:" + secret + "@db:notaport/rapport", "DATABASE_URL"},
		{"server not there", "postgres://rapport:" + secret + "@127.0.0.1:1/rapport?sslmode=disable&connect_timeout=5", "DATABASE_URL"},
		{"sqlite path with parameters", "sqlite:/tmp/" + secret + ".db?mode=ro", "DATABASE_URL"},
		{"sqlite without a path", "sqlite:", "DATABASE_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			db, err := storage.Open(ctx, tt.url, t.TempDir())
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error quotes the password: %v", err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error = %q, want it to mention %q", err, tt.wantText)
			}
		})
	}
}

func TestMigrateTwiceIsANoOp(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		m := newMember(t, "U1")
		if err := db.SaveMember(ctx, m); err != nil {
			t.Fatal(err)
		}
		before := countMigrations(t, db)
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		if after := countMigrations(t, db); after != before {
			t.Errorf("goose_db_version rows = %d after a second Migrate, want %d", after, before)
		}
		if _, err := db.FindMember(ctx, m.Platform, m.UserID); err != nil {
			t.Errorf("member after second Migrate: %v", err)
		}
	})
}

// TestConcurrentMigrate starts several replicas on one fresh database at
// once: all must succeed and the schema must be applied once.
func TestConcurrentMigrate(t *testing.T) {
	const replicas = 4
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			ctx := context.Background()
			var dbs [replicas]*storage.DB
			for i := range dbs {
				db, err := storage.Open(ctx, target.URL, target.DataDir)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				dbs[i] = db
			}
			// Create goose's version table first, as an earlier release
			// would have. Otherwise goose's own one-second retry when
			// replicas race to create it staggers them, and the race this
			// test is about never happens.
			dialect := goose.DialectSQLite3
			if dbs[0].Dialect() == storage.DialectPostgres {
				dialect = goose.DialectPostgres
			}
			p, err := goose.NewProvider(dialect, dbs[0].SQLX().DB, os.DirFS(filepath.Join("migrations", dbs[0].Dialect())))
			if err != nil {
				t.Fatal(err)
			}
			if v, err := p.GetDBVersion(ctx); err != nil || v != 0 {
				t.Fatalf("GetDBVersion = %d, %v; want 0 and the table created", v, err)
			}

			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make([]error, len(dbs))
			for i, db := range dbs {
				wg.Go(func() {
					<-start
					errs[i] = db.Migrate(ctx)
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("replica %d: Migrate: %v", i, err)
				}
			}
			if n := countMigrations(t, dbs[0]); n != countMigrationFiles(t, dbs[0].Dialect()) {
				t.Errorf("goose_db_version holds %d applied migrations, want one per file", n)
			}
			if err := dbs[1].SaveMember(ctx, newMember(t, "U1")); err != nil {
				t.Errorf("SaveMember after concurrent Migrate: %v", err)
			}
		})
	}
}

// countMigrations counts the applied migrations goose has recorded; its
// version 0 row marks the table's creation.
func countMigrations(t *testing.T, db *storage.DB) int {
	t.Helper()
	var n int
	err := db.SQLX().Get(&n, `SELECT COUNT(*) FROM goose_db_version WHERE version_id > 0 AND is_applied`)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func countMigrationFiles(t *testing.T, dialect string) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("migrations", dialect, "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations for %s: %v", dialect, err)
	}
	return len(files)
}

// TestFailedTransactionWritesNothing checks that a failure after a write,
// whether a constraint violation or any error, rolls the write back.
func TestFailedTransactionWritesNothing(t *testing.T) {
	tests := []struct {
		name    string
		members []*bot.Member
		abort   bool
	}{
		{"constraint violation in the second step", []*bot.Member{newMember(t, "U1"), newMember(t, "")}, false},
		{"error after both steps", []*bot.Member{newMember(t, "U1"), newMember(t, "U2")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, db *storage.DB) {
				ctx := context.Background()
				if err := db.SaveMembersThenFail(ctx, tt.members, tt.abort); err == nil {
					t.Fatal("SaveMembersThenFail succeeded, want an error")
				}
				_, err := db.FindMember(ctx, "slack", "U1")
				wantCode(t, err, bot.ENOTFOUND)
			})
		})
	}
}
