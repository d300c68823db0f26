package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/lib/pq"
)

// BulkInsert writes rows straight into table's columns in one
// transaction: by COPY on PostgreSQL, and a few hundred rows a statement
// on SQLite. It bypasses every rule the other methods keep, and the
// counts the admin's pages read (Migrate counts rounds it finds without
// them), so it is for filling test and benchmark databases only, with
// hundreds of thousands of rows in seconds. Rows that give an id column
// move PostgreSQL's identity on past them.
func (db *DB) BulkInsert(ctx context.Context, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if db.dialect == DialectPostgres {
		stmt, err := tx.PrepareContext(ctx, pq.CopyIn(table, columns...))
		if err != nil {
			return fmt.Errorf("bulk insert %s: %w", table, err)
		}
		for _, r := range rows {
			if _, err := stmt.ExecContext(ctx, r...); err != nil {
				stmt.Close()
				return fmt.Errorf("bulk insert %s: %w", table, err)
			}
		}
		if _, err := stmt.ExecContext(ctx); err != nil {
			stmt.Close()
			return fmt.Errorf("bulk insert %s: %w", table, err)
		}
		if err := stmt.Close(); err != nil {
			return fmt.Errorf("bulk insert %s: %w", table, err)
		}
		for _, c := range columns {
			if c == "id" {
				q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT MAX(id) FROM %s))`, table, pq.QuoteIdentifier(table))
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return fmt.Errorf("bulk insert %s: identity: %w", table, err)
				}
			}
		}
	} else {
		// One prepared statement, run for each row, is SQLite's fastest.
		marks := make([]string, len(columns))
		for i := range marks {
			marks[i] = "$" + strconv.Itoa(i+1)
		}
		stmt, err := tx.PrepareContext(ctx, "INSERT INTO "+table+" ("+strings.Join(columns, ", ")+") VALUES ("+strings.Join(marks, ", ")+")")
		if err != nil {
			return fmt.Errorf("bulk insert %s: %w", table, err)
		}
		defer stmt.Close()
		for _, r := range rows {
			if _, err := stmt.ExecContext(ctx, r...); err != nil {
				return fmt.Errorf("bulk insert %s: %w", table, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("bulk insert %s: commit: %w", table, err)
	}
	return nil
}

// Analyze brings PostgreSQL's planner statistics and visibility map up
// to date, as autovacuum does a little while after a bulk load (so that
// index-only scans need not visit the table); on SQLite, which keeps none
// unless asked, it does nothing.
func (db *DB) Analyze(ctx context.Context) error {
	if db.dialect != DialectPostgres {
		return nil
	}
	if _, err := db.db.ExecContext(ctx, `VACUUM (ANALYZE)`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}
