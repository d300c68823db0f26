package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// ListOrganisations returns the network's organisations sorted by name,
// ignoring case.
func (db *DB) ListOrganisations(ctx context.Context) ([]bot.Organisation, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	orgs, err := listOrganisations(ctx, tx)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("list organisations: commit: %w", err)
	}
	return orgs, nil
}

// AddOrganisation adds an organisation to the list. It returns ECONFLICT
// when one of the same name, ignoring case and spacing, is there already,
// and EINVALID for a blank name.
func (db *DB) AddOrganisation(ctx context.Context, name string, now time.Time) (*bot.Organisation, error) {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	org, err := addOrganisation(ctx, tx, name, now)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("add organisation: commit: %w", err)
	}
	return org, nil
}

// RemoveOrganisation removes the organisation whose name matches, ignoring
// case and spacing, or returns ENOTFOUND. Members keep the name in their
// profiles.
func (db *DB) RemoveOrganisation(ctx context.Context, name string) error {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	if err := removeOrganisation(ctx, tx, name); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("remove organisation: commit: %w", err)
	}
	return nil
}

// organisationKey is the name as compared for sameness: lower case, with
// runs of spaces made one, so " Riverside  Surgery" is "riverside surgery".
// Go does this rather than SQL, because SQLite's lower() only knows ASCII.
func organisationKey(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), " "))
}

// organisationRow is a row of organisations as the databases hold it.
type organisationRow struct {
	ID        int64     `db:"id"`
	Name      string    `db:"name"`
	CreatedAt time.Time `db:"created_at"`
}

func (r organisationRow) organisation() bot.Organisation {
	return bot.Organisation{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt.UTC()}
}

func listOrganisations(ctx context.Context, tx *tx) ([]bot.Organisation, error) {
	const query = `SELECT id, name, created_at
		FROM organisations
		ORDER BY name_key, id`
	var rows []organisationRow
	if err := tx.SelectContext(ctx, &rows, query); err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	orgs := make([]bot.Organisation, 0, len(rows))
	for _, r := range rows {
		orgs = append(orgs, r.organisation())
	}
	return orgs, nil
}

func addOrganisation(ctx context.Context, tx *tx, name string, now time.Time) (*bot.Organisation, error) {
	// ON CONFLICT DO NOTHING turns a duplicate into "no row returned" on
	// both databases, so there is no driver-specific error code to decode.
	const query = `INSERT INTO organisations (name, name_key, created_at)
		VALUES ($1, $2, $3)
		ON CONFLICT (name_key) DO NOTHING
		RETURNING id, name, created_at`
	name = strings.TrimSpace(name)
	key := organisationKey(name)
	if key == "" {
		return nil, bot.Errorf(bot.EINVALID, "Please give the organisation's name.")
	}
	var r organisationRow
	err := tx.GetContext(ctx, &r, query, name, key, dbTime(now))
	if errors.Is(err, sql.ErrNoRows) {
		existing, err := findOrganisationName(ctx, tx, key)
		if err != nil {
			return nil, err
		}
		return nil, bot.Errorf(bot.ECONFLICT, "%s is already on the list.", existing)
	} else if err != nil {
		return nil, fmt.Errorf("add organisation: %w", err)
	}
	org := r.organisation()
	return &org, nil
}

// findOrganisationName returns the listed spelling of the name with key,
// for messages.
func findOrganisationName(ctx context.Context, tx *tx, key string) (string, error) {
	const query = `SELECT name FROM organisations WHERE name_key = $1`
	var name string
	if err := tx.GetContext(ctx, &name, query, key); err != nil {
		return "", fmt.Errorf("find organisation: %w", err)
	}
	return name, nil
}

func removeOrganisation(ctx context.Context, tx *tx, name string) error {
	const query = `DELETE FROM organisations WHERE name_key = $1`
	res, err := tx.ExecContext(ctx, query, organisationKey(name))
	if err != nil {
		return fmt.Errorf("remove organisation: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("remove organisation: %w", err)
	} else if n == 0 {
		return bot.Errorf(bot.ENOTFOUND, "%s is not on the list of organisations.", strings.TrimSpace(name))
	}
	return nil
}
