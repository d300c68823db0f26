package storage

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/rapport-pcn/rapport/bot"
)

var _ bot.DirectoryStore = (*DB)(nil)
var _ bot.InviteStore = (*DB)(nil)

// The directory compares text folded (bot.FoldText), which SQL cannot do,
// so Go writes the folded forms beside the member: member_topics holds
// every member's offers and asks as written and folded (LearningGaps
// compares them), and directory_words each word of a listed member's
// offers, which a search finds by the index, a word or the start of one
// at a time. Every save of a member rewrites their rows in the same
// transaction.

// foldVersion is the version of the folding rules that members' folded
// rows are written with. Raise it when bot.FoldText changes: the next
// start writes every member's rows again (backfillDirectory).
const foldVersion = 1

// directoryVersion is the migration that adds the directory's tables.
const directoryVersion = 15

// directoryAdvisoryLock makes replicas starting at once take turns at
// the directory's backfill, on PostgreSQL.
const directoryAdvisoryLock = 0x5261700f // "Rap", 15

// roundZeroKey is the period key of round 0, which holds the intros
// accepted from requests before any round has run. No listing of rounds
// shows it (they read rounds numbered above 0), and the first round is
// still number 1.
const roundZeroKey = "requests"

// Kinds of member_topics.
const (
	topicOffer = "offer"
	topicAsk   = "ask"
)

// writeDirectory rewrites the members' topics and, for those listed,
// their offers' words.
func writeDirectory(ctx context.Context, tx *tx, members []*bot.Member) error {
	if len(members) == 0 {
		return nil
	}
	ids := make([]int64, len(members))
	for i, m := range members {
		ids[i] = m.ID
	}
	for _, table := range []string{"member_topics", "directory_words"} {
		for batch := range slices.Chunk(ids, 500) {
			query, args, err := sqlx.In(`DELETE FROM `+table+` WHERE member_id IN (?)`, batch)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, tx.Rebind(query), args...); err != nil {
				return fmt.Errorf("directory: %s: %w", table, err)
			}
		}
	}
	var topics, words [][]any
	for _, m := range members {
		for kind, list := range map[string][]string{topicOffer: m.Profile.Offers, topicAsk: m.Profile.Asks} {
			for pos, topic := range list {
				folded := bot.FoldText(topic)
				topics = append(topics, []any{m.ID, kind, pos, topic, folded})
				if kind != topicOffer || !m.Profile.Listed {
					continue
				}
				seen := map[string]bool{}
				for _, w := range strings.Fields(folded) {
					if !seen[w] {
						seen[w] = true
						words = append(words, []any{w, m.ID, pos, folded})
					}
				}
			}
		}
	}
	perInsert := 100
	if tx.dialect == DialectPostgres {
		perInsert = 500
	}
	if err := insertRows(ctx, tx, perInsert, "member_topics", "member_id, kind, position, topic, folded", topics, "", nil); err != nil {
		return fmt.Errorf("directory: topics: %w", err)
	}
	if err := insertRows(ctx, tx, perInsert, "directory_words", "word, member_id, position, folded", words, "", nil); err != nil {
		return fmt.Errorf("directory: words: %w", err)
	}
	return nil
}

// backfillDirectory writes the folded rows of every member whose rows
// were written with older folding rules, or none (members saved before
// the directory), a batch at a time, in one transaction. Once all are in
// step it reads one index and does nothing.
func (db *DB) backfillDirectory(ctx context.Context) error {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if db.dialect == DialectPostgres {
		if err := lockBackfill(ctx, tx, directoryAdvisoryLock); err != nil {
			return fmt.Errorf("backfill directory: lock: %w", err)
		}
	}
	const batchSize = 2000
	var after int64
	for {
		var rows []memberRow
		const query = `SELECT ` + memberColumns + ` FROM members WHERE folded_version <> $1 AND id > $2 ORDER BY id LIMIT $3`
		if err := tx.SelectContext(ctx, &rows, query, foldVersion, after, batchSize); err != nil {
			return fmt.Errorf("backfill directory: %w", err)
		}
		if len(rows) == 0 {
			break
		}
		members := make([]*bot.Member, len(rows))
		for i := range rows {
			if members[i], err = rows[i].member(); err != nil {
				return err
			}
		}
		if err := writeDirectory(ctx, tx, members); err != nil {
			return fmt.Errorf("backfill directory: %w", err)
		}
		for batch := range slices.Chunk(members, 200) {
			var q strings.Builder
			args := []any{foldVersion}
			q.WriteString(`UPDATE members SET folded_version = $1, folded_name = v.column2 FROM (VALUES `)
			for i, m := range batch {
				if i > 0 {
					q.WriteString(", ")
				}
				args = append(args, m.ID, bot.FoldText(m.Name))
				fmt.Fprintf(&q, "(CAST($%d AS BIGINT), CAST($%d AS TEXT))", len(args)-1, len(args))
			}
			q.WriteString(`) AS v WHERE members.id = v.column1`)
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("backfill directory: names: %w", err)
			}
		}
		after = rows[len(rows)-1].ID
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("backfill directory: commit: %w", err)
	}
	return nil
}

// prefixEnd returns the least string greater than every string that
// begins with prefix, byte by byte (UTF-8 orders as code points do), or
// "" when there is none.
func prefixEnd(prefix string) string {
	rs := []rune(prefix)
	for len(rs) > 0 {
		last := rs[len(rs)-1] + 1
		if last >= 0xD800 && last <= 0xDFFF {
			last = 0xE000
		}
		if last <= utf8.MaxRune {
			rs[len(rs)-1] = last
			return string(rs)
		}
		rs = rs[:len(rs)-1]
	}
	return ""
}

// offerScore says how well the folded offer matches the words: 0 when it
// does not, else bot.ScoreExact, ScoreWords or ScorePrefix. The search's
// SQL decides the same, by the index.
func offerScore(folded string, words []string) int {
	if folded == strings.Join(words, " ") {
		return bot.ScoreExact
	}
	own := strings.Fields(folded)
	score := bot.ScoreWords
	for _, w := range words {
		switch {
		case slices.Contains(own, w):
		case slices.ContainsFunc(own, func(o string) bool { return strings.HasPrefix(o, w) }):
			score = bot.ScorePrefix
		default:
			return 0
		}
	}
	return score
}

// SearchDirectory returns a page of the directory: see bot.DirectoryStore.
//
// Each word of the query picks, by a range of directory_words' index, the
// listed members' offers with a word that is it or begins with it; the
// offers that every word picked are the matches. SQL scores, orders and
// counts them, and reads a page of members; Go then lists each one's
// matching offers. At 100,000 members it answers in a few milliseconds
// (BenchmarkDirectorySearch).
func (db *DB) SearchDirectory(ctx context.Context, q bot.DirectoryQuery) (*bot.DirectoryPage, error) {
	words := q.Words
	if len(words) > bot.MaxSearchWords {
		words = words[:bot.MaxSearchWords]
	}
	page := &bot.DirectoryPage{}
	if len(words) == 0 {
		return page, nil
	}
	limit := q.Limit
	if limit <= 0 {
		limit = bot.DirectoryPageSize
	}
	offset := max(q.Offset, 0)
	now := dbTime(q.Now)

	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	// The asker's colleagues come after the others.
	var org sql.NullInt64
	if err := tx.GetContext(ctx, &org, `SELECT organisation_id FROM members WHERE id = $1`, q.AskerID); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("search directory: asker: %w", err)
	}
	// $1 asker, $2 now, $3 the words joined, $4 the asker's organisation
	// (0 for none), then each word and the end of its range.
	args := []any{q.AskerID, now, strings.Join(words, " "), org.Int64}
	var picks []string
	for i, w := range words {
		args = append(args, w)
		lo := len(args)
		cond := fmt.Sprintf("word >= $%d", lo)
		if end := prefixEnd(w); end != "" {
			args = append(args, end)
			cond += fmt.Sprintf(" AND word < $%d", len(args))
		}
		picks = append(picks, fmt.Sprintf(`SELECT member_id, position, folded, %d AS q, CASE WHEN word = $%d THEN 1 ELSE 0 END AS whole
			FROM directory_words WHERE %s`, i, lo, cond))
	}
	// One word: each of its rows scores its offer. More: the rows of
	// every word, by offer; an offer matches when each word picked it.
	hits := `hits AS (SELECT member_id, MAX(CASE WHEN folded = $3 THEN 3 WHEN whole = 1 THEN 2 ELSE 1 END) AS score
			FROM (` + picks[0] + `) x GROUP BY member_id)`
	if len(words) > 1 {
		// Sums of each word's MAX, rather than COUNT(DISTINCT), so that
		// PostgreSQL can group by hashing.
		var each, wholes []string
		for i := range words {
			each = append(each, fmt.Sprintf("MAX(CASE WHEN q = %d THEN 1 ELSE 0 END)", i))
			wholes = append(wholes, fmt.Sprintf("MAX(CASE WHEN q = %d THEN whole ELSE 0 END)", i))
		}
		k := fmt.Sprint(len(words))
		hits = `offers AS (
			SELECT member_id, CASE WHEN MAX(folded) = $3 THEN 3 WHEN ` + strings.Join(wholes, " + ") + ` = ` + k + ` THEN 2 ELSE 1 END AS score
			FROM (` + strings.Join(picks, "\n\t\t\tUNION ALL ") + `) x
			GROUP BY member_id, position
			HAVING ` + strings.Join(each, " + ") + ` = ` + k + `
		),
		hits AS (SELECT member_id, MAX(score) AS score FROM offers GROUP BY member_id)`
	}
	query := `WITH ` + hits + `
		SELECT d.member_id AS id, h.score, CASE WHEN d.organisation_id = $4 THEN 1 ELSE 0 END AS colleague, COUNT(*) OVER () AS total
		FROM hits h JOIN directory_members d ON d.member_id = h.member_id
		WHERE d.status = 'active' AND NOT (d.paused AND (d.paused_until IS NULL OR d.paused_until > $2))
		AND d.member_id <> $1
		AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.member_id = $1 AND b.blocked_id = d.member_id)
		AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.member_id = d.member_id AND b.blocked_id = $1)
		ORDER BY h.score DESC,
			colleague,
			d.folded_name, d.name, d.member_id
		LIMIT ` + fmt.Sprint(limit) + ` OFFSET ` + fmt.Sprint(offset)
	var found []struct {
		ID    int64 `db:"id"`
		Score int   `db:"score"`
		// Colleague is 1 for the asker's colleagues, who come last.
		Colleague int `db:"colleague"`
		Total     int `db:"total"`
	}
	if err := tx.SelectContext(ctx, &found, query, args...); err != nil {
		return nil, fmt.Errorf("search directory: %w", err)
	}
	if len(found) > 0 {
		page.Total = found[0].Total
	} else if offset > 0 {
		// Past the last page: count the matches alone.
		count := `SELECT COUNT(*) FROM (` + query[:strings.LastIndex(query, "ORDER BY")] + `) x`
		if err := tx.GetContext(ctx, &page.Total, count, args...); err != nil {
			return nil, fmt.Errorf("search directory: count: %w", err)
		}
	}
	if len(found) == 0 {
		return page, tx.Commit()
	}
	ids := make([]int64, len(found))
	for i, f := range found {
		ids[i] = f.ID
	}
	sel, selArgs, err := sqlx.In(`SELECT `+memberColumns+` FROM members WHERE id IN (?)`, ids)
	if err != nil {
		return nil, err
	}
	var rows []memberRow
	if err := tx.SelectContext(ctx, &rows, tx.Rebind(sel), selArgs...); err != nil {
		return nil, fmt.Errorf("search directory: members: %w", err)
	}
	byID := make(map[int64]*bot.Member, len(rows))
	for i := range rows {
		m, err := rows[i].member()
		if err != nil {
			return nil, err
		}
		byID[m.ID] = m
	}
	sel, selArgs, err = sqlx.In(`SELECT member_id, position, folded FROM member_topics WHERE kind = 'offer' AND member_id IN (?) ORDER BY member_id, position`, ids)
	if err != nil {
		return nil, err
	}
	var offers []struct {
		MemberID int64  `db:"member_id"`
		Position int    `db:"position"`
		Folded   string `db:"folded"`
	}
	if err := tx.SelectContext(ctx, &offers, tx.Rebind(sel), selArgs...); err != nil {
		return nil, fmt.Errorf("search directory: offers: %w", err)
	}
	type match struct{ pos, score int }
	matches := map[int64][]match{}
	for _, o := range offers {
		if s := offerScore(o.Folded, words); s > 0 {
			matches[o.MemberID] = append(matches[o.MemberID], match{o.Position, s})
		}
	}
	for _, f := range found {
		m := byID[f.ID]
		if m == nil {
			continue
		}
		ms := matches[f.ID]
		slices.SortStableFunc(ms, func(a, b match) int { return cmp.Or(b.score-a.score, a.pos-b.pos) })
		hit := bot.DirectoryHit{Member: *m, Score: f.Score}
		for _, x := range ms {
			if x.pos < len(m.Profile.Offers) {
				hit.Offers = append(hit.Offers, m.Profile.Offers[x.pos])
			}
		}
		page.Hits = append(page.Hits, hit)
	}
	return page, tx.Commit()
}

// requestRow is a row of intro_requests.
type requestRow struct {
	ID         int64      `db:"id"`
	AskerID    int64      `db:"asker_id"`
	AskedID    int64      `db:"asked_id"`
	Topic      string     `db:"topic"`
	Status     string     `db:"status"`
	CreatedAt  time.Time  `db:"created_at"`
	AnsweredAt *time.Time `db:"answered_at"`
	IntroID    *int64     `db:"intro_id"`
}

const requestColumns = `id, asker_id, asked_id, topic, status, created_at, answered_at, intro_id`

func (r *requestRow) request(asker, asked *bot.Member) *bot.IntroRequest {
	out := &bot.IntroRequest{ID: r.ID, Topic: r.Topic, Status: r.Status, CreatedAt: r.CreatedAt.UTC()}
	if asker != nil {
		out.Asker = *asker
	}
	if asked != nil {
		out.Asked = *asked
	}
	if r.AnsweredAt != nil {
		t := r.AnsweredAt.UTC()
		out.AnsweredAt = &t
	}
	if r.IntroID != nil {
		out.IntroID = *r.IntroID
	}
	return out
}

// memberByID returns the member with the ID, or nil when there is none.
func memberByID(ctx context.Context, tx *tx, id int64) (*bot.Member, error) {
	var r memberRow
	err := tx.GetContext(ctx, &r, `SELECT `+memberColumns+` FROM members WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("member: %w", err)
	}
	return r.member()
}

// errNotAskable is the refusal of a request to someone who cannot be
// asked: not a member, not listed, away or blocked, which it does not
// tell apart, so that nobody learns who blocked them.
func errNotAskable() error {
	return bot.Errorf(bot.ENOTFOUND, "That person can't be asked for an introduction at the moment.")
}

// errRequestGone is the error of a request that is not there, or not for
// the person answering it.
func errRequestGone() error {
	return bot.Errorf(bot.ENOTFOUND, "That request for an introduction is no longer there.")
}

// askDate is a date as refusals give it: "Tuesday 3 March".
func askDate(t time.Time) string {
	return t.UTC().Format("Monday 2 January")
}

// CreateIntroRequest stores an intro request: see bot.DirectoryStore.
func (db *DB) CreateIntroRequest(ctx context.Context, platform, userID string, askedID int64, topic string, lim bot.RequestLimits, now time.Time) (*bot.IntroRequest, error) {
	def := bot.DefaultRequestLimits()
	lim.PerWindow = cmp.Or(lim.PerWindow, def.PerWindow)
	lim.Window = cmp.Or(lim.Window, def.Window)
	lim.AskAgainAfter = cmp.Or(lim.AskAgainAfter, def.AskAgainAfter)
	now = dbTime(now)

	tx, err := db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	asker, err := findMember(ctx, tx, platform, userID)
	if err != nil {
		return nil, err
	}
	if db.dialect == DialectPostgres {
		// Two requests by one asker at once take turns, so that both
		// cannot slip under the limit.
		if _, err := tx.ExecContext(ctx, `SELECT id FROM members WHERE id = $1 FOR UPDATE`, asker.ID); err != nil {
			return nil, fmt.Errorf("create request: lock: %w", err)
		}
	}
	asked, err := memberByID(ctx, tx, askedID)
	if err != nil {
		return nil, fmt.Errorf("create request: %w", err)
	}
	if asked == nil || asked.ID == asker.ID || !asked.Profile.Listed || asked.Status != bot.StatusActive || asked.PausedAt(now) {
		return nil, errNotAskable()
	}
	var blocked bool
	const block = `SELECT EXISTS (SELECT 1 FROM blocks WHERE (member_id = $1 AND blocked_id = $2) OR (member_id = $2 AND blocked_id = $1))`
	if err := tx.GetContext(ctx, &blocked, block, asker.ID, asked.ID); err != nil {
		return nil, fmt.Errorf("create request: blocks: %w", err)
	}
	if blocked {
		return nil, errNotAskable()
	}

	var again []time.Time
	const pair = `SELECT created_at FROM intro_requests WHERE asker_id = $1 AND asked_id = $2 AND created_at > $3 ORDER BY created_at DESC LIMIT 1`
	if err := tx.SelectContext(ctx, &again, pair, asker.ID, asked.ID, now.Add(-lim.AskAgainAfter)); err != nil {
		return nil, fmt.Errorf("create request: asked before: %w", err)
	}
	if len(again) > 0 {
		e := bot.Errorf(bot.ECONFLICT, "You asked to be introduced to this person on %s. You can ask them again from %s.",
			askDate(again[0]), askDate(again[0].Add(lim.AskAgainAfter)))
		e.Until = again[0].Add(lim.AskAgainAfter)
		return nil, e
	}
	var recent []time.Time
	const sent = `SELECT created_at FROM intro_requests WHERE asker_id = $1 AND created_at > $2 ORDER BY created_at DESC`
	if err := tx.SelectContext(ctx, &recent, sent, asker.ID, now.Add(-lim.Window)); err != nil {
		return nil, fmt.Errorf("create request: limit: %w", err)
	}
	if len(recent) >= lim.PerWindow {
		// A place comes free when the oldest request that keeps them at
		// the limit leaves the window.
		free := recent[lim.PerWindow-1].Add(lim.Window)
		e := bot.Errorf(bot.ELIMIT, "You've asked for %d introductions in the last %d days, which is as many as you can for now. You can ask again from %s.",
			len(recent), int(lim.Window.Hours()/24), askDate(free))
		e.Until = free
		return nil, e
	}

	var r requestRow
	const insert = `INSERT INTO intro_requests (asker_id, asked_id, topic, status, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING ` + requestColumns
	if err := tx.GetContext(ctx, &r, insert, asker.ID, asked.ID, topic, bot.RequestPending, now); err != nil {
		return nil, fmt.Errorf("create request: %w", err)
	}
	notice := bot.Notice{MemberID: asked.ID, Kind: bot.NoticeIntroRequest, Params: bot.NoticeParams{RequestID: r.ID}}
	if err := queueNotices(ctx, tx, []bot.Notice{notice}, now); err != nil {
		return nil, fmt.Errorf("create request: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("create request: commit: %w", err)
	}
	return r.request(asker, asked), nil
}

// findRequest returns the request with both members, or ENOTFOUND.
func findRequest(ctx context.Context, tx *tx, id int64, lock bool) (*requestRow, *bot.IntroRequest, error) {
	query := `SELECT ` + requestColumns + ` FROM intro_requests WHERE id = $1`
	if lock && tx.dialect == DialectPostgres {
		query += ` FOR UPDATE`
	}
	var r requestRow
	if err := tx.GetContext(ctx, &r, query, id); errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errRequestGone()
	} else if err != nil {
		return nil, nil, fmt.Errorf("find request: %w", err)
	}
	asker, err := memberByID(ctx, tx, r.AskerID)
	if err != nil {
		return nil, nil, err
	}
	asked, err := memberByID(ctx, tx, r.AskedID)
	if err != nil {
		return nil, nil, err
	}
	if asker == nil || asked == nil {
		return nil, nil, errRequestGone()
	}
	return &r, r.request(asker, asked), nil
}

// FindIntroRequest returns an intro request: see bot.DirectoryStore.
func (db *DB) FindIntroRequest(ctx context.Context, id int64) (*bot.IntroRequest, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	_, req, err := findRequest(ctx, tx, id, false)
	if err != nil {
		return nil, err
	}
	return req, tx.Commit()
}

// AnswerIntroRequest records an answer: see bot.DirectoryStore.
func (db *DB) AnswerIntroRequest(ctx context.Context, id int64, platform, userID, answer string, now, followUpAt time.Time, plan func(asker, asked bot.Member) bot.PlannedIntro) (*bot.IntroRequest, error) {
	if answer != bot.RequestAccepted && answer != bot.RequestNotNow {
		return nil, fmt.Errorf("answer request: unknown answer %q", answer)
	}
	now = dbTime(now)
	tx, err := db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, req, err := findRequest(ctx, tx, id, true)
	if err != nil {
		return nil, err
	}
	if req.Asked.Platform != platform || req.Asked.UserID != userID {
		return nil, errRequestGone()
	}
	if r.Status != bot.RequestPending {
		what := "You've already answered this request."
		if r.Status == bot.RequestLapsed {
			what = "This request has lapsed: it waited for an answer for two weeks."
		}
		return req, bot.Errorf(bot.ECONFLICT, "%s", what)
	}
	var introID any
	if answer == bot.RequestAccepted {
		in := plan(req.Asker, req.Asked)
		if len(in.MemberIDs) == 0 {
			in.MemberIDs = []int64{req.Asker.ID, req.Asked.ID}
		}
		id, err := storeRequestedIntro(ctx, tx, in, now, dbTime(followUpAt))
		if err != nil {
			return nil, fmt.Errorf("answer request: %w", err)
		}
		introID = id
		req.IntroID = id
	} else {
		n := bot.Notice{MemberID: req.Asker.ID, Kind: bot.NoticeRequestNotNow, Params: bot.NoticeParams{RequestID: r.ID}}
		if err := queueNotices(ctx, tx, []bot.Notice{n}, now); err != nil {
			return nil, fmt.Errorf("answer request: %w", err)
		}
	}
	const update = `UPDATE intro_requests SET status = $2, answered_at = $3, intro_id = $4 WHERE id = $1`
	if _, err := tx.ExecContext(ctx, update, r.ID, answer, now, introID); err != nil {
		return nil, fmt.Errorf("answer request: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("answer request: commit: %w", err)
	}
	req.Status, req.AnsweredAt = answer, &now
	return req, nil
}

// storeRequestedIntro stores the intro of an accepted request in the
// latest round, or round 0 before any round has run, as storePlan stores
// a round's: its places with their organisations, the group message due
// now and a follow-up to each member at followUpAt, and its share of the
// round's figures.
func storeRequestedIntro(ctx context.Context, tx *tx, in bot.PlannedIntro, now, followUpAt time.Time) (int64, error) {
	var roundID int64
	err := tx.GetContext(ctx, &roundID, `SELECT id FROM rounds WHERE number > 0 ORDER BY number DESC, id DESC LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		const zero = `INSERT INTO rounds (number, period_key, period, forced, created_at) VALUES (0, $1, $2, FALSE, $2)
			ON CONFLICT DO NOTHING`
		if _, err := tx.ExecContext(ctx, zero, roundZeroKey, now); err != nil {
			return 0, fmt.Errorf("round 0: %w", err)
		}
		err = tx.GetContext(ctx, &roundID, `SELECT id FROM rounds WHERE period_key = $1`, roundZeroKey)
	}
	if err != nil {
		return 0, fmt.Errorf("round: %w", err)
	}
	var starter any
	if in.StarterID != 0 {
		starter = in.StarterID
	}
	var introID int64
	const intro = `INSERT INTO intros (round_id, position, explanation, question, starter_id, score, relaxed, status, created_at, requested)
		VALUES ($1, (SELECT COALESCE(MAX(position), -1) + 1 FROM intros WHERE round_id = $1), $2, $3, $4, $5, $6, 'pending', $7, TRUE)
		RETURNING id`
	if err := tx.GetContext(ctx, &introID, intro, roundID, in.Explanation, in.Question, starter, in.Score, in.RelaxedRepeat, now); err != nil {
		return 0, fmt.Errorf("intro: %w", err)
	}
	const place = `INSERT INTO intro_members (intro_id, member_id, position, organisation_id)
		VALUES ($1, $2, $3, (SELECT organisation_id FROM members WHERE id = $2))`
	for pos, m := range in.MemberIDs {
		if _, err := tx.ExecContext(ctx, place, introID, m, pos); err != nil {
			return 0, fmt.Errorf("intro members: %w", err)
		}
	}
	if err := queue(ctx, tx, bot.OutboxIntro, introID, 0, now, now); err != nil {
		return 0, err
	}
	for _, m := range in.MemberIDs {
		if err := queue(ctx, tx, bot.OutboxFollowUp, introID, m, followUpAt, now); err != nil {
			return 0, err
		}
	}
	facts, err := introFactsByID(ctx, tx, []int64{introID})
	if err != nil {
		return 0, err
	}
	c := newCounts()
	for _, f := range facts {
		c.add(f, 1)
	}
	if err := applyCounts(ctx, tx, c); err != nil {
		return 0, err
	}
	return introID, nil
}

// LapseIntroRequests lapses unanswered requests: see bot.DirectoryStore.
func (db *DB) LapseIntroRequests(ctx context.Context, before, now time.Time) (int, error) {
	before, now = dbTime(before), dbTime(now)
	tx, err := db.begin(ctx, false)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var rows []struct {
		ID      int64 `db:"id"`
		AskerID int64 `db:"asker_id"`
	}
	const lapse = `UPDATE intro_requests SET status = $1 WHERE status = $2 AND created_at < $3 RETURNING id, asker_id`
	if err := tx.SelectContext(ctx, &rows, lapse, bot.RequestLapsed, bot.RequestPending, before); err != nil {
		return 0, fmt.Errorf("lapse requests: %w", err)
	}
	notices := make([]bot.Notice, len(rows))
	for i, r := range rows {
		notices[i] = bot.Notice{MemberID: r.AskerID, Kind: bot.NoticeRequestLapsed, Params: bot.NoticeParams{RequestID: r.ID}}
	}
	if err := queueNotices(ctx, tx, notices, now); err != nil {
		return 0, fmt.Errorf("lapse requests: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("lapse requests: commit: %w", err)
	}
	return len(rows), nil
}

// LearningGaps returns the topics wanted and not offered: see
// bot.DirectoryStore.
func (db *DB) LearningGaps(ctx context.Context, limit int) ([]bot.LearningGap, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var gaps []struct {
		Folded  string `db:"folded"`
		Wanting int    `db:"wanting"`
	}
	const query = `SELECT a.folded, COUNT(DISTINCT a.member_id) AS wanting
		FROM member_topics a JOIN members m ON m.id = a.member_id
		WHERE a.kind = 'ask' AND a.folded <> '' AND m.status = 'active'
		AND NOT EXISTS (SELECT 1 FROM member_topics o JOIN members om ON om.id = o.member_id
			WHERE o.kind = 'offer' AND o.folded = a.folded AND om.status = 'active')
		GROUP BY a.folded
		ORDER BY wanting DESC, a.folded
		LIMIT $1`
	if err := tx.SelectContext(ctx, &gaps, query, limitArg(limit)); err != nil {
		return nil, fmt.Errorf("learning gaps: %w", err)
	}
	out := make([]bot.LearningGap, 0, len(gaps))
	if len(gaps) == 0 {
		return out, tx.Commit()
	}
	folded := make([]string, len(gaps))
	for i, g := range gaps {
		folded[i] = g.Folded
	}
	// Each topic is spelt as most of those asking spell it.
	sel, args, err := sqlx.In(`SELECT a.folded, a.topic, COUNT(DISTINCT a.member_id) AS n
		FROM member_topics a JOIN members m ON m.id = a.member_id
		WHERE a.kind = 'ask' AND m.status = 'active' AND a.folded IN (?)
		GROUP BY a.folded, a.topic`, folded)
	if err != nil {
		return nil, err
	}
	var spellings []struct {
		Folded string `db:"folded"`
		Topic  string `db:"topic"`
		N      int    `db:"n"`
	}
	if err := tx.SelectContext(ctx, &spellings, tx.Rebind(sel), args...); err != nil {
		return nil, fmt.Errorf("learning gaps: spellings: %w", err)
	}
	best := map[string]struct {
		topic string
		n     int
	}{}
	for _, s := range spellings {
		b, ok := best[s.Folded]
		if !ok || s.N > b.n || s.N == b.n && s.Topic < b.topic {
			best[s.Folded] = struct {
				topic string
				n     int
			}{s.Topic, s.N}
		}
	}
	for _, g := range gaps {
		out = append(out, bot.LearningGap{Topic: cmp.Or(best[g.Folded].topic, g.Folded), Wanting: g.Wanting})
	}
	return out, tx.Commit()
}

// ClaimInvitation records a personal invitation: see bot.InviteStore.
func (db *DB) ClaimInvitation(ctx context.Context, platform, userID string, now time.Time) (bool, error) {
	res, err := db.db.ExecContext(ctx, `INSERT INTO invitations (platform, user_id, invited_at) VALUES ($1, $2, $3)
		ON CONFLICT (platform, user_id) DO NOTHING`, platform, userID, dbTime(now))
	if err != nil {
		return false, fmt.Errorf("claim invitation: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim invitation: %w", err)
	}
	return n == 1, nil
}

// exportRequests adds the member's requests, sent and received, oldest
// first.
func exportRequests(ctx context.Context, tx *tx, m *bot.Member, x *bot.MemberExport) error {
	var rows []struct {
		requestRow
		With *string `db:"with_name"`
	}
	const query = `SELECT r.id, r.asker_id, r.asked_id, r.topic, r.status, r.created_at, r.answered_at, r.intro_id,
			o.name AS with_name
		FROM intro_requests r LEFT JOIN members o ON o.id = CASE WHEN r.asker_id = $1 THEN r.asked_id ELSE r.asker_id END
		WHERE r.asker_id = $1 OR r.asked_id = $1
		ORDER BY r.created_at, r.id`
	if err := tx.SelectContext(ctx, &rows, query, m.ID); err != nil {
		return fmt.Errorf("export: requests: %w", err)
	}
	for _, r := range rows {
		rec := bot.IntroRequestRecord{Direction: bot.ExportYouAsked, With: bot.LeftMemberName, Topic: r.Topic, Status: r.Status, Date: r.CreatedAt.UTC()}
		if r.AskedID == m.ID {
			rec.Direction = bot.ExportYouWereAsked
		}
		if r.With != nil {
			rec.With = *r.With
		}
		if r.AnsweredAt != nil {
			t := r.AnsweredAt.UTC()
			rec.Answered = &t
		}
		x.Requests = append(x.Requests, rec)
	}
	return nil
}

// forgetRequests deletes the notices queued about the member's requests,
// either way, which go with them (the requests themselves go with the
// member's row).
func forgetRequests(ctx context.Context, tx *tx, memberID int64) error {
	var ids []int64
	if err := tx.SelectContext(ctx, &ids, `SELECT id FROM intro_requests WHERE asker_id = $1 OR asked_id = $1`, memberID); err != nil {
		return fmt.Errorf("erase member: requests: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	mine := make(map[int64]bool, len(ids))
	for _, id := range ids {
		mine[id] = true
	}
	var rows []struct {
		ID     int64  `db:"id"`
		Params string `db:"params"`
	}
	const query = `SELECT id, params FROM outbox WHERE kind = 'notice' AND notice IN ($1, $2, $3)`
	if err := tx.SelectContext(ctx, &rows, query, bot.NoticeIntroRequest, bot.NoticeRequestNotNow, bot.NoticeRequestLapsed); err != nil {
		return fmt.Errorf("erase member: request notices: %w", err)
	}
	for _, r := range rows {
		var p bot.NoticeParams
		if err := json.Unmarshal([]byte(r.Params), &p); err != nil {
			return fmt.Errorf("erase member: notice %d: %w", r.ID, err)
		}
		if !mine[p.RequestID] {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id = $1`, r.ID); err != nil {
			return fmt.Errorf("erase member: notice %d: %w", r.ID, err)
		}
	}
	return nil
}
