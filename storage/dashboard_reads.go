package storage

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// What the admin's pages read. Each aggregates in SQL, by organisation or
// by round, and reads people only a page at a time: with 100,000 members
// every call answers in well under 200 ms (BenchmarkDashboard).

// pausedAt is the SQL for "paused at $1", as bot.Member.PausedAt says.
const pausedAt = `(paused AND (paused_until IS NULL OR paused_until > $1))`

// statusCase is the SQL for a member's roster status at $1.
const statusCase = `CASE WHEN status <> 'active' THEN 'unreachable' WHEN ` + pausedAt + ` THEN 'paused' ELSE 'active' END`

// defaultPage is how many rows a page has when the caller does not say.
const defaultPage = 50

// DashboardOverview returns the members by status, joins by week and the
// latest rounds' figures, oldest first.
func (db *DB) DashboardOverview(ctx context.Context, now time.Time, rounds int) (*bot.Overview, error) {
	now = dbTime(now)
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	o := &bot.Overview{}
	if err := memberFigures(ctx, tx, db.dialect, now, o); err != nil {
		return nil, err
	}
	if o.Rounds, err = latestRoundFigures(ctx, tx, rounds); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("overview: commit: %w", err)
	}
	return o, nil
}

// RecentRounds returns the latest rounds' figures, oldest first.
func (db *DB) RecentRounds(ctx context.Context, rounds int) ([]bot.RoundStats, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out, err := latestRoundFigures(ctx, tx, rounds)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("recent rounds: commit: %w", err)
	}
	return out, nil
}

// memberFigures counts the members by status, and those who joined each
// week (from Monday, in UTC), oldest first, into o. One pass over an
// index counts both, by day, which is a few hundred rows however many
// members there are; Go adds the days up by week.
func memberFigures(ctx context.Context, tx *tx, dialect string, now time.Time, o *bot.Overview) error {
	// SQLite holds times as UTC text, whose first ten characters are the
	// date.
	day := `substr(joined_at, 1, 10)`
	if dialect == DialectPostgres {
		day = `to_char(joined_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`
	}
	var rows []struct {
		Day         string `db:"day"`
		Count       int    `db:"n"`
		Active      int    `db:"active"`
		Paused      int    `db:"paused"`
		Unreachable int    `db:"unreachable"`
	}
	query := `SELECT ` + day + ` AS day, COUNT(*) AS n,
			SUM(CASE WHEN status = 'active' AND NOT ` + pausedAt + ` THEN 1 ELSE 0 END) AS active,
			SUM(CASE WHEN status = 'active' AND ` + pausedAt + ` THEN 1 ELSE 0 END) AS paused,
			SUM(CASE WHEN status <> 'active' THEN 1 ELSE 0 END) AS unreachable
		FROM members GROUP BY ` + day + ` ORDER BY day`
	if err := tx.SelectContext(ctx, &rows, query, now); err != nil {
		return fmt.Errorf("overview: members: %w", err)
	}
	for _, r := range rows {
		o.Active += r.Active
		o.Paused += r.Paused
		o.Unreachable += r.Unreachable
		d, err := time.Parse(time.DateOnly, r.Day)
		if err != nil {
			return fmt.Errorf("overview: joins: day %q: %w", r.Day, err)
		}
		week := d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)) // back to Monday
		if n := len(o.Joins); n > 0 && o.Joins[n-1].Week.Equal(week) {
			o.Joins[n-1].Count += r.Count
			continue
		}
		o.Joins = append(o.Joins, bot.WeekCount{Week: week, Count: r.Count})
	}
	return nil
}

// latestRoundFigures returns the latest rounds' figures (at most rounds
// of them, all when rounds is 0 or less), oldest first.
func latestRoundFigures(ctx context.Context, tx *tx, rounds int) ([]bot.RoundStats, error) {
	var rows []struct {
		roundRow
		Trios     int `db:"trios"`
		Delivered int `db:"delivered"`
		Failed    int `db:"failed"`
		Met       int `db:"met"`
		Arranged  int `db:"arranged"`
	}
	const query = `SELECT r.id, r.number, r.period, r.forced, r.created_at,
			COALESCE(f.intros, 0) AS intros,
			(SELECT COUNT(*) FROM round_left_out l WHERE l.round_id = r.id) AS left_out,
			COALESCE(f.trios, 0) AS trios, COALESCE(f.delivered, 0) AS delivered, COALESCE(f.failed, 0) AS failed,
			COALESCE(f.met, 0) AS met, COALESCE(f.arranged, 0) AS arranged
		FROM rounds r LEFT JOIN round_figures f ON f.round_id = r.id
		WHERE r.number > 0
		ORDER BY r.number DESC, r.id DESC
		LIMIT $1`
	if err := tx.SelectContext(ctx, &rows, query, limitArg(rounds)); err != nil {
		return nil, fmt.Errorf("overview: rounds: %w", err)
	}
	out := make([]bot.RoundStats, len(rows))
	for i, r := range rows {
		out[len(rows)-1-i] = bot.RoundStats{Round: r.round(), Trios: r.Trios, Delivered: r.Delivered, Failed: r.Failed, Met: r.Met, Arranged: r.Arranged}
	}
	return out, nil
}

// limitArg is a LIMIT's argument: n, or as good as none for n of 0 or
// less (the databases differ in how they say "no limit").
func limitArg(n int) int {
	if n <= 0 {
		return math.MaxInt32
	}
	return n
}

// NetworkMap returns the organisations and the intros between them over
// the latest rounds rounds (all of them when rounds is 0 or less). Nodes
// are the organisations with members taking part or paused, and any that
// have intros in the period; an organisation merged into another counts
// as that one.
func (db *DB) NetworkMap(ctx context.Context, rounds int) (*bot.NetworkMap, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var period []struct {
		ID        int64     `db:"id"`
		CreatedAt time.Time `db:"created_at"`
		Version   int64     `db:"version"`
	}
	const periodQuery = `SELECT r.id, r.created_at, COALESCE(f.version, 0) AS version
		FROM rounds r LEFT JOIN round_figures f ON f.round_id = r.id
		WHERE r.number > 0
		ORDER BY r.number DESC, r.id DESC LIMIT $1`
	if err := tx.SelectContext(ctx, &period, periodQuery, limitArg(rounds)); err != nil {
		return nil, fmt.Errorf("network map: rounds: %w", err)
	}
	nm := &bot.NetworkMap{Rounds: len(period)}
	if len(period) > 0 {
		nm.Since = period[len(period)-1].CreatedAt.UTC()
	}
	ids, versions := make([]int64, len(period)), make([]int64, len(period))
	for i, p := range period {
		ids[i], versions[i] = p.ID, p.Version
	}
	linkRows, err := db.links.periodLinks(ctx, tx, ids, versions)
	if err != nil {
		return nil, err
	}

	var orgRows []struct {
		ID         int64         `db:"id"`
		Name       string        `db:"name"`
		Sector     string        `db:"sector"`
		MergedInto sql.NullInt64 `db:"merged_into"`
	}
	if err := tx.SelectContext(ctx, &orgRows, `SELECT id, name, sector, merged_into FROM organisations`); err != nil {
		return nil, fmt.Errorf("network map: organisations: %w", err)
	}
	merged := make(map[int64]int64, len(orgRows))
	nodes := map[int64]*bot.MapOrg{}
	for _, o := range orgRows {
		if o.MergedInto.Valid {
			merged[o.ID] = o.MergedInto.Int64
			continue
		}
		nodes[o.ID] = &bot.MapOrg{ID: o.ID, Name: o.Name, Sector: o.Sector}
	}
	survivor := func(id int64) int64 {
		for hops := 0; hops < maxMergeHops; hops++ {
			next, ok := merged[id]
			if !ok {
				break
			}
			id = next
		}
		return id
	}

	var memberRows []struct {
		Org   int64 `db:"organisation_id"`
		Count int   `db:"n"`
	}
	const members = `SELECT organisation_id, COUNT(*) AS n FROM members
		WHERE status = 'active' AND organisation_id IS NOT NULL GROUP BY organisation_id`
	if err := tx.SelectContext(ctx, &memberRows, members); err != nil {
		return nil, fmt.Errorf("network map: members: %w", err)
	}
	shown := map[int64]bool{}
	for _, r := range memberRows {
		if n := nodes[survivor(r.Org)]; n != nil {
			n.Members += r.Count
			shown[n.ID] = true
		}
	}

	byPair := map[[2]int64]*bot.MapLink{}
	for _, r := range linkRows {
		a, b := survivor(r.A), survivor(r.B)
		if a == b || r.Intros <= 0 || nodes[a] == nil || nodes[b] == nil {
			continue // merged into one since: not a link between two
		}
		if a > b {
			a, b = b, a
		}
		l := byPair[[2]int64{a, b}]
		if l == nil {
			l = &bot.MapLink{A: a, B: b}
			byPair[[2]int64{a, b}] = l
		}
		l.Intros += r.Intros
		l.Met += r.Met
	}
	for _, l := range byPair {
		nm.Links = append(nm.Links, *l)
		for _, id := range []int64{l.A, l.B} {
			nodes[id].Intros += l.Intros
			nodes[id].Met += l.Met
			shown[id] = true
		}
	}
	slices.SortFunc(nm.Links, func(x, y bot.MapLink) int { return cmp.Or(cmp.Compare(x.A, y.A), cmp.Compare(x.B, y.B)) })
	for id := range shown {
		nm.Orgs = append(nm.Orgs, *nodes[id])
	}
	slices.SortFunc(nm.Orgs, func(x, y bot.MapOrg) int {
		return cmp.Or(cmp.Compare(organisationKey(x.Name), organisationKey(y.Name)), cmp.Compare(x.ID, y.ID))
	})
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("network map: commit: %w", err)
	}
	return nm, nil
}

// Roster returns one page of the members the filter picks, sorted by name
// and then ID, and how many it picks.
func (db *DB) Roster(ctx context.Context, f bot.RosterFilter, now time.Time) (*bot.Roster, error) {
	now = dbTime(now)
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	// now is bound only where a query uses it: PostgreSQL refuses a
	// parameter it cannot find a type for.
	nowArg := ""
	paused := func() string {
		if nowArg == "" {
			nowArg = arg(now)
		}
		return strings.ReplaceAll(pausedAt, "$1", nowArg)
	}
	var where []string
	if f.OrganisationID != 0 {
		where = append(where, "organisation_id = "+arg(f.OrganisationID))
	}
	if f.Sector != "" {
		where = append(where, "sector = "+arg(f.Sector))
	}
	if f.Role != "" {
		where = append(where, "role = "+arg(f.Role))
	}
	if f.CareerStage != "" {
		where = append(where, "career_stage = "+arg(f.CareerStage))
	}
	switch f.Status {
	case "":
	case bot.RosterActive:
		where = append(where, "status = 'active' AND NOT "+paused())
	case bot.RosterPaused:
		where = append(where, "status = 'active' AND "+paused())
	case bot.RosterUnreachable:
		where = append(where, "status <> 'active'")
	default:
		return nil, bot.Errorf(bot.EINVALID, "Choose a status from the list: taking part, paused or unreachable.")
	}
	cond := "TRUE"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	countArgs := slices.Clone(args)
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out := &bot.Roster{}
	if err := tx.GetContext(ctx, &out.Total, `SELECT COUNT(*) FROM members WHERE `+cond, countArgs...); err != nil {
		return nil, fmt.Errorf("roster: count: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultPage
	}
	var rows []struct {
		ID             int64     `db:"id"`
		Platform       string    `db:"platform"`
		Name           string    `db:"name"`
		OrganisationID *int64    `db:"organisation_id"`
		Organisation   string    `db:"organisation"`
		Sector         string    `db:"sector"`
		Role           string    `db:"role"`
		CareerStage    string    `db:"career_stage"`
		Status         string    `db:"roster_status"`
		JoinedAt       time.Time `db:"joined_at"`
	}
	status := strings.ReplaceAll(statusCase, pausedAt, paused())
	query := `SELECT id, platform, name, organisation_id, organisation, sector, role, career_stage,
			` + status + ` AS roster_status, joined_at
		FROM members WHERE ` + cond + `
		ORDER BY name, id
		LIMIT ` + arg(limit) + ` OFFSET ` + arg(max(f.Offset, 0))
	if err := tx.SelectContext(ctx, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("roster: %w", err)
	}
	out.Entries = make([]bot.RosterEntry, 0, len(rows))
	for _, r := range rows {
		e := bot.RosterEntry{ID: r.ID, Platform: r.Platform, Name: r.Name, Organisation: r.Organisation, Sector: r.Sector,
			Role: r.Role, CareerStage: r.CareerStage, Status: r.Status, JoinedAt: r.JoinedAt.UTC()}
		if r.OrganisationID != nil {
			e.OrganisationID = *r.OrganisationID
		}
		out.Entries = append(out.Entries, e)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("roster: commit: %w", err)
	}
	return out, nil
}

// RosterCounts returns each organisation with members, and their members
// by status, sorted by name. Sector is the organisation's. Members whose
// organisation is not known come first, under no name, so the rows add
// up to the whole network.
func (db *DB) RosterCounts(ctx context.Context, now time.Time) ([]bot.OrgCount, error) {
	now = dbTime(now)
	var rows []struct {
		ID          sql.NullInt64  `db:"organisation_id"`
		Name        sql.NullString `db:"name"`
		Sector      sql.NullString `db:"sector"`
		Active      int            `db:"active"`
		Paused      int            `db:"paused"`
		Unreachable int            `db:"unreachable"`
	}
	const query = `SELECT c.organisation_id, o.name, o.sector, c.active, c.paused, c.unreachable
		FROM (SELECT organisation_id,
				SUM(CASE WHEN status = 'active' AND NOT ` + pausedAt + ` THEN 1 ELSE 0 END) AS active,
				SUM(CASE WHEN status = 'active' AND ` + pausedAt + ` THEN 1 ELSE 0 END) AS paused,
				SUM(CASE WHEN status <> 'active' THEN 1 ELSE 0 END) AS unreachable
			FROM members GROUP BY organisation_id) c
		LEFT JOIN organisations o ON o.id = c.organisation_id`
	if err := db.db.SelectContext(ctx, &rows, query, now); err != nil {
		return nil, fmt.Errorf("roster counts: %w", err)
	}
	out := make([]bot.OrgCount, 0, len(rows))
	for _, r := range rows {
		out = append(out, bot.OrgCount{OrganisationID: r.ID.Int64, Organisation: r.Name.String, Sector: r.Sector.String,
			Active: r.Active, Paused: r.Paused, Unreachable: r.Unreachable})
	}
	slices.SortFunc(out, func(x, y bot.OrgCount) int {
		return cmp.Or(cmp.Compare(organisationKey(x.Organisation), organisationKey(y.Organisation)), cmp.Compare(x.OrganisationID, y.OrganisationID))
	})
	return out, nil
}

// MembersVersion returns how many members there are and the latest change
// to any: joining, a profile saved, a pause or resume, being marked
// unreachable or moved by a merge all move UpdatedAt on, and leaving
// lowers Count.
func (db *DB) MembersVersion(ctx context.Context) (bot.MembersVersion, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return bot.MembersVersion{}, err
	}
	defer tx.Rollback()
	var v bot.MembersVersion
	if err := tx.GetContext(ctx, &v.Count, `SELECT COUNT(*) FROM members`); err != nil {
		return v, fmt.Errorf("members version: %w", err)
	}
	// ORDER BY rather than MAX, which SQLite would return as text.
	err = tx.GetContext(ctx, &v.UpdatedAt, `SELECT updated_at FROM members ORDER BY updated_at DESC LIMIT 1`)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("members version: %w", err)
	}
	v.UpdatedAt = v.UpdatedAt.UTC()
	return v, tx.Commit()
}

// OutboxDepth returns how many messages are due by now and not yet sent
// (pending, or claimed by a worker), and when the oldest of them fell
// due; zero when there are none.
func (db *DB) OutboxDepth(ctx context.Context, now time.Time) (pending int, oldest time.Time, err error) {
	now = dbTime(now)
	tx, err := db.begin(ctx, true)
	if err != nil {
		return 0, time.Time{}, err
	}
	defer tx.Rollback()
	const count = `SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending') AND due_at <= $1`
	if err := tx.GetContext(ctx, &pending, count, now); err != nil {
		return 0, time.Time{}, fmt.Errorf("outbox depth: %w", err)
	}
	if pending > 0 {
		const first = `SELECT due_at FROM outbox WHERE status IN ('pending', 'sending') AND due_at <= $1 ORDER BY due_at LIMIT 1`
		if err := tx.GetContext(ctx, &oldest, first, now); err != nil {
			return 0, time.Time{}, fmt.Errorf("outbox depth: %w", err)
		}
		oldest = oldest.UTC()
	}
	return pending, oldest, tx.Commit()
}
