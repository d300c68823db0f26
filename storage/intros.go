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
		return nil, bot.ErrAbout(bot.ENOTFOUND, bot.AboutIntro)
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
	var res sql.Result
	err = trackIntros(ctx, tx, func() (err error) {
		res, err = tx.ExecContext(ctx, `UPDATE intro_members SET answer = $3, answered_at = $4 WHERE intro_id = $1 AND member_id = $2`,
			introID, m.ID, answer, dbTime(now))
		return err
	}, `i.id = $1`, introID)
	if err != nil {
		return nil, false, fmt.Errorf("record answer: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, false, bot.ErrAbout(bot.ENOTFOUND, bot.AboutIntroPlace)
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

// RecordNotAGoodMatch stops the member being introduced to the others again.
func (db *DB) RecordNotAGoodMatch(ctx context.Context, introID int64, platform, userID string, now time.Time) (*bot.Intro, error) {
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
		return nil, bot.ErrAbout(bot.ENOTFOUND, bot.AboutIntroPlace)
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

// SetIntroDelivery records the intro's conversation, status and message.
func (db *DB) SetIntroDelivery(ctx context.Context, introID int64, channelID, status, messageTS string) error {
	const query = `UPDATE intros SET
			channel_id = CASE WHEN $2 <> '' THEN $2 ELSE channel_id END,
			status = CASE WHEN $3 <> '' THEN $3 ELSE status END,
			message_ts = CASE WHEN $4 <> '' THEN $4 ELSE message_ts END
		WHERE id = $1`
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	err = trackIntros(ctx, tx, func() error {
		_, err := tx.ExecContext(ctx, query, introID, channelID, status, messageTS)
		return err
	}, `i.id = $1`, introID)
	if err != nil {
		return fmt.Errorf("set intro delivery: %w", err)
	}
	return tx.Commit()
}

// RecordIntroSent records a posted intro and its outbox message together.
func (db *DB) RecordIntroSent(ctx context.Context, outboxID, introID int64, channelID, ref string, now time.Time) error {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var res sql.Result
	err = trackIntros(ctx, tx, func() (err error) {
		res, err = tx.ExecContext(ctx, `UPDATE intros SET channel_id = $2, status = 'sent', message_ts = $3 WHERE id = $1`, introID, channelID, ref)
		return err
	}, `i.id = $1`, introID)
	if err != nil {
		return fmt.Errorf("record intro sent: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("record intro sent: %w", err)
	} else if n == 0 {
		// A member left while it was being posted, which called it off.
		return bot.ErrAbout(bot.ENOTFOUND, bot.AboutIntro)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'sent', ref = $2, sent_at = $3 WHERE id = $1`, outboxID, ref, dbTime(now)); err != nil {
		return fmt.Errorf("record intro sent: %w", err)
	}
	return tx.Commit()
}
