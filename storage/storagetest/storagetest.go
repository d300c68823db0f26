// Package storagetest gives tests fresh, isolated databases: always SQLite,
// and PostgreSQL when RAPPORT_TEST_POSTGRES_URL names a server. Other
// packages' tests (end-to-end tests of the binary, say) import it to run
// against both.
//
// Typical use:
//
//	for _, target := range storagetest.Databases(t) {
//		t.Run(target.Name, func(t *testing.T) {
//			db := storagetest.MustOpenDB(t, target)
//			...
//		})
//	}
package storagetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/rapport-pcn/rapport/storage"
)

// Environment variables that choose the databases.
const (
	// PostgresURLEnv names a PostgreSQL database in which each target gets
	// a schema of its own, e.g.
	// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. The role
	// must be allowed to create schemas there.
	PostgresURLEnv = "RAPPORT_TEST_POSTGRES_URL"

	// RequirePostgresEnv, set to 1, makes a missing PostgresURLEnv a
	// failure rather than a skip, so CI can never skip PostgreSQL quietly.
	RequirePostgresEnv = "RAPPORT_REQUIRE_POSTGRES"
)

// Target is one fresh, empty database to test against. Its URL and
// DataDir are what storage.Open takes, and what the rapport binary takes as
// DATABASE_URL and its data directory.
type Target struct {
	Name    string // "sqlite" or "postgres", for t.Run
	URL     string // "" for SQLite in DataDir
	DataDir string // a fresh temporary directory
}

// Databases returns a fresh SQLite target and, when PostgresURLEnv is set,
// a fresh PostgreSQL target in a schema of its own, which is dropped when
// tb's test ends. Without PostgresURLEnv, it runs a "postgres" subtest of
// tb that skips with the reason, so the output shows what did not run; and
// with RequirePostgresEnv=1 it fails tb instead.
func Databases(tb testing.TB) []Target {
	tb.Helper()
	targets := []Target{{Name: "sqlite", DataDir: tb.TempDir()}}

	base := os.Getenv(PostgresURLEnv)
	if base == "" {
		const why = PostgresURLEnv + " is not set; set it to a PostgreSQL URL to test PostgreSQL too"
		if os.Getenv(RequirePostgresEnv) == "1" {
			tb.Fatalf("%s=1 but %s", RequirePostgresEnv, why)
		}
		if t, ok := tb.(*testing.T); ok {
			t.Run("postgres", func(t *testing.T) { t.Skip(why) })
		} else {
			tb.Log("postgres: skipped: " + why)
		}
		return targets
	}
	return append(targets, Target{
		Name:    "postgres",
		URL:     NewPostgresSchema(tb, base),
		DataDir: tb.TempDir(),
	})
}

// NewPostgresSchema creates a uniquely named schema in the database that
// baseURL names, drops it (with everything in it) when tb's test ends, and
// returns baseURL with search_path set to it. lib/pq sends unknown URL
// parameters to the server as run-time settings, so every connection made
// from the returned URL creates and finds its tables in the schema, goose's
// version table included.
func NewPostgresSchema(tb testing.TB, baseURL string) string {
	tb.Helper()
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// Not quoting the URL: it may hold a password.
		tb.Fatalf("%s must be a postgres:// URL", PostgresURLEnv)
	}

	admin, err := sql.Open("postgres", baseURL)
	if err != nil {
		tb.Fatalf("open %s: %v", PostgresURLEnv, err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	schema := "rapport_test_" + randomHex(8)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+pq.QuoteIdentifier(schema)); err != nil {
		tb.Fatalf("create schema in %s: %v", PostgresURLEnv, err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("postgres", baseURL)
		if err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+pq.QuoteIdentifier(schema)+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})

	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// MustOpenDB opens and migrates the target's database, and closes it when
// tb's test ends. It fails tb on any error.
func MustOpenDB(tb testing.TB, target Target) *storage.DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := storage.Open(ctx, target.URL, target.DataDir)
	if err != nil {
		tb.Fatalf("open %s database: %v", target.Name, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close %s database: %v", target.Name, err)
		}
	})
	if err := db.Migrate(ctx); err != nil {
		tb.Fatalf("migrate %s database: %v", target.Name, err)
	}
	return db
}

func randomHex(n int) string {
	b := make([]byte, n)
	// crypto/rand.Read never fails (Go 1.24+).
	rand.Read(b)
	return hex.EncodeToString(b)
}
