package storagetest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/rapport-pcn/rapport/bot"
)

// Traces reads every column of every row of every table in the target's
// database, as the schema lists them (sqlite_master, or information_schema
// for PostgreSQL), and returns where any of needles appears, ignoring case,
// as "table.column: needle"; each needle is also looked for folded as
// the directory folds text (bot.FoldText), which is how member_topics,
// directory_words and the folded names keep it. Tables added later are
// covered without change, which is the point: after an erasure, nothing
// may be left.
func Traces(tb testing.TB, target Target, needles ...string) []string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	driver, dsn := "postgres", target.URL
	listTables := `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	quote := pq.QuoteIdentifier
	if target.URL == "" {
		driver, dsn = "sqlite", "file:"+filepath.Join(target.DataDir, "rapport.db")+"?_pragma=busy_timeout(5000)"
		listTables = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		tb.Fatalf("open %s for a trace search: %v", target.Name, err)
	}
	defer db.Close()
	var tables []string
	rows, err := db.QueryContext(ctx, listTables)
	if err != nil {
		tb.Fatalf("list tables: %v", err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			tb.Fatalf("list tables: %v", err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("list tables: %v", err)
	}
	rows.Close()
	if len(tables) == 0 {
		tb.Fatalf("%s: the schema lists no tables", target.Name)
	}

	// The directory keeps text folded (bot.FoldText: "Zoë" as "zoe"), so
	// each needle is looked for folded too.
	for _, n := range needles {
		if f := bot.FoldText(n); f != "" && !strings.EqualFold(f, n) && !slices.Contains(needles, f) {
			needles = append(needles, f)
		}
	}
	var found []string
	for _, table := range tables {
		rows, err := db.QueryContext(ctx, "SELECT * FROM "+quote(table))
		if err != nil {
			tb.Fatalf("read %s: %v", table, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			tb.Fatalf("read %s: %v", table, err)
		}
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				tb.Fatalf("read %s: %v", table, err)
			}
			for i, v := range vals {
				for _, n := range needles {
					if n != "" && strings.Contains(strings.ToLower(v.String), strings.ToLower(n)) {
						found = append(found, fmt.Sprintf("%s.%s: %q in %q", table, cols[i], n, v.String))
					}
				}
			}
		}
		if err := rows.Err(); err != nil {
			tb.Fatalf("read %s: %v", table, err)
		}
		rows.Close()
	}
	return found
}

// FileTraces reads every file under dir as bytes and returns which of
// needles each holds, ignoring ASCII case, as "file: needle".
func FileTraces(tb testing.TB, dir string, needles ...string) []string {
	tb.Helper()
	var found []string
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		b = bytes.ToLower(b)
		for _, n := range needles {
			if n != "" && bytes.Contains(b, bytes.ToLower([]byte(n))) {
				found = append(found, fmt.Sprintf("%s: %q", filepath.Base(path), n))
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("read %s: %v", dir, err)
	}
	if files == 0 {
		tb.Fatalf("%s holds no files", dir)
	}
	return found
}
