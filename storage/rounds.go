package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/rapport-pcn/rapport/bot"
)

var _ bot.RoundStore = (*DB)(nil)

// RoundSnapshot reads what planning a round needs.
func (db *DB) RoundSnapshot(ctx context.Context) (*bot.RoundSnapshot, error) {
	tx, err := db.beginSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	s, err := roundSnapshot(ctx, tx, 0)
	if err != nil {
		return nil, err
	}
	return s, tx.Commit()
}

// CreateRound claims the period and stores the planned round in one
// transaction. Two replicas that claim one period at once both try the
// unique period_key; one inserts, and the other finds the row (on
// PostgreSQL it waits for the first to commit) and gets ECONFLICT.
//
// Matching a large network takes seconds, and on SQLite a write
// transaction holds the database's only write lock, which every click and
// profile save needs. So the round is planned from a snapshot read before
// the transaction, and planned again inside it only if the members,
// blocks or rounds changed meanwhile.
func (db *DB) CreateRound(ctx context.Context, period time.Time, force bool, now time.Time, plan func(*bot.RoundSnapshot) (*bot.RoundPlan, error)) (*bot.Round, error) {
	period, now = dbTime(period), dbTime(now)
	key := period.Format(time.RFC3339)
	if force {
		key = "forced:" + now.Format(time.RFC3339Nano)
	}

	// Outside the write lock: a cheap look at the claim, then the plan,
	// both read from one snapshot. Were they read at different moments, a
	// round committed in between would be missing from the claim but
	// present in the history, so everyone would look just introduced.
	pre, err := db.beginSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	taken, err := periodTaken(ctx, pre, key)
	if err != nil {
		pre.Rollback()
		return nil, fmt.Errorf("create round: %w", err)
	}
	if taken {
		pre.Rollback()
		return nil, errPeriodTaken()
	}
	snap, err := roundSnapshot(ctx, pre, 0)
	if err == nil {
		err = pre.GetContext(ctx, &snap.Number, `SELECT COALESCE(MAX(number), 0) + 1 FROM rounds`)
	}
	var before fingerprint
	if err == nil {
		before, err = planningFingerprint(ctx, pre)
	}
	pre.Rollback()
	if err != nil {
		return nil, fmt.Errorf("create round: snapshot: %w", err)
	}
	p, err := plan(snap)
	if err != nil {
		// A plan that finds nobody due may only mean that another replica
		// ran this period's round meanwhile: say so rather than the plan's
		// reason, which describes a moment already past.
		if taken, terr := periodTaken(ctx, db.db, key); terr == nil && taken {
			return nil, errPeriodTaken()
		}
		return nil, err
	}

	tx, err := db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	// Both the period and the number are unique. A conflict on the period
	// means the round has run; one on the number means a forced round took
	// it at the same moment, so the next number is tried.
	const claim = `INSERT INTO rounds (number, period_key, period, forced, created_at)
		VALUES ((SELECT COALESCE(MAX(number), 0) + 1 FROM rounds), $1, $2, $3, $4)
		ON CONFLICT DO NOTHING
		RETURNING id, number`
	round := &bot.Round{Period: period, Forced: force, CreatedAt: now}
	for attempt := 0; ; attempt++ {
		var claimed struct {
			ID     int64 `db:"id"`
			Number int   `db:"number"`
		}
		err := tx.GetContext(ctx, &claimed, claim, key, period, force, now)
		if err == nil {
			round.ID, round.Number = claimed.ID, claimed.Number
			break
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("create round: claim: %w", err)
		}
		taken, err := periodTaken(ctx, tx, key)
		if err != nil {
			return nil, fmt.Errorf("create round: claim: %w", err)
		}
		if taken {
			return nil, errPeriodTaken()
		}
		if attempt == 5 {
			return nil, fmt.Errorf("create round: no free round number after %d tries", attempt+1)
		}
	}

	after, err := planningFingerprint(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("create round: %w", err)
	}
	if after != before || round.Number != snap.Number {
		// Something changed while planning: plan again, under the lock.
		if snap, err = roundSnapshot(ctx, tx, round.ID); err != nil {
			return nil, err
		}
		snap.Number = round.Number
		if p, err = plan(snap); err != nil {
			return nil, err
		}
	}
	if err := storePlan(ctx, tx, db.rowsPerInsert(), round, p, now); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("create round: commit: %w", err)
	}
	round.Intros, round.LeftOut = len(p.Intros), len(p.LeftOut)
	return round, nil
}

// beginSnapshot starts a read-only transaction whose every statement sees
// the same committed state. PostgreSQL's default, READ COMMITTED, gives each
// statement its own snapshot, so it is asked for REPEATABLE READ; a SQLite
// read transaction already reads one snapshot throughout.
func (db *DB) beginSnapshot(ctx context.Context) (*tx, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == DialectPostgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	t, err := db.db.BeginTxx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	return &tx{Tx: t, now: dbTime(db.Now()), dialect: db.dialect}, nil
}

// periodTaken reports whether a round has claimed the period key.
func periodTaken(ctx context.Context, q sqlx.QueryerContext, key string) (bool, error) {
	var n int
	err := sqlx.GetContext(ctx, q, &n, `SELECT COUNT(*) FROM rounds WHERE period_key = $1`, key)
	return n > 0, err
}

func errPeriodTaken() error {
	return bot.ErrAbout(bot.ECONFLICT, bot.AboutRound)
}

// fingerprint summarises what a plan depends on, to tell whether it
// changed between the snapshot and the claim.
type fingerprint struct {
	Members  int            `db:"members"`
	Updated  sql.NullString `db:"updated"`
	Blocks   int            `db:"blocks"`
	Rounds   int            `db:"rounds"`
	Statuses int            `db:"statuses"`
}

func planningFingerprint(ctx context.Context, tx *tx) (fingerprint, error) {
	const query = `SELECT
			(SELECT COUNT(*) FROM members) AS members,
			(SELECT CAST(MAX(updated_at) AS TEXT) FROM members) AS updated,
			(SELECT COUNT(*) FROM blocks) AS blocks,
			(SELECT COUNT(*) FROM rounds) AS rounds,
			(SELECT COUNT(*) FROM intros WHERE status <> 'pending') AS statuses`
	var f fingerprint
	err := tx.GetContext(ctx, &f, query)
	return f, err
}

func storePlan(ctx context.Context, tx *tx, perInsert int, round *bot.Round, p *bot.RoundPlan, now time.Time) error {
	// A large round has thousands of intros: they are written a batch of
	// rows per statement, which on PostgreSQL is many times faster than a
	// statement per row.
	intros := make([][]any, len(p.Intros))
	for i, in := range p.Intros {
		var starter any
		if in.StarterID != 0 {
			starter = in.StarterID
		}
		intros[i] = []any{round.ID, i, in.Explanation, in.Question, starter, in.Score, in.RelaxedRepeat, "pending", now}
	}
	ids := make([]int64, len(p.Intros))
	err := insertRows(ctx, tx, perInsert, "intros", "round_id, position, explanation, question, starter_id, score, relaxed, status, created_at",
		intros, "id, position", func(rows *sqlx.Rows) error {
			var id int64
			var pos int
			if err := rows.Scan(&id, &pos); err != nil {
				return err
			}
			if pos < 0 || pos >= len(ids) {
				return fmt.Errorf("intro position %d out of range", pos)
			}
			ids[pos] = id
			return nil
		})
	if err != nil {
		return fmt.Errorf("create round: intros: %w", err)
	}
	var members, outbox [][]any
	for i, in := range p.Intros {
		outbox = append(outbox, []any{bot.OutboxIntro, ids[i], nil, "pending", now, now})
		for pos, m := range in.MemberIDs {
			members = append(members, []any{ids[i], m, pos})
		}
	}
	for i, in := range p.Intros {
		for _, m := range in.MemberIDs {
			outbox = append(outbox, []any{bot.OutboxFollowUp, ids[i], m, "pending", dbTime(p.FollowUpAt), now})
		}
	}
	if err := insertRows(ctx, tx, perInsert, "intro_members", "intro_id, member_id, position", members, "", nil); err != nil {
		return fmt.Errorf("create round: intro members: %w", err)
	}
	if err := insertRows(ctx, tx, perInsert, "outbox", "kind, intro_id, member_id, status, due_at, created_at", outbox, "", nil); err != nil {
		return fmt.Errorf("create round: queue: %w", err)
	}
	// Each place keeps the organisation its member is in now, for the
	// network map; the round's counts start from its intros.
	const orgs = `UPDATE intro_members SET organisation_id = (SELECT m.organisation_id FROM members m WHERE m.id = intro_members.member_id)
		WHERE intro_id IN (SELECT id FROM intros WHERE round_id = $1)`
	if _, err := tx.ExecContext(ctx, orgs, round.ID); err != nil {
		return fmt.Errorf("create round: organisations: %w", err)
	}
	if err := countRounds(ctx, tx, []int64{round.ID}); err != nil {
		return fmt.Errorf("create round: %w", err)
	}
	for _, l := range p.LeftOut {
		if _, err := tx.ExecContext(ctx, `INSERT INTO round_left_out (round_id, member_id, reason) VALUES ($1, $2, $3)`, round.ID, l.Member.ID, l.Reason); err != nil {
			return fmt.Errorf("create round: left out: %w", err)
		}
	}
	for _, m := range p.AutoPaused {
		if _, err := tx.ExecContext(ctx, `UPDATE members SET paused = TRUE, paused_until = NULL, updated_at = $2 WHERE id = $1`, m.ID, now); err != nil {
			return fmt.Errorf("create round: pause: %w", err)
		}
		// The unanswered intros have done their part; a member who resumes
		// starts afresh.
		const ignore = `UPDATE intro_members SET answer = 'ignored'
			WHERE member_id = $1 AND answer = ''
			AND intro_id IN (SELECT id FROM intros WHERE status = 'sent')`
		if _, err := tx.ExecContext(ctx, ignore, m.ID); err != nil {
			return fmt.Errorf("create round: ignored: %w", err)
		}
	}
	if err := queueNotices(ctx, tx, p.Notices, now); err != nil {
		return fmt.Errorf("create round: %w", err)
	}
	return nil
}

// rowsPerInsert is how many rows one INSERT carries, well inside both
// databases' limits on bound parameters (32,766 on SQLite, 65,535 on
// PostgreSQL). Measured creating a round of 5,000 intros: PostgreSQL takes
// 9.7 s a row at a time and 0.9 s with 500 rows a statement; SQLite is
// fastest with short statements (0.4 s with 20 rows, 1.1 s one at a time,
// 3.3 s with 500).
func (db *DB) rowsPerInsert() int {
	if db.dialect == DialectPostgres {
		return 500
	}
	return 20
}

// valuesInsert is one INSERT of rows into table's columns, with $N
// placeholders, and its arguments.
func valuesInsert(table, columns string, rows [][]any) (*strings.Builder, []any) {
	var q strings.Builder
	args := make([]any, 0, len(rows)*len(rows[0]))
	fmt.Fprintf(&q, "INSERT INTO %s (%s) VALUES ", table, columns)
	for i, row := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for j, v := range row {
			if j > 0 {
				q.WriteString(", ")
			}
			args = append(args, v)
			fmt.Fprintf(&q, "$%d", len(args))
		}
		q.WriteByte(')')
	}
	return &q, args
}

// insertRows inserts rows into table's columns, perInsert rows a
// statement. With returning set, scan is called for each returned row.
func insertRows(ctx context.Context, tx *tx, perInsert int, table, columns string, rows [][]any, returning string, scan func(*sqlx.Rows) error) error {
	for len(rows) > 0 {
		batch := rows[:min(len(rows), perInsert)]
		rows = rows[len(batch):]
		q, args := valuesInsert(table, columns, batch)
		if returning == "" {
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return err
			}
			continue
		}
		q.WriteString(" RETURNING " + returning)
		res, err := tx.QueryxContext(ctx, q.String(), args...)
		if err != nil {
			return err
		}
		for res.Next() {
			if err := scan(res); err != nil {
				res.Close()
				return err
			}
		}
		if err := res.Close(); err != nil {
			return err
		}
		if err := res.Err(); err != nil {
			return err
		}
	}
	return nil
}

// roundSnapshot reads members, history and blocks. exclude is the round
// being created, which is not "the previous round".
func roundSnapshot(ctx context.Context, tx *tx, exclude int64) (*bot.RoundSnapshot, error) {
	s := &bot.RoundSnapshot{}
	var rows []memberRow
	if err := tx.SelectContext(ctx, &rows, `SELECT `+memberColumns+` FROM members WHERE status = 'active' ORDER BY id`); err != nil {
		return nil, fmt.Errorf("round snapshot: members: %w", err)
	}
	for i := range rows {
		m, err := rows[i].member()
		if err != nil {
			return nil, err
		}
		s.Members = append(s.Members, *m)
	}

	var hist []struct {
		IntroID   int64     `db:"intro_id"`
		Round     int       `db:"number"`
		Period    time.Time `db:"period"`
		CreatedAt time.Time `db:"created_at"`
		Status    string    `db:"status"`
		MemberID  int64     `db:"member_id"`
		Answer    string    `db:"answer"`
	}
	const history = `SELECT i.id AS intro_id, r.number, r.period, i.created_at, i.status, im.member_id, im.answer
		FROM intros i
		JOIN rounds r ON r.id = i.round_id
		JOIN intro_members im ON im.intro_id = i.id
		WHERE r.id <> $1 AND im.member_id IS NOT NULL
		ORDER BY i.id, im.position`
	if err := tx.SelectContext(ctx, &hist, history, exclude); err != nil {
		return nil, fmt.Errorf("round snapshot: history: %w", err)
	}
	for _, h := range hist {
		if n := len(s.History); n == 0 || s.History[n-1].IntroID != h.IntroID {
			s.History = append(s.History, bot.PastIntro{IntroID: h.IntroID, Round: h.Round, Period: h.Period.UTC(), CreatedAt: h.CreatedAt.UTC(), Status: h.Status})
		}
		last := &s.History[len(s.History)-1]
		last.Members = append(last.Members, h.MemberID)
		last.Answers = append(last.Answers, h.Answer)
	}

	var blocks []struct {
		A int64 `db:"member_id"`
		B int64 `db:"blocked_id"`
	}
	if err := tx.SelectContext(ctx, &blocks, `SELECT member_id, blocked_id FROM blocks`); err != nil {
		return nil, fmt.Errorf("round snapshot: blocks: %w", err)
	}
	for _, b := range blocks {
		s.NotAGoodMatch = append(s.NotAGoodMatch, [2]int64{b.A, b.B})
	}

	var prev int64
	err := tx.GetContext(ctx, &prev, `SELECT id FROM rounds WHERE id <> $1 AND number > 0 ORDER BY number DESC, id DESC LIMIT 1`, exclude)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	} else if err != nil {
		return nil, fmt.Errorf("round snapshot: previous round: %w", err)
	}
	// Left out last round: unmatched, or in an intro nobody could receive.
	// Places of members who have left are nobody's.
	const leftOut = `SELECT member_id FROM round_left_out WHERE round_id = $1
		UNION
		SELECT im.member_id FROM intro_members im JOIN intros i ON i.id = im.intro_id
		WHERE i.round_id = $1 AND i.status = 'failed' AND NOT im.unreachable AND im.member_id IS NOT NULL`
	if err := tx.SelectContext(ctx, &s.LastLeftOut, leftOut, prev); err != nil {
		return nil, fmt.Errorf("round snapshot: left out: %w", err)
	}
	const trio = `SELECT im.member_id FROM intro_members im JOIN intros i ON i.id = im.intro_id
		WHERE i.round_id = $1 AND im.member_id IS NOT NULL
		AND (SELECT COUNT(*) FROM intro_members x WHERE x.intro_id = i.id) = 3`
	if err := tx.SelectContext(ctx, &s.LastInTrio, trio, prev); err != nil {
		return nil, fmt.Errorf("round snapshot: trios: %w", err)
	}

	// The same over the recent rounds, counted once a round a member;
	// places of members who have left are nobody's here too.
	const sidelined = `WITH recent AS (
			SELECT id FROM rounds WHERE id <> $1 AND number > 0 ORDER BY number DESC, id DESC LIMIT $2
		)
		SELECT member_id, COUNT(*) AS turns FROM (
			SELECT round_id, member_id FROM round_left_out WHERE round_id IN (SELECT id FROM recent)
			UNION
			SELECT i.round_id, im.member_id FROM intro_members im JOIN intros i ON i.id = im.intro_id
			WHERE i.round_id IN (SELECT id FROM recent) AND i.status = 'failed' AND NOT im.unreachable
			AND im.member_id IS NOT NULL
			UNION
			SELECT i.round_id, im.member_id FROM intro_members im JOIN intros i ON i.id = im.intro_id
			WHERE i.round_id IN (SELECT id FROM recent) AND im.member_id IS NOT NULL
			AND (SELECT COUNT(*) FROM intro_members x WHERE x.intro_id = i.id) = 3
		) turns
		GROUP BY member_id`
	var turns []struct {
		MemberID int64 `db:"member_id"`
		Turns    int   `db:"turns"`
	}
	if err := tx.SelectContext(ctx, &turns, sidelined, exclude, bot.FairnessRounds); err != nil {
		return nil, fmt.Errorf("round snapshot: recent turns: %w", err)
	}
	s.Sidelined = make(map[int64]int, len(turns))
	for _, t := range turns {
		s.Sidelined[t.MemberID] = t.Turns
	}
	return s, nil
}

type roundRow struct {
	ID        int64     `db:"id"`
	Number    int       `db:"number"`
	Period    time.Time `db:"period"`
	Forced    bool      `db:"forced"`
	CreatedAt time.Time `db:"created_at"`
	Intros    int       `db:"intros"`
	LeftOut   int       `db:"left_out"`
}

func (r roundRow) round() bot.Round {
	return bot.Round{ID: r.ID, Number: r.Number, Period: r.Period.UTC(), Forced: r.Forced, CreatedAt: r.CreatedAt.UTC(), Intros: r.Intros, LeftOut: r.LeftOut}
}

const roundColumns = `r.id, r.number, r.period, r.forced, r.created_at,
	(SELECT COUNT(*) FROM intros i WHERE i.round_id = r.id) AS intros,
	(SELECT COUNT(*) FROM round_left_out l WHERE l.round_id = r.id) AS left_out`

// LatestRound returns the most recent round, or ENOTFOUND.
func (db *DB) LatestRound(ctx context.Context) (*bot.Round, error) {
	var r roundRow
	err := db.db.GetContext(ctx, &r, `SELECT `+roundColumns+` FROM rounds r WHERE r.number > 0 ORDER BY r.number DESC, r.id DESC LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bot.ErrAbout(bot.ENOTFOUND, bot.AboutRound)
	} else if err != nil {
		return nil, fmt.Errorf("latest round: %w", err)
	}
	round := r.round()
	return &round, nil
}
