package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// ListOrganisations returns the network's list of organisations, sorted
// by key. Organisations that members typed, that admins removed from the
// list or that were merged into another are not on it.
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
// when one with the same key (bot.OrganisationKey) is listed already, and
// EINVALID for a name without letters or digits. An organisation members
// typed before it was listed becomes listed, under the admin's spelling,
// and keeps its members.
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

// RemoveOrganisation takes the organisation whose name has the same key
// off the list, or returns ENOTFOUND. It stays the organisation of its
// members, who are still never paired with each other.
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

// organisationKey is the name as compared for sameness. Go computes it
// rather than SQL, because it needs Unicode rules that neither database's
// lower() has.
func organisationKey(name string) string { return bot.OrganisationKey(name) }

// organisationName is a name as it is shown and stored: invisible
// characters out, spacing tidied.
func organisationName(name string) string {
	return strings.Join(strings.Fields(bot.CleanText(name)), " ")
}

// organisationColumns are the organisations columns in organisationRow's
// order.
const organisationColumns = `id, name, name_key, listed, sector, merged_into, created_at, updated_at`

// organisationRow is a row of organisations as the databases hold it.
type organisationRow struct {
	ID         int64         `db:"id"`
	Name       string        `db:"name"`
	Key        string        `db:"name_key"`
	Listed     bool          `db:"listed"`
	Sector     string        `db:"sector"`
	MergedInto sql.NullInt64 `db:"merged_into"`
	CreatedAt  time.Time     `db:"created_at"`
	UpdatedAt  time.Time     `db:"updated_at"`
}

func (r organisationRow) organisation() bot.Organisation {
	return bot.Organisation{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt.UTC()}
}

func listOrganisations(ctx context.Context, tx *tx) ([]bot.Organisation, error) {
	const query = `SELECT ` + organisationColumns + `
		FROM organisations
		WHERE listed AND merged_into IS NULL
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

// maxMergeHops bounds how far findOrganisation follows merged_into, so a
// loop written by mistake cannot hang a query.
const maxMergeHops = 8

// findOrganisation returns the organisation whose key is key, following
// merges to the survivor, or nil when there is none.
func findOrganisation(ctx context.Context, tx *tx, key string) (*organisationRow, error) {
	const byKey = `SELECT ` + organisationColumns + ` FROM organisations WHERE name_key = $1`
	const byID = `SELECT ` + organisationColumns + ` FROM organisations WHERE id = $1`
	var r organisationRow
	err := tx.GetContext(ctx, &r, byKey, key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	for hops := 0; err == nil && r.MergedInto.Valid && hops < maxMergeHops; hops++ {
		err = tx.GetContext(ctx, &r, byID, r.MergedInto.Int64)
	}
	if err != nil {
		return nil, fmt.Errorf("find organisation: %w", err)
	}
	return &r, nil
}

func addOrganisation(ctx context.Context, tx *tx, name string, now time.Time) (*bot.Organisation, error) {
	name = organisationName(name)
	key := organisationKey(name)
	if key == "" {
		return nil, bot.ErrAbout(bot.EINVALID, bot.AboutOrganisation)
	}
	existing, err := findOrganisation(ctx, tx, key)
	if err != nil {
		return nil, err
	}
	if existing != nil {
		if existing.Listed {
			return nil, &bot.Error{Code: bot.ECONFLICT, About: bot.AboutOrganisation, Name: existing.Name}
		}
		// Members typed it before an admin listed it: it is the same
		// organisation, now under the admin's spelling.
		return listOrganisation(ctx, tx, existing.ID, name, now)
	}
	// ON CONFLICT DO NOTHING turns a concurrent insert of the same key into
	// "no row returned" on both databases, so there is no driver-specific
	// error code to decode.
	const query = `INSERT INTO organisations (name, name_key, listed, created_at, updated_at)
		VALUES ($1, $2, TRUE, $3, $3)
		ON CONFLICT (name_key) DO NOTHING
		RETURNING ` + organisationColumns
	var r organisationRow
	err = tx.GetContext(ctx, &r, query, name, key, dbTime(now))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &bot.Error{Code: bot.ECONFLICT, About: bot.AboutOrganisation, Name: name}
	} else if err != nil {
		return nil, fmt.Errorf("add organisation: %w", err)
	}
	org := r.organisation()
	return &org, nil
}

// listOrganisation puts organisation id on the list under name, and keeps
// its members' copy of the name in step.
func listOrganisation(ctx context.Context, tx *tx, id int64, name string, now time.Time) (*bot.Organisation, error) {
	const query = `UPDATE organisations SET listed = TRUE, name = $2, updated_at = $3
		WHERE id = $1
		RETURNING ` + organisationColumns
	var r organisationRow
	if err := tx.GetContext(ctx, &r, query, id, name, dbTime(now)); err != nil {
		return nil, fmt.Errorf("add organisation: %w", err)
	}
	const members = `UPDATE members SET organisation = $2 WHERE organisation_id = $1`
	if _, err := tx.ExecContext(ctx, members, id, name); err != nil {
		return nil, fmt.Errorf("add organisation: members: %w", err)
	}
	org := r.organisation()
	return &org, nil
}

func removeOrganisation(ctx context.Context, tx *tx, name string) error {
	org, err := findOrganisation(ctx, tx, organisationKey(name))
	if err != nil {
		return err
	}
	if org == nil || !org.Listed {
		return &bot.Error{Code: bot.ENOTFOUND, About: bot.AboutOrganisation, Name: organisationName(name)}
	}
	const query = `UPDATE organisations SET listed = FALSE, updated_at = $2 WHERE id = $1`
	if _, err := tx.ExecContext(ctx, query, org.ID, tx.now); err != nil {
		return fmt.Errorf("remove organisation: %w", err)
	}
	return nil
}

// memberOrganisation returns the organisation a member's profile names,
// creating an unlisted one when no organisation has its key: two members
// who type one organisation's name, however spelt, share it. It returns a
// nil id for a name without letters or digits, which belongs to nobody.
func memberOrganisation(ctx context.Context, tx *tx, name string) (id *int64, stored string, err error) {
	name = organisationName(name)
	key := organisationKey(name)
	if key == "" {
		return nil, name, nil
	}
	org, err := findOrganisation(ctx, tx, key)
	if err != nil {
		return nil, "", err
	}
	if org == nil {
		const insert = `INSERT INTO organisations (name, name_key, listed, created_at, updated_at)
			VALUES ($1, $2, FALSE, $3, $3)
			ON CONFLICT (name_key) DO NOTHING`
		if _, err := tx.ExecContext(ctx, insert, name, key, tx.now); err != nil {
			return nil, "", fmt.Errorf("save organisation: %w", err)
		}
		if org, err = findOrganisation(ctx, tx, key); err != nil {
			return nil, "", err
		} else if org == nil {
			return nil, "", fmt.Errorf("save organisation: %q vanished", key)
		}
	}
	return &org.ID, org.Name, nil
}

// backfillAdvisoryLock is the PostgreSQL advisory lock that makes replicas
// starting at once take turns to backfill.
const backfillAdvisoryLock = 0x52617005 // "Rap", 5

// lockBackfill takes a PostgreSQL advisory lock for the transaction: key
// names the backfill, and the schema the database is used through is the
// lock's second half. Advisory locks are shared by the whole database, so
// without it two networks (or two test runs) kept in schemas of one
// database would wait for each other's backfills.
func lockBackfill(ctx context.Context, tx *tx, key int32) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))`, key)
	return err
}

// backfillOrganisations brings organisation identity up to date, in one
// transaction: it re-keys every organisation with the current
// bot.OrganisationKey, merging those that now share a key (their members
// move to the oldest), and links each member whose organisation is only
// text to the organisation of that key, creating unlisted ones. It runs
// after every migration, and does nothing once all is in step; so it also
// catches up when the key's rules change.
func (db *DB) backfillOrganisations(ctx context.Context, counted bool) error {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if db.dialect == DialectPostgres {
		if err := lockBackfill(ctx, tx, backfillAdvisoryLock); err != nil {
			return fmt.Errorf("backfill organisations: lock: %w", err)
		}
	}
	merged, err := rekeyOrganisations(ctx, tx, counted)
	if err != nil {
		return err
	}
	if err := linkMemberOrganisations(ctx, tx); err != nil {
		return err
	}
	// Members who left since the last start may have left their typed
	// organisation behind.
	if err := pruneOrganisations(ctx, tx); err != nil {
		return err
	}
	if merged {
		const names = `UPDATE members SET organisation = (SELECT o.name FROM organisations o WHERE o.id = members.organisation_id)
			WHERE organisation_id IS NOT NULL`
		if _, err := tx.ExecContext(ctx, names); err != nil {
			return fmt.Errorf("backfill organisations: names: %w", err)
		}
	}
	// Rounds made before the counts were kept are counted once.
	if counted {
		if err := countUncountedRounds(ctx, tx); err != nil {
			return fmt.Errorf("backfill: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("backfill organisations: commit: %w", err)
	}
	return nil
}

// rekeyOrganisations gives every organisation its current key, merging
// organisations whose keys become one. It reports whether it merged any.
func rekeyOrganisations(ctx context.Context, tx *tx, counted bool) (merged bool, err error) {
	var rows []organisationRow
	if err := tx.SelectContext(ctx, &rows, `SELECT `+organisationColumns+` FROM organisations ORDER BY id`); err != nil {
		return false, fmt.Errorf("rekey organisations: %w", err)
	}
	survivors := map[string]*organisationRow{}
	var stale []organisationRow // rows whose key changes
	for i := range rows {
		r := &rows[i]
		key := organisationKey(r.Name)
		if key == "" {
			// A name of punctuation alone keeps the key it had: it is
			// nobody's spelling of another.
			key = r.Key
		}
		s, dup := survivors[key]
		if !dup {
			survivors[key] = r
			if r.Key != key {
				stale = append(stale, *r)
				stale[len(stale)-1].Key = key
			}
			continue
		}
		// Two spellings of one organisation: the older row, or the one not
		// merged already, survives with both one's members and listing.
		if s.MergedInto.Valid && !r.MergedInto.Valid {
			s, r = r, s
			survivors[key] = s
			stale = append(stale, *s)
			stale[len(stale)-1].Key = key
		}
		if err := absorbOrganisation(ctx, tx, s.ID, r.ID, r.Listed, counted); err != nil {
			return false, err
		}
		merged = true
	}
	// Keys are unique, so move every changing key out of the way before
	// giving any its new value.
	for _, r := range stale {
		if _, err := tx.ExecContext(ctx, `UPDATE organisations SET name_key = $2 WHERE id = $1`, r.ID, fmt.Sprintf("#rekey %d", r.ID)); err != nil {
			return false, fmt.Errorf("rekey organisations: %w", err)
		}
	}
	for _, r := range stale {
		if survivors[r.Key].ID != r.ID {
			continue // absorbed after it was first seen
		}
		if _, err := tx.ExecContext(ctx, `UPDATE organisations SET name_key = $2 WHERE id = $1`, r.ID, r.Key); err != nil {
			return false, fmt.Errorf("rekey organisations: %w", err)
		}
	}
	return merged, nil
}

// absorbOrganisation moves everything of organisation gone to survivor and
// deletes gone: they were one organisation spelt two ways. counted says
// that the schema keeps the network map's counts (see figures.go), whose
// places move too.
func absorbOrganisation(ctx context.Context, tx *tx, survivor, gone int64, listed, counted bool) error {
	if counted {
		err := trackIntros(ctx, tx, func() error {
			_, err := tx.ExecContext(ctx, `UPDATE intro_members SET organisation_id = $1 WHERE organisation_id = $2`, survivor, gone)
			return err
		}, `i.id IN (SELECT intro_id FROM intro_members WHERE organisation_id = $1)`, gone)
		if err != nil {
			return fmt.Errorf("merge organisations: %w", err)
		}
	}
	for _, q := range []string{
		`UPDATE members SET organisation_id = $1 WHERE organisation_id = $2`,
		`UPDATE organisations SET merged_into = $1 WHERE merged_into = $2`,
	} {
		if _, err := tx.ExecContext(ctx, q, survivor, gone); err != nil {
			return fmt.Errorf("merge organisations: %w", err)
		}
	}
	if listed {
		if _, err := tx.ExecContext(ctx, `UPDATE organisations SET listed = TRUE WHERE id = $1`, survivor); err != nil {
			return fmt.Errorf("merge organisations: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM organisations WHERE id = $1`, gone); err != nil {
		return fmt.Errorf("merge organisations: %w", err)
	}
	return nil
}

// linkMemberOrganisations gives each member whose organisation is only a
// name the organisation of that name's key.
func linkMemberOrganisations(ctx context.Context, tx *tx) error {
	var names []string
	const query = `SELECT DISTINCT organisation FROM members WHERE organisation_id IS NULL AND organisation <> ''`
	if err := tx.SelectContext(ctx, &names, query); err != nil {
		return fmt.Errorf("link members' organisations: %w", err)
	}
	for _, name := range names {
		id, stored, err := memberOrganisation(ctx, tx, name)
		if err != nil {
			return err
		}
		if id == nil {
			continue
		}
		const link = `UPDATE members SET organisation_id = $1, organisation = $2
			WHERE organisation_id IS NULL AND organisation = $3`
		if _, err := tx.ExecContext(ctx, link, *id, stored, name); err != nil {
			return fmt.Errorf("link members' organisations: %w", err)
		}
	}
	return nil
}

// pruneOrganisations deletes the organisations nobody belongs to that are
// not on the list: a name one member typed goes when they change it or
// leave, as the rest of what they wrote does. Listed organisations, and
// those an organisation was merged into or from, stay.
func pruneOrganisations(ctx context.Context, tx *tx) error {
	const query = `DELETE FROM organisations
		WHERE NOT listed AND merged_into IS NULL
		AND NOT EXISTS (SELECT 1 FROM members m WHERE m.organisation_id = organisations.id)
		AND NOT EXISTS (SELECT 1 FROM organisations a WHERE a.merged_into = organisations.id)`
	if _, err := tx.ExecContext(ctx, query); err != nil {
		return fmt.Errorf("prune organisations: %w", err)
	}
	return nil
}

// errOrganisationGone is the refusal for an organisation that is not
// there to change.
func errOrganisationGone() error {
	return bot.Refuse(bot.ENOTFOUND, "That organisation is no longer there: another admin may have merged or removed it. Reload the page to see the list as it is now.")
}

// organisationByID returns the organisation with the ID, unless it has
// been merged into another, or ENOTFOUND.
func organisationByID(ctx context.Context, tx *tx, id int64) (*organisationRow, error) {
	var r organisationRow
	err := tx.GetContext(ctx, &r, `SELECT `+organisationColumns+` FROM organisations WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) || err == nil && r.MergedInto.Valid {
		return nil, errOrganisationGone()
	} else if err != nil {
		return nil, fmt.Errorf("find organisation: %w", err)
	}
	return &r, nil
}

// organisationInfo returns the organisation as the admin's list shows it.
func organisationInfo(ctx context.Context, tx *tx, r *organisationRow) (*bot.OrganisationInfo, error) {
	info := &bot.OrganisationInfo{ID: r.ID, Name: r.Name, Sector: r.Sector, Listed: r.Listed}
	if err := tx.GetContext(ctx, &info.Members, `SELECT COUNT(*) FROM members WHERE organisation_id = $1`, r.ID); err != nil {
		return nil, fmt.Errorf("organisation members: %w", err)
	}
	return info, nil
}

// Organisations returns every organisation on the list and every one with
// members, with how many, sorted by name. Those merged into another are
// not among them.
func (db *DB) Organisations(ctx context.Context) ([]bot.OrganisationInfo, error) {
	var rows []struct {
		ID      int64  `db:"id"`
		Name    string `db:"name"`
		Key     string `db:"name_key"`
		Sector  string `db:"sector"`
		Listed  bool   `db:"listed"`
		Members int    `db:"members"`
	}
	const query = `SELECT o.id, o.name, o.name_key, o.sector, o.listed, COALESCE(c.n, 0) AS members
		FROM organisations o
		LEFT JOIN (SELECT organisation_id, COUNT(*) AS n FROM members GROUP BY organisation_id) c ON c.organisation_id = o.id
		WHERE o.merged_into IS NULL AND (o.listed OR c.n > 0)
		ORDER BY o.name_key, o.id`
	if err := db.db.SelectContext(ctx, &rows, query); err != nil {
		return nil, fmt.Errorf("organisations: %w", err)
	}
	out := make([]bot.OrganisationInfo, 0, len(rows))
	for _, r := range rows {
		out = append(out, bot.OrganisationInfo{ID: r.ID, Name: r.Name, Sector: r.Sector, Listed: r.Listed, Members: r.Members})
	}
	return out, nil
}

// RenameOrganisation gives an organisation a new name, and its members
// the same. Returns ENOTFOUND, EINVALID for a name without letters or
// digits, and ECONFLICT when another organisation (or an old spelling of
// one, merged into it) has the new name's key.
func (db *DB) RenameOrganisation(ctx context.Context, id int64, name string, now time.Time) (*bot.OrganisationInfo, error) {
	name = organisationName(name)
	key := organisationKey(name)
	if key == "" {
		return nil, bot.ErrAbout(bot.EINVALID, bot.AboutOrganisation)
	}
	tx, err := db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	org, err := organisationByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	var other organisationRow
	err = tx.GetContext(ctx, &other, `SELECT `+organisationColumns+` FROM organisations WHERE name_key = $1 AND id <> $2`, key, id)
	if err == nil {
		return nil, &bot.Error{Code: bot.ECONFLICT, About: bot.AboutOrganisation, Name: other.Name}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("rename organisation: %w", err)
	}
	const rename = `UPDATE organisations SET name = $2, name_key = $3, updated_at = $4 WHERE id = $1
		RETURNING ` + organisationColumns
	if err := tx.GetContext(ctx, org, rename, id, name, key, dbTime(now)); err != nil {
		return nil, fmt.Errorf("rename organisation: %w", err)
	}
	// members.organisation is the name beside the id: it follows.
	if _, err := tx.ExecContext(ctx, `UPDATE members SET organisation = $2 WHERE organisation_id = $1`, id, name); err != nil {
		return nil, fmt.Errorf("rename organisation: members: %w", err)
	}
	info, err := organisationInfo(ctx, tx, org)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("rename organisation: commit: %w", err)
	}
	return info, nil
}

// MergeOrganisations merges from into into: from's members move, under
// into's name, and from's row stays, pointing at into, so that its
// spelling still leads there; its past intros count as into's on the
// network map. Into is listed if either was. Returns ENOTFOUND, or
// EINVALID when they are the same.
func (db *DB) MergeOrganisations(ctx context.Context, from, into int64, now time.Time) error {
	if from == into {
		return bot.Refuse(bot.EINVALID, "Choose two different organisations to merge.")
	}
	now = dbTime(now)
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	f, err := organisationByID(ctx, tx, from)
	if err != nil {
		return err
	}
	to, err := organisationByID(ctx, tx, into)
	if err != nil {
		return err
	}
	// Moving changes who may be paired with whom, so the members who
	// take part are changed as of now (an unreachable member's
	// updated_at is when they became so, and stays).
	steps := []struct {
		query string
		args  []any
	}{
		{`UPDATE members SET organisation_id = $2, organisation = $3,
			updated_at = CASE WHEN status = 'active' THEN $4 ELSE updated_at END
			WHERE organisation_id = $1`, []any{from, into, to.Name, now}},
		{`UPDATE organisations SET merged_into = $2, updated_at = $3 WHERE merged_into = $1`, []any{from, into, now}},
		{`UPDATE organisations SET merged_into = $2, listed = FALSE, updated_at = $3 WHERE id = $1`, []any{from, into, now}},
		{`UPDATE organisations SET listed = listed OR $2, updated_at = $3 WHERE id = $1`, []any{into, f.Listed, now}},
	}
	for _, s := range steps {
		if _, err := tx.ExecContext(ctx, s.query, s.args...); err != nil {
			return fmt.Errorf("merge organisations: %w", err)
		}
	}
	// Past intros count as into's, each once: a trio that had one
	// member from each is now one link, not two.
	err = trackIntros(ctx, tx, func() error {
		_, err := tx.ExecContext(ctx, `UPDATE intro_members SET organisation_id = $2 WHERE organisation_id = $1`, from, into)
		return err
	}, `i.id IN (SELECT intro_id FROM intro_members WHERE organisation_id = $1)`, from)
	if err != nil {
		return fmt.Errorf("merge organisations: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("merge organisations: commit: %w", err)
	}
	return nil
}

// SetOrganisationSector sets an organisation's sector, one of bot.Sectors'
// codes or "" for none. Returns ENOTFOUND, or EINVALID for another code.
func (db *DB) SetOrganisationSector(ctx context.Context, id int64, sector string, now time.Time) error {
	if sector != "" && !slices.ContainsFunc(bot.Sectors, func(c bot.Choice) bool { return c.Code == sector }) {
		return bot.Refuse(bot.EINVALID, "Choose a sector from the list.")
	}
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := organisationByID(ctx, tx, id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE organisations SET sector = $2, updated_at = $3 WHERE id = $1`, id, sector, dbTime(now)); err != nil {
		return fmt.Errorf("set sector: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("set sector: commit: %w", err)
	}
	return nil
}

// RemoveOrganisationByID takes an organisation off the list; its members
// keep it, and are still never paired with each other. Returns ENOTFOUND
// when it is not on the list.
func (db *DB) RemoveOrganisationByID(ctx context.Context, id int64) error {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	org, err := organisationByID(ctx, tx, id)
	if err != nil {
		return err
	}
	if !org.Listed {
		return errOrganisationGone()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE organisations SET listed = FALSE, updated_at = $2 WHERE id = $1`, id, tx.now); err != nil {
		return fmt.Errorf("remove organisation: %w", err)
	}
	// Off the list and nobody's, it goes, as a name one member typed does.
	if err := pruneOrganisations(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("remove organisation: commit: %w", err)
	}
	return nil
}
