package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/jmoiron/sqlx"

	"github.com/rapport-pcn/rapport/bot"
)

// Each round's figures (round_figures) and the intros between each pair
// of organisations in it (round_links) are kept as counts, so that the
// admin's overview and network map read a row per round or per pair
// instead of every intro of every round: at 100,000 members and 50 rounds
// that is millions of places. Every write that changes an intro's status,
// answers or places reads the intros' facts before and after and adds
// the difference, in its own transaction; a new round, or one whose
// intros went with the history, is counted afresh.

// networkMapVersion is the migration after which the counts are kept
// as figures.go keeps them (00013 adds them, 00014 their versions).
const networkMapVersion = 14

// introFact is what one intro adds to the counts.
type introFact struct {
	round  int64
	status string
	places int
	orgs   []int64 // the places' organisations when introduced, sorted, without repeats
	met    bool    // someone answered that they met
	plan   bool    // someone answered that they arranged to
}

// roundFigures are one round's counts, as RoundStats counts them.
type roundFigures struct {
	intros, trios, delivered, failed, met, arranged int
}

// linkKey is a pair of organisations in a round, a < b.
type linkKey struct{ round, a, b int64 }

type linkCount struct{ intros, met int }

// counts are additions to round_figures and round_links.
type counts struct {
	figures map[int64]*roundFigures
	links   map[linkKey]*linkCount
}

func newCounts() *counts {
	return &counts{figures: map[int64]*roundFigures{}, links: map[linkKey]*linkCount{}}
}

// add adds sign (1 or -1) times f's share to c.
func (c *counts) add(f *introFact, sign int) {
	fig := c.figures[f.round]
	if fig == nil {
		fig = &roundFigures{}
		c.figures[f.round] = fig
	}
	fig.intros += sign
	if f.places == 3 {
		fig.trios += sign
	}
	switch f.status {
	case bot.IntroSent:
		fig.delivered += sign
		// "We've arranged to meet" is a plan: it counts as met only once
		// someone says they did meet.
		switch {
		case f.met:
			fig.met += sign
		case f.plan:
			fig.arranged += sign
		}
	case bot.IntroFailed:
		fig.failed += sign
		return // nobody was introduced: no link
	}
	met := 0
	if f.met {
		met = sign
	}
	for i, a := range f.orgs {
		for _, b := range f.orgs[i+1:] {
			k := linkKey{f.round, a, b}
			l := c.links[k]
			if l == nil {
				l = &linkCount{}
				c.links[k] = l
			}
			l.intros += sign
			l.met += met
		}
	}
}

// introFacts reads the facts of the intros that cond (a condition on
// intros i) picks.
func introFacts(ctx context.Context, tx *tx, cond string, args ...any) (map[int64]*introFact, error) {
	var rows []struct {
		ID     int64  `db:"id"`
		Round  int64  `db:"round_id"`
		Status string `db:"status"`
		Org    *int64 `db:"organisation_id"`
		Answer string `db:"answer"`
	}
	query := `SELECT i.id, i.round_id, i.status, im.organisation_id, im.answer
		FROM intros i JOIN intro_members im ON im.intro_id = i.id
		WHERE ` + cond
	if err := tx.SelectContext(ctx, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("intro figures: %w", err)
	}
	out := map[int64]*introFact{}
	for _, r := range rows {
		f := out[r.ID]
		if f == nil {
			f = &introFact{round: r.Round, status: r.Status}
			out[r.ID] = f
		}
		f.places++
		if r.Org != nil && !slices.Contains(f.orgs, *r.Org) {
			f.orgs = append(f.orgs, *r.Org)
		}
		f.met = f.met || r.Answer == bot.AnswerYes
		f.plan = f.plan || r.Answer == bot.AnswerArranged
	}
	for _, f := range out {
		slices.Sort(f.orgs)
	}
	return out, nil
}

// introFactsByID reads the facts of the intros with the IDs.
func introFactsByID(ctx context.Context, tx *tx, ids []int64) (map[int64]*introFact, error) {
	out := map[int64]*introFact{}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 500)]
		ids = ids[len(batch):]
		query, args, err := sqlx.In(`i.id IN (?)`, batch)
		if err != nil {
			return nil, err
		}
		facts, err := introFacts(ctx, tx, tx.Rebind(query), args...)
		if err != nil {
			return nil, err
		}
		for id, f := range facts {
			out[id] = f
		}
	}
	return out, nil
}

// trackIntros runs change, which alters the intros cond picks (or their
// places), and adjusts the counts by the difference it made. Intros that
// change deletes are taken out of the counts.
func trackIntros(ctx context.Context, tx *tx, change func() error, cond string, args ...any) error {
	// Two members answering one intro at once change different rows, so
	// on PostgreSQL each would read the other's answer as not given and
	// both would count the meeting. Locking the intros first makes the
	// second wait, and then read the first's answer. SQLite's write
	// transactions take turns already.
	if tx.dialect == DialectPostgres {
		if _, err := tx.ExecContext(ctx, `SELECT i.id FROM intros i WHERE `+cond+` ORDER BY i.id FOR UPDATE`, args...); err != nil {
			return fmt.Errorf("intro figures: lock: %w", err)
		}
	}
	before, err := introFacts(ctx, tx, cond, args...)
	if err != nil {
		return err
	}
	if err := change(); err != nil {
		return err
	}
	if len(before) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(before))
	for id := range before {
		ids = append(ids, id)
	}
	after, err := introFactsByID(ctx, tx, ids)
	if err != nil {
		return err
	}
	c := newCounts()
	for id, f := range before {
		c.add(f, -1)
		if g := after[id]; g != nil {
			c.add(g, 1)
		}
	}
	return applyCounts(ctx, tx, c)
}

// applyCounts adds c to round_figures and round_links, a batch of rows a
// statement, and deletes the links that no intro is left in.
func applyCounts(ctx context.Context, tx *tx, c *counts) error {
	var figs [][]any
	for round, f := range c.figures {
		// version goes up by one with every change to the round.
		figs = append(figs, []any{round, f.intros, f.trios, f.delivered, f.failed, f.met, f.arranged, 1})
	}
	err := upsertRows(ctx, tx, "round_figures", "round_id, intros, trios, delivered, failed, met, arranged, version", "round_id",
		[]string{"intros", "trios", "delivered", "failed", "met", "arranged", "version"}, figs)
	if err != nil {
		return fmt.Errorf("round figures: %w", err)
	}
	var links [][]any
	emptied := false
	for k, l := range c.links {
		if l.intros != 0 || l.met != 0 {
			links = append(links, []any{k.round, k.a, k.b, l.intros, l.met})
			emptied = emptied || l.intros < 0
		}
	}
	if err := upsertRows(ctx, tx, "round_links", "round_id, org_a, org_b, intros, met", "round_id, org_a, org_b",
		[]string{"intros", "met"}, links); err != nil {
		return fmt.Errorf("round links: %w", err)
	}
	if emptied {
		rounds := make([]int64, 0, len(c.figures))
		for r := range c.figures {
			rounds = append(rounds, r)
		}
		query, args, err := sqlx.In(`DELETE FROM round_links WHERE intros <= 0 AND round_id IN (?)`, rounds)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(query), args...); err != nil {
			return fmt.Errorf("round links: %w", err)
		}
	}
	return nil
}

// upsertRows inserts rows into table, or adds each of the add columns to
// the row already there with the same conflict key.
func upsertRows(ctx context.Context, tx *tx, table, columns, conflict string, add []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	sets := make([]string, len(add))
	for i, col := range add {
		sets[i] = fmt.Sprintf("%s = %s.%s + excluded.%s", col, table, col, col)
	}
	suffix := " ON CONFLICT (" + conflict + ") DO UPDATE SET " + strings.Join(sets, ", ")
	perInsert := max(1, 500/len(rows[0]))
	for len(rows) > 0 {
		batch := rows[:min(len(rows), perInsert)]
		rows = rows[len(batch):]
		q, args := valuesInsert(table, columns, batch)
		q.WriteString(suffix)
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// countRounds counts the rounds afresh, from their intros: a round just
// made, or one whose intros have gone.
func countRounds(ctx context.Context, tx *tx, rounds []int64) error {
	for _, r := range rounds {
		// The figures start again from nothing; their version carries
		// on, so that no copy of the links from before looks current.
		for _, q := range []string{
			`DELETE FROM round_links WHERE round_id = $1`,
			`INSERT INTO round_figures (round_id) VALUES ($1) ON CONFLICT (round_id) DO UPDATE SET
				intros = 0, trios = 0, delivered = 0, failed = 0, met = 0, arranged = 0, version = round_figures.version + 1`,
		} {
			if _, err := tx.ExecContext(ctx, q, r); err != nil {
				return fmt.Errorf("count round: %w", err)
			}
		}
		facts, err := introFacts(ctx, tx, `i.round_id = $1`, r)
		if err != nil {
			return err
		}
		c := newCounts()
		// Every round has its row, however empty: a round without one is
		// a round not counted yet.
		c.figures[r] = &roundFigures{}
		for _, f := range facts {
			c.add(f, 1)
		}
		if err := applyCounts(ctx, tx, c); err != nil {
			return err
		}
	}
	return nil
}

// countUncountedRounds counts every round that has no figures yet: those
// made before the counts were kept.
func countUncountedRounds(ctx context.Context, tx *tx) error {
	var rounds []int64
	const query = `SELECT id FROM rounds WHERE id NOT IN (SELECT round_id FROM round_figures) ORDER BY id`
	if err := tx.SelectContext(ctx, &rounds, query); err != nil {
		return fmt.Errorf("count rounds: %w", err)
	}
	return countRounds(ctx, tx, rounds)
}

// linkCache keeps each round's links as last read, by the round's
// figures version, and their sum over the period last asked for: the
// network map then reads a version per round, and only the links of the
// rounds that changed since (the latest, as answers come in), rather than
// tens of thousands of rows a round; and the sum changes by those rounds'
// difference. Each replica keeps its own; the versions are in the
// database, so none is ever stale.
type linkCache struct {
	mu     sync.Mutex
	rounds map[int64]cachedLinks
	// sum is the links summed over sumRounds at sumVersions.
	sumRounds, sumVersions []int64
	sum                    map[[2]int64]*linkRow
}

type cachedLinks struct {
	version int64
	links   []linkRow
}

type linkRow struct {
	A, B        int64
	Intros, Met int
}

// maxCachedRounds bounds the rounds whose links are kept.
const maxCachedRounds = 64

// periodLinks returns the links summed over the rounds given with their
// figures versions, by organisation pair, reading from tx only the rounds
// whose links are not already known at that version. While the sum is
// kept, c.rounds holds each of its rounds at the version it was summed at.
func (c *linkCache) periodLinks(ctx context.Context, tx *tx, rounds []int64, versions []int64) ([]linkRow, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rounds == nil || len(c.rounds) > maxCachedRounds {
		c.rounds, c.sum = map[int64]cachedLinks{}, nil
	}
	if !slices.Equal(rounds, c.sumRounds) {
		c.sum = nil
	}
	add := func(links []linkRow, sign int) {
		for _, l := range links {
			k := [2]int64{l.A, l.B}
			s := c.sum[k]
			if s == nil {
				s = &linkRow{A: l.A, B: l.B}
				c.sum[k] = s
			}
			s.Intros += sign * l.Intros
			s.Met += sign * l.Met
		}
	}
	fresh := c.sum == nil
	if fresh {
		c.sum = map[[2]int64]*linkRow{}
	}
	for i, r := range rounds {
		cached, ok := c.rounds[r]
		if ok && cached.version == versions[i] {
			if fresh {
				add(cached.links, 1)
			}
			continue
		}
		read, err := readRoundLinks(ctx, tx, r, versions[i])
		if err != nil {
			c.sum, c.sumRounds = nil, nil
			return nil, err
		}
		if !fresh {
			add(cached.links, -1) // the version summed before
		}
		add(read.links, 1)
		c.rounds[r] = read
	}
	c.sumRounds, c.sumVersions = slices.Clone(rounds), slices.Clone(versions)
	out := make([]linkRow, 0, len(c.sum))
	for k, l := range c.sum {
		if l.Intros == 0 && l.Met == 0 {
			delete(c.sum, k)
			continue
		}
		out = append(out, *l)
	}
	return out, nil
}

// readRoundLinks reads one round's links. It scans by hand: sqlx's
// reflection costs more than the query, at tens of thousands of rows.
func readRoundLinks(ctx context.Context, tx *tx, round, version int64) (cachedLinks, error) {
	out := cachedLinks{version: version}
	rows, err := tx.QueryContext(ctx, `SELECT org_a, org_b, intros, met FROM round_links WHERE round_id = $1`, round)
	if err != nil {
		return out, fmt.Errorf("network map: links: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l linkRow
		if err := rows.Scan(&l.A, &l.B, &l.Intros, &l.Met); err != nil {
			return out, fmt.Errorf("network map: links: %w", err)
		}
		out.links = append(out.links, l)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("network map: links: %w", err)
	}
	return out, nil
}
