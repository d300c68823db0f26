package storage

import (
	"context"
	"database/sql"
	"encoding/json"
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
	return &tx{Tx: t, now: dbTime(db.Now())}, nil
}

// periodTaken reports whether a round has claimed the period key.
func periodTaken(ctx context.Context, q sqlx.QueryerContext, key string) (bool, error) {
	var n int
	err := sqlx.GetContext(ctx, q, &n, `SELECT COUNT(*) FROM rounds WHERE period_key = $1`, key)
	return n > 0, err
}

func errPeriodTaken() error {
	return bot.Errorf(bot.ECONFLICT, "A round has already run for this period.")
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

// insertRows inserts rows into table's columns, perInsert rows a
// statement. With returning set, scan is called for each returned row.
func insertRows(ctx context.Context, tx *tx, perInsert int, table, columns string, rows [][]any, returning string, scan func(*sqlx.Rows) error) error {
	for len(rows) > 0 {
		batch := rows[:min(len(rows), perInsert)]
		rows = rows[len(batch):]
		var q strings.Builder
		args := make([]any, 0, len(batch)*len(batch[0]))
		fmt.Fprintf(&q, "INSERT INTO %s (%s) VALUES ", table, columns)
		for i, row := range batch {
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

// queue adds an intro or a follow-up to the outbox.
func queue(ctx context.Context, tx *tx, kind string, introID, memberID int64, due, now time.Time) error {
	const query = `INSERT INTO outbox (kind, intro_id, member_id, status, due_at, created_at)
		VALUES ($1, $2, $3, 'pending', $4, $5)`
	if _, err := tx.ExecContext(ctx, query, kind, nullID(introID), nullID(memberID), due, now); err != nil {
		return fmt.Errorf("queue %s: %w", kind, err)
	}
	return nil
}

// queueNotices adds notices to the outbox, due now, as their kind and
// parameters: they are put into words when sent.
func queueNotices(ctx context.Context, tx *tx, ns []bot.Notice, now time.Time) error {
	const query = `INSERT INTO outbox (kind, member_id, notice, params, status, due_at, created_at)
		VALUES ('notice', $1, $2, $3, 'pending', $4, $4)`
	for _, n := range ns {
		params, err := json.Marshal(n.Params)
		if err != nil {
			return fmt.Errorf("queue notice: %w", err)
		}
		if _, err := tx.ExecContext(ctx, query, n.MemberID, n.Kind, string(params), dbTime(now)); err != nil {
			return fmt.Errorf("queue notice %s: %w", n.Kind, err)
		}
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
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
		s.Blocks = append(s.Blocks, [2]int64{b.A, b.B})
	}

	var prev int64
	err := tx.GetContext(ctx, &prev, `SELECT id FROM rounds WHERE id <> $1 ORDER BY number DESC, id DESC LIMIT 1`, exclude)
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
			SELECT id FROM rounds WHERE id <> $1 ORDER BY number DESC, id DESC LIMIT $2
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
	err := db.db.GetContext(ctx, &r, `SELECT `+roundColumns+` FROM rounds r ORDER BY r.number DESC, r.id DESC LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bot.Errorf(bot.ENOTFOUND, "No round has run yet.")
	} else if err != nil {
		return nil, fmt.Errorf("latest round: %w", err)
	}
	round := r.round()
	return &round, nil
}

// FindIntro returns an intro with its members as they are now.
func (db *DB) FindIntro(ctx context.Context, id int64) (*bot.Intro, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	in, err := findIntro(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	return in, tx.Commit()
}

func findIntro(ctx context.Context, q sqlx.QueryerContext, id int64) (*bot.Intro, error) {
	var r struct {
		ID          int64         `db:"id"`
		RoundID     int64         `db:"round_id"`
		Number      int           `db:"number"`
		Period      time.Time     `db:"period"`
		Explanation string        `db:"explanation"`
		Question    string        `db:"question"`
		StarterID   sql.NullInt64 `db:"starter_id"`
		Score       int           `db:"score"`
		Relaxed     bool          `db:"relaxed"`
		Status      string        `db:"status"`
		ChannelID   string        `db:"channel_id"`
		MessageTS   string        `db:"message_ts"`
		CreatedAt   time.Time     `db:"created_at"`
	}
	const query = `SELECT i.id, i.round_id, r.number, r.period, i.explanation, i.question, i.starter_id, i.score,
			i.relaxed, i.status, i.channel_id, i.message_ts, i.created_at
		FROM intros i JOIN rounds r ON r.id = i.round_id WHERE i.id = $1`
	if err := sqlx.GetContext(ctx, q, &r, query, id); errors.Is(err, sql.ErrNoRows) {
		return nil, bot.Errorf(bot.ENOTFOUND, "That introduction no longer exists.")
	} else if err != nil {
		return nil, fmt.Errorf("find intro: %w", err)
	}
	in := &bot.Intro{
		ID: r.ID, RoundID: r.RoundID, RoundNumber: r.Number, Period: r.Period.UTC(), Explanation: r.Explanation, Question: r.Question,
		StarterID: r.StarterID.Int64, Score: r.Score, RelaxedRepeat: r.Relaxed, Status: r.Status,
		ChannelID: r.ChannelID, MessageRef: r.MessageTS, CreatedAt: r.CreatedAt.UTC(),
	}
	// The places come first, then the members in them: a place whose
	// member has left has none.
	var places []struct {
		MemberID    sql.NullInt64 `db:"member_id"`
		Answer      string        `db:"answer"`
		AnsweredAt  *time.Time    `db:"answered_at"`
		Unreachable bool          `db:"unreachable"`
	}
	const placeQuery = `SELECT member_id, answer, answered_at, unreachable
		FROM intro_members WHERE intro_id = $1 ORDER BY position`
	if err := sqlx.SelectContext(ctx, q, &places, placeQuery, id); err != nil {
		return nil, fmt.Errorf("find intro: members: %w", err)
	}
	var rows []memberRow
	memberQuery := `SELECT ` + prefixed("m.", memberColumns) + `
		FROM intro_members im JOIN members m ON m.id = im.member_id
		WHERE im.intro_id = $1`
	if err := sqlx.SelectContext(ctx, q, &rows, memberQuery, id); err != nil {
		return nil, fmt.Errorf("find intro: members: %w", err)
	}
	byID := map[int64]*memberRow{}
	for i := range rows {
		byID[rows[i].ID] = &rows[i]
	}
	for _, p := range places {
		im := bot.IntroMember{Answer: p.Answer, Unreachable: p.Unreachable}
		if r, ok := byID[p.MemberID.Int64]; ok && p.MemberID.Valid {
			m, err := r.member()
			if err != nil {
				return nil, err
			}
			im.Member = *m
		} else {
			im.Left = true
			im.Member = bot.Member{Name: bot.LeftMemberName, Status: bot.StatusLeft}
		}
		if p.AnsweredAt != nil {
			t := p.AnsweredAt.UTC()
			im.AnsweredAt = &t
		}
		in.Members = append(in.Members, im)
	}
	return in, nil
}

// prefixed qualifies each column of a comma-separated list with p.
func prefixed(p, columns string) string {
	parts := strings.Split(columns, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// RecordAnswer stores a member's answer about an intro, queueing a second
// ask at most once.
func (db *DB) RecordAnswer(ctx context.Context, introID int64, platform, userID, answer string, secondAskAt, now time.Time) (*bot.Intro, bool, error) {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return nil, false, err
	}
	defer tx.Rollback()
	m, err := findMember(ctx, tx, platform, userID)
	if err != nil {
		return nil, false, err
	}
	res, err := tx.ExecContext(ctx, `UPDATE intro_members SET answer = $3, answered_at = $4 WHERE intro_id = $1 AND member_id = $2`,
		introID, m.ID, answer, dbTime(now))
	if err != nil {
		return nil, false, fmt.Errorf("record answer: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, false, bot.Errorf(bot.ENOTFOUND, "You are not part of that introduction.")
	}
	queued := false
	if !secondAskAt.IsZero() {
		var waiting int
		const pending = `SELECT COUNT(*) FROM outbox
			WHERE kind = 'followup' AND intro_id = $1 AND member_id = $2 AND status IN ('pending', 'sending')`
		if err := tx.GetContext(ctx, &waiting, pending, introID, m.ID); err != nil {
			return nil, false, fmt.Errorf("record answer: %w", err)
		}
		if waiting == 0 {
			if err := queue(ctx, tx, bot.OutboxFollowUp, introID, m.ID, dbTime(secondAskAt), dbTime(now)); err != nil {
				return nil, false, err
			}
		}
		queued = true
	}
	in, err := findIntro(ctx, tx, introID)
	if err != nil {
		return nil, false, err
	}
	return in, queued, tx.Commit()
}

// BlockIntro stops the member being introduced to the others again.
func (db *DB) BlockIntro(ctx context.Context, introID int64, platform, userID string, now time.Time) (*bot.Intro, error) {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	m, err := findMember(ctx, tx, platform, userID)
	if err != nil {
		return nil, err
	}
	in, err := findIntro(ctx, tx, introID)
	if err != nil {
		return nil, err
	}
	if in.Member(m.ID) == nil {
		return nil, bot.Errorf(bot.ENOTFOUND, "You are not part of that introduction.")
	}
	const block = `INSERT INTO blocks (member_id, blocked_id, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (member_id, blocked_id) DO NOTHING`
	for _, other := range in.Members {
		if other.Member.ID == m.ID || other.Left {
			continue
		}
		if _, err := tx.ExecContext(ctx, block, m.ID, other.Member.ID, dbTime(now)); err != nil {
			return nil, fmt.Errorf("block: %w", err)
		}
	}
	return in, tx.Commit()
}

// RecentIntros returns the member's latest intros, newest first.
func (db *DB) RecentIntros(ctx context.Context, memberID int64, limit int) ([]bot.Intro, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var ids []int64
	const query = `SELECT i.id FROM intros i JOIN intro_members im ON im.intro_id = i.id
		WHERE im.member_id = $1 ORDER BY i.created_at DESC, i.id DESC LIMIT $2`
	if err := tx.SelectContext(ctx, &ids, query, memberID, limit); err != nil {
		return nil, fmt.Errorf("recent intros: %w", err)
	}
	var out []bot.Intro
	for _, id := range ids {
		in, err := findIntro(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *in)
	}
	return out, tx.Commit()
}

// ClaimOutbox claims due messages. The UPDATE repeats the conditions, so
// when two workers pick the same row only one changes it: on PostgreSQL
// the second waits for the first's row lock and then finds it claimed; on
// SQLite write transactions take turns.
func (db *DB) ClaimOutbox(ctx context.Context, now, staleBefore time.Time, limit int) ([]bot.OutboxMessage, error) {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now, staleBefore = dbTime(now), dbTime(staleBefore)
	const due = `SELECT id FROM outbox
		WHERE (status = 'pending' AND due_at <= $1) OR (status = 'sending' AND claimed_at < $2)
		ORDER BY due_at, id LIMIT $3`
	var ids []int64
	if err := tx.SelectContext(ctx, &ids, due, now, staleBefore, limit); err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	const claim = `UPDATE outbox SET status = 'sending', claimed_at = $2, attempts = attempts + 1
		WHERE id = $1 AND ((status = 'pending' AND due_at <= $2) OR (status = 'sending' AND claimed_at < $3))`
	var claimed []int64
	for _, id := range ids {
		res, err := tx.ExecContext(ctx, claim, id, now, staleBefore)
		if err != nil {
			return nil, fmt.Errorf("claim outbox: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			claimed = append(claimed, id)
		}
	}
	var out []bot.OutboxMessage
	if len(claimed) > 0 {
		query, args, err := sqlx.In(`SELECT o.id, o.kind, COALESCE(o.intro_id, 0) AS intro_id, COALESCE(o.member_id, 0) AS member_id,
				COALESCE(m.user_id, '') AS user_id, COALESCE(m.platform, '') AS platform, o.notice, o.params, o.attempts, o.due_at
			FROM outbox o LEFT JOIN members m ON m.id = o.member_id
			WHERE o.id IN (?) ORDER BY o.due_at, o.id`, claimed)
		if err != nil {
			return nil, err
		}
		var rows []struct {
			ID       int64     `db:"id"`
			Kind     string    `db:"kind"`
			IntroID  int64     `db:"intro_id"`
			MemberID int64     `db:"member_id"`
			UserID   string    `db:"user_id"`
			Platform string    `db:"platform"`
			Notice   string    `db:"notice"`
			Params   string    `db:"params"`
			Attempts int       `db:"attempts"`
			DueAt    time.Time `db:"due_at"`
		}
		if err := tx.SelectContext(ctx, &rows, tx.Rebind(query), args...); err != nil {
			return nil, fmt.Errorf("claim outbox: read: %w", err)
		}
		for _, r := range rows {
			m := bot.OutboxMessage{ID: r.ID, Kind: r.Kind, IntroID: r.IntroID, MemberID: r.MemberID,
				UserID: r.UserID, Platform: r.Platform, Notice: r.Notice, Attempts: r.Attempts, DueAt: r.DueAt.UTC()}
			if r.Params != "" {
				if err := json.Unmarshal([]byte(r.Params), &m.Params); err != nil {
					return nil, fmt.Errorf("claim outbox: message %d: %w", r.ID, err)
				}
			}
			out = append(out, m)
		}
	}
	return out, tx.Commit()
}

// FinishOutbox records a message as sent, skipped or failed.
func (db *DB) FinishOutbox(ctx context.Context, id int64, status, ref string, now time.Time) error {
	_, err := db.db.ExecContext(ctx, `UPDATE outbox SET status = $2, ref = $3, sent_at = $4 WHERE id = $1`, id, status, ref, dbTime(now))
	if err != nil {
		return fmt.Errorf("finish outbox: %w", err)
	}
	return nil
}

// RetryOutbox makes a message due again.
func (db *DB) RetryOutbox(ctx context.Context, id int64, due time.Time, reason string) error {
	_, err := db.db.ExecContext(ctx, `UPDATE outbox SET status = 'pending', due_at = $2, last_error = $3, claimed_at = NULL WHERE id = $1`,
		id, dbTime(due), reason)
	if err != nil {
		return fmt.Errorf("retry outbox: %w", err)
	}
	return nil
}

// DeferOutbox puts a claimed message back without counting an attempt.
func (db *DB) DeferOutbox(ctx context.Context, id int64, due time.Time) error {
	const query = `UPDATE outbox SET status = 'pending', due_at = $2, claimed_at = NULL,
			attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END
		WHERE id = $1`
	if _, err := db.db.ExecContext(ctx, query, id, dbTime(due)); err != nil {
		return fmt.Errorf("defer outbox: %w", err)
	}
	return nil
}

// NextOutboxDue returns when the next pending message falls due.
func (db *DB) NextOutboxDue(ctx context.Context) (time.Time, error) {
	var t time.Time
	err := db.db.GetContext(ctx, &t, `SELECT due_at FROM outbox WHERE status = 'pending' ORDER BY due_at LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	} else if err != nil {
		return time.Time{}, fmt.Errorf("next outbox due: %w", err)
	}
	return t.UTC(), nil
}

// SetIntroDelivery records the intro's conversation, status and message.
func (db *DB) SetIntroDelivery(ctx context.Context, introID int64, channelID, status, messageTS string) error {
	const query = `UPDATE intros SET
			channel_id = CASE WHEN $2 <> '' THEN $2 ELSE channel_id END,
			status = CASE WHEN $3 <> '' THEN $3 ELSE status END,
			message_ts = CASE WHEN $4 <> '' THEN $4 ELSE message_ts END
		WHERE id = $1`
	if _, err := db.db.ExecContext(ctx, query, introID, channelID, status, messageTS); err != nil {
		return fmt.Errorf("set intro delivery: %w", err)
	}
	return nil
}

// RecordIntroSent records a posted intro and its outbox message together.
func (db *DB) RecordIntroSent(ctx context.Context, outboxID, introID int64, channelID, ref string, now time.Time) error {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE intros SET channel_id = $2, status = 'sent', message_ts = $3 WHERE id = $1`, introID, channelID, ref)
	if err != nil {
		return fmt.Errorf("record intro sent: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("record intro sent: %w", err)
	} else if n == 0 {
		// A member left while it was being posted, which called it off.
		return bot.Errorf(bot.ENOTFOUND, "That introduction no longer exists.")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'sent', ref = $2, sent_at = $3 WHERE id = $1`, outboxID, ref, dbTime(now)); err != nil {
		return fmt.Errorf("record intro sent: %w", err)
	}
	return tx.Commit()
}

// MarkUnreachable marks members who cannot be reached, marks the intro
// failed when failIntro is set, and queues notices, in one transaction: a
// notice that tells someone they are first in line is only ever sent once
// the failed intro that puts them there is recorded.
func (db *DB) MarkUnreachable(ctx context.Context, introID int64, memberIDs []int64, failIntro bool, notices []bot.Notice, now time.Time) error {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now = dbTime(now)
	if failIntro {
		if _, err := tx.ExecContext(ctx, `UPDATE intros SET status = $2 WHERE id = $1`, introID, bot.IntroFailed); err != nil {
			return fmt.Errorf("mark unreachable: %w", err)
		}
	}
	for _, id := range memberIDs {
		if _, err := tx.ExecContext(ctx, `UPDATE members SET status = 'inactive', updated_at = $2 WHERE id = $1`, id, now); err != nil {
			return fmt.Errorf("mark unreachable: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE intro_members SET unreachable = TRUE WHERE intro_id = $1 AND member_id = $2`, introID, id); err != nil {
			return fmt.Errorf("mark unreachable: %w", err)
		}
		// Someone who cannot be reached cannot come: their meetup places
		// go to the people waiting, who are told.
		if err := releaseMeetupPlaces(ctx, tx, id); err != nil {
			return fmt.Errorf("mark unreachable: %w", err)
		}
	}
	if err := queueNotices(ctx, tx, notices, now); err != nil {
		return fmt.Errorf("mark unreachable: %w", err)
	}
	return tx.Commit()
}

// MemberNames returns the names of those of the members still in Rapport.
func (db *DB) MemberNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	query, args, err := sqlx.In(`SELECT id, name FROM members WHERE id IN (?)`, ids)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
	}
	if err := db.db.SelectContext(ctx, &rows, db.db.Rebind(query), args...); err != nil {
		return nil, fmt.Errorf("member names: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}

// RoundStats returns the figures for admins.
func (db *DB) RoundStats(ctx context.Context, now time.Time, lastRounds int) (*bot.Stats, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	s := &bot.Stats{}
	now = dbTime(now)
	const members = `SELECT
			COALESCE(SUM(CASE WHEN status = 'active' AND NOT (paused AND (paused_until IS NULL OR paused_until > $1)) THEN 1 ELSE 0 END), 0) AS active,
			COALESCE(SUM(CASE WHEN status = 'active' AND paused AND (paused_until IS NULL OR paused_until > $1) THEN 1 ELSE 0 END), 0) AS paused,
			COALESCE(SUM(CASE WHEN status <> 'active' THEN 1 ELSE 0 END), 0) AS inactive
		FROM members`
	var counts struct {
		Active   int `db:"active"`
		Paused   int `db:"paused"`
		Inactive int `db:"inactive"`
	}
	if err := tx.GetContext(ctx, &counts, members, now); err != nil {
		return nil, fmt.Errorf("stats: members: %w", err)
	}
	s.Active, s.Paused, s.Inactive = counts.Active, counts.Paused, counts.Inactive

	var rounds []roundRow
	if err := tx.SelectContext(ctx, &rounds, `SELECT `+roundColumns+` FROM rounds r ORDER BY r.number DESC, r.id DESC`); err != nil {
		return nil, fmt.Errorf("stats: rounds: %w", err)
	}
	s.Rounds = len(rounds)

	var rows []struct {
		IntroID int64  `db:"intro_id"`
		RoundID int64  `db:"round_id"`
		Status  string `db:"status"`
		Org     string `db:"organisation"`
		Sector  string `db:"sector"`
		Answer  string `db:"answer"`
		Left    bool   `db:"member_left"`
	}
	// A member who has left still counts in the intro, with nothing known
	// about them: the hard rule made their organisation differ, but their
	// sector is unknown.
	const intros = `SELECT i.id AS intro_id, i.round_id, i.status, COALESCE(m.organisation, '') AS organisation,
			COALESCE(m.sector, '') AS sector, im.answer, im.member_id IS NULL AS member_left
		FROM intros i JOIN intro_members im ON im.intro_id = i.id LEFT JOIN members m ON m.id = im.member_id
		ORDER BY i.id, im.position`
	if err := tx.SelectContext(ctx, &rows, intros); err != nil {
		return nil, fmt.Errorf("stats: intros: %w", err)
	}
	type introFacts struct {
		id, round     int64
		status        string
		orgs, sectors []string
		met, arranged bool
	}
	var facts []*introFacts
	for _, r := range rows {
		if n := len(facts); n == 0 || facts[n-1].id != r.IntroID {
			facts = append(facts, &introFacts{id: r.IntroID, round: r.RoundID, status: r.Status})
		}
		f := facts[len(facts)-1]
		if r.Left {
			f.orgs = append(f.orgs, fmt.Sprintf("\x00left %d", len(f.orgs)))
		} else {
			f.orgs = append(f.orgs, strings.ToLower(strings.Join(strings.Fields(r.Org), " ")))
			f.sectors = append(f.sectors, r.Sector)
		}
		// "We've arranged to meet" is a plan, not a meeting: it counts as
		// met only once someone answers that they did meet.
		f.met = f.met || r.Answer == bot.AnswerYes
		f.arranged = f.arranged || r.Answer == bot.AnswerArranged
	}
	var crossOrg, crossSector, delivered, met, arranged int
	perRound := map[int64]*bot.RoundStats{}
	for _, r := range rounds {
		perRound[r.ID] = &bot.RoundStats{Round: r.round()}
	}
	for _, f := range facts {
		s.Intros++
		if distinct(f.orgs) {
			crossOrg++
		}
		if len(f.sectors) > 1 && distinct(f.sectors) {
			crossSector++
		}
		rs := perRound[f.round]
		if len(f.orgs) == 3 {
			rs.Trios++
		}
		switch f.status {
		case bot.IntroSent:
			delivered++
			rs.Delivered++
			switch {
			case f.met:
				met++
				rs.Met++
			case f.arranged:
				arranged++
				rs.Arranged++
			}
		case bot.IntroFailed:
			rs.Failed++
		}
	}
	if s.Intros > 0 {
		s.CrossOrganisation = float64(crossOrg) / float64(s.Intros)
		s.CrossSector = float64(crossSector) / float64(s.Intros)
	}
	if delivered > 0 {
		s.MetRate = float64(met) / float64(delivered)
		s.ArrangedRate = float64(arranged) / float64(delivered)
	}
	for i, r := range rounds {
		if i == lastRounds {
			break
		}
		s.Recent = append(s.Recent, *perRound[r.ID])
	}
	return s, tx.Commit()
}

// distinct reports whether no two of xs are equal.
func distinct(xs []string) bool {
	seen := map[string]bool{}
	for _, x := range xs {
		if seen[x] {
			return false
		}
		seen[x] = true
	}
	return true
}

// exportIntros adds the member's intros and blocks to x: with whom, when,
// and what they answered, but not the others' profiles.
func exportIntros(ctx context.Context, tx *tx, memberID int64, x *bot.MemberExport) error {
	var rows []struct {
		IntroID     int64          `db:"intro_id"`
		Round       int            `db:"number"`
		Date        time.Time      `db:"created_at"`
		Status      string         `db:"status"`
		Explanation string         `db:"explanation"`
		Question    string         `db:"question"`
		StarterID   sql.NullInt64  `db:"starter_id"`
		Score       int            `db:"score"`
		Relaxed     bool           `db:"relaxed"`
		ChannelID   string         `db:"channel_id"`
		MessageTS   string         `db:"message_ts"`
		Member      sql.NullInt64  `db:"member_id"`
		Name        sql.NullString `db:"name"`
		Answer      string         `db:"answer"`
		AnsweredAt  *time.Time     `db:"answered_at"`
		Unreachable bool           `db:"unreachable"`
	}
	const query = `SELECT i.id AS intro_id, r.number, i.created_at, i.status, i.explanation, i.question,
			i.starter_id, i.score, i.relaxed, i.channel_id, i.message_ts,
			im.member_id, m.name, im.answer, im.answered_at, im.unreachable
		FROM intros i
		JOIN rounds r ON r.id = i.round_id
		JOIN intro_members im ON im.intro_id = i.id
		LEFT JOIN members m ON m.id = im.member_id
		WHERE i.id IN (SELECT intro_id FROM intro_members WHERE member_id = $1)
		ORDER BY i.created_at, i.id, im.position`
	if err := tx.SelectContext(ctx, &rows, query, memberID); err != nil {
		return fmt.Errorf("export intros: %w", err)
	}
	var last int64
	for _, r := range rows {
		if r.IntroID != last {
			x.Intros = append(x.Intros, bot.IntroRecord{Round: r.Round, Date: r.Date.UTC(), Status: r.Status,
				Reasons: r.Explanation, FirstQuestion: r.Question, RepeatAllowed: r.Relaxed, MatchScore: r.Score,
				ConversationID: r.ChannelID, MessageID: r.MessageTS})
			last = r.IntroID
		}
		rec := &x.Intros[len(x.Intros)-1]
		switch {
		case !r.Member.Valid:
			rec.With = append(rec.With, bot.LeftMemberName)
			continue
		case r.StarterID.Valid && r.StarterID.Int64 == r.Member.Int64:
			rec.AskedToStart = r.Name.String
			if r.Member.Int64 == memberID {
				rec.AskedToStart = "you"
			}
		}
		if r.Member.Int64 == memberID {
			rec.Answer, rec.Unreachable = r.Answer, r.Unreachable
			if r.AnsweredAt != nil {
				at := r.AnsweredAt.UTC()
				rec.AnsweredAt = &at
			}
		} else {
			rec.With = append(rec.With, r.Name.String)
		}
	}

	var leftOut []struct {
		Round  int       `db:"number"`
		Date   time.Time `db:"created_at"`
		Reason string    `db:"reason"`
	}
	const leftOutQuery = `SELECT r.number, r.created_at, l.reason FROM round_left_out l
		JOIN rounds r ON r.id = l.round_id WHERE l.member_id = $1 ORDER BY r.number`
	if err := tx.SelectContext(ctx, &leftOut, leftOutQuery, memberID); err != nil {
		return fmt.Errorf("export left out: %w", err)
	}
	for _, l := range leftOut {
		// The stored reason is written for admins and may say that someone
		// chose not to be paired with the member: that is theirs to know.
		x.LeftOut = append(x.LeftOut, bot.LeftOutRecord{Round: l.Round, Date: l.Date.UTC(), Reason: bot.LeftOutForMember})
	}

	// Only the member's own choices: that someone else chose not to be
	// paired with them is that person's to know.
	var blocked []struct {
		Name  string    `db:"name"`
		Since time.Time `db:"created_at"`
	}
	const blockedQuery = `SELECT m.name, b.created_at FROM blocks b JOIN members m ON m.id = b.blocked_id
		WHERE b.member_id = $1 ORDER BY b.created_at`
	if err := tx.SelectContext(ctx, &blocked, blockedQuery, memberID); err != nil {
		return fmt.Errorf("export blocks: %w", err)
	}
	for _, b := range blocked {
		x.NotAMatch = append(x.NotAMatch, bot.NotAMatchRecord{Name: b.Name, Since: b.Since.UTC()})
	}

	var msgs []struct {
		Kind      string     `db:"kind"`
		Text      string     `db:"text"`
		Notice    string     `db:"notice"`
		Params    string     `db:"params"`
		Status    string     `db:"status"`
		Due       time.Time  `db:"due_at"`
		SentAt    *time.Time `db:"sent_at"`
		Ref       string     `db:"ref"`
		CreatedAt time.Time  `db:"created_at"`
	}
	const msgQuery = `SELECT kind, text, notice, params, status, due_at, sent_at, ref, created_at FROM outbox
		WHERE member_id = $1 ORDER BY created_at, id`
	if err := tx.SelectContext(ctx, &msgs, msgQuery, memberID); err != nil {
		return fmt.Errorf("export messages: %w", err)
	}
	for _, m := range msgs {
		rec := bot.MessageRecord{Kind: m.Kind, Text: m.Text, Notice: m.Notice, Status: m.Status, Due: m.Due.UTC(), MessageID: m.Ref, CreatedAt: m.CreatedAt.UTC()}
		if m.Params != "" {
			rec.Details = json.RawMessage(m.Params)
		}
		if m.SentAt != nil {
			at := m.SentAt.UTC()
			rec.SentAt = &at
		}
		x.Messages = append(x.Messages, rec)
	}
	return nil
}
