package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// meetupLock is what RespondToMeetup and UpdateMeetup learn while taking
// the meetup's row.
type meetupLock struct {
	Version  int64  `db:"version"`
	Status   string `db:"status"`
	Capacity int    `db:"capacity"`
}

// RespondToMeetup records the member's answer. Every answer first bumps
// the meetup's version with an UPDATE, which takes the meetup's row lock
// on PostgreSQL (concurrent answers wait for each other there, and each
// statement after it sees what the one before committed); on SQLite the
// transaction holds the database's write lock from BEGIN. So counting the
// places and taking one cannot interleave, and the version orders the
// waiting list exactly as the answers were committed.
func (db *DB) RespondToMeetup(ctx context.Context, id int64, platform, userID, answer string, now time.Time) (*bot.RSVPOutcome, error) {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	var lock meetupLock
	err = tx.GetContext(ctx, &lock, `UPDATE meetups SET version = version + 1 WHERE id = $1 RETURNING version, status, capacity`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errMeetupNotFound()
	} else if err != nil {
		return nil, fmt.Errorf("respond to meetup: %w", err)
	}
	if lock.Status != bot.MeetupScheduled {
		return nil, errMeetupCancelled()
	}
	member, err := findMember(ctx, tx, platform, userID)
	if err != nil {
		return nil, err
	}

	out := &bot.RSVPOutcome{}
	err = tx.GetContext(ctx, &out.Previous, `SELECT status FROM meetup_rsvps WHERE meetup_id = $1 AND member_id = $2`, id, member.ID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("respond to meetup: %w", err)
	}

	out.Status = answer
	switch {
	case answer == bot.RSVPGoing && (out.Previous == bot.RSVPGoing || out.Previous == bot.RSVPWaiting):
		out.Status = out.Previous
	case answer == bot.RSVPGoing && lock.Capacity > 0:
		// A place is free only when nobody is waiting for it: whoever
		// waits first has it (promoteWaiting, below, gives it them).
		var taken struct {
			Going   int `db:"going"`
			Waiting int `db:"waiting"`
		}
		const count = `SELECT
				COALESCE(SUM(CASE WHEN status = 'going' THEN 1 ELSE 0 END), 0) AS going,
				COALESCE(SUM(CASE WHEN status = 'waiting' THEN 1 ELSE 0 END), 0) AS waiting
			FROM meetup_rsvps WHERE meetup_id = $1`
		if err := tx.GetContext(ctx, &taken, count, id); err != nil {
			return nil, fmt.Errorf("respond to meetup: %w", err)
		}
		if taken.Going >= lock.Capacity || taken.Waiting > 0 {
			out.Status = bot.RSVPWaiting
		}
	}
	out.Changed = out.Status != out.Previous
	if out.Changed {
		const upsert = `INSERT INTO meetup_rsvps (meetup_id, member_id, status, seq, status_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $5)
			ON CONFLICT (meetup_id, member_id) DO UPDATE SET
				status = excluded.status, seq = excluded.seq, status_at = excluded.status_at`
		if _, err := tx.ExecContext(ctx, upsert, id, member.ID, out.Status, lock.Version, dbTime(now)); err != nil {
			return nil, fmt.Errorf("respond to meetup: %w", err)
		}
		if out.Promoted, err = promoteWaiting(ctx, tx, id, lock.Capacity); err != nil {
			return nil, err
		}
	}
	if out.Status == bot.RSVPWaiting {
		const position = `SELECT COUNT(*) FROM meetup_rsvps w
			WHERE w.meetup_id = $1 AND w.status = 'waiting'
			AND w.seq <= (SELECT seq FROM meetup_rsvps WHERE meetup_id = $1 AND member_id = $2)`
		if err := tx.GetContext(ctx, &out.Position, position, id, member.ID); err != nil {
			return nil, fmt.Errorf("respond to meetup: %w", err)
		}
	}
	if out.Meetup, err = findMeetup(ctx, tx, id); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("respond to meetup: commit: %w", err)
	}
	return out, nil
}

// promoteWaiting moves members from the waiting list to going, first come
// first served, while the meetup has free places, and queues a notice to
// each member moved, in the caller's transaction: whatever freed the place,
// they are told. The caller holds the meetup's row.
func promoteWaiting(ctx context.Context, tx *tx, id int64, capacity int) ([]bot.Attendee, error) {
	var going int
	if err := tx.GetContext(ctx, &going, `SELECT COUNT(*) FROM meetup_rsvps WHERE meetup_id = $1 AND status = 'going'`, id); err != nil {
		return nil, fmt.Errorf("promote waiting list: %w", err)
	}
	free := math.MaxInt32 // no limit: everyone waiting can come
	if capacity > 0 {
		free = capacity - going
		if free <= 0 {
			return nil, nil
		}
	}
	const next = `SELECT r.member_id, m.platform, m.user_id, m.name, r.status
		FROM meetup_rsvps r JOIN members m ON m.id = r.member_id
		WHERE r.meetup_id = $1 AND r.status = 'waiting'
		ORDER BY r.seq
		LIMIT $2`
	var rows []attendeeRow
	if err := tx.SelectContext(ctx, &rows, next, id, free); err != nil {
		return nil, fmt.Errorf("promote waiting list: %w", err)
	}
	var out []bot.Attendee
	for _, r := range rows {
		const promote = `UPDATE meetup_rsvps SET status = 'going', status_at = $3 WHERE meetup_id = $1 AND member_id = $2`
		if _, err := tx.ExecContext(ctx, promote, id, r.MemberID, tx.now); err != nil {
			return nil, fmt.Errorf("promote waiting list: %w", err)
		}
		a := r.attendee()
		a.Status = bot.RSVPGoing
		out = append(out, a)
		n := bot.Notice{MemberID: r.MemberID, Kind: bot.NoticeMeetupPromoted, Params: bot.NoticeParams{MeetupID: id}}
		if err := queueNotices(ctx, tx, []bot.Notice{n}, tx.now); err != nil {
			return nil, fmt.Errorf("promote waiting list: %w", err)
		}
	}
	return out, nil
}

// releaseMeetupPlaces gives up the answers of a member who can no longer
// come (they are leaving Rapport, or cannot be reached) to the scheduled
// meetups that have not started, and moves the first waiting up into each
// place freed, in the caller's transaction. Each meetup's row is taken as
// an answer takes it, so the waiting list's order holds.
func releaseMeetupPlaces(ctx context.Context, tx *tx, memberID int64) error {
	const answered = `SELECT r.meetup_id FROM meetup_rsvps r JOIN meetups m ON m.id = r.meetup_id
		WHERE r.member_id = $1 AND r.status <> 'not_going' AND m.status = 'scheduled' AND m.starts_at > $2
		ORDER BY r.meetup_id`
	var ids []int64
	if err := tx.SelectContext(ctx, &ids, answered, memberID, tx.now); err != nil {
		return fmt.Errorf("release meetup places: %w", err)
	}
	for _, id := range ids {
		var lock meetupLock
		const take = `UPDATE meetups SET version = version + 1 WHERE id = $1 RETURNING version, status, capacity`
		if err := tx.GetContext(ctx, &lock, take, id); err != nil {
			return fmt.Errorf("release meetup places: %w", err)
		}
		const release = `UPDATE meetup_rsvps SET status = 'not_going', seq = $3, status_at = $4
			WHERE meetup_id = $1 AND member_id = $2`
		if _, err := tx.ExecContext(ctx, release, id, memberID, lock.Version, tx.now); err != nil {
			return fmt.Errorf("release meetup places: %w", err)
		}
		if _, err := promoteWaiting(ctx, tx, id, lock.Capacity); err != nil {
			return err
		}
	}
	return nil
}

// FillFreePlaces moves waiting members up wherever a scheduled meetup
// that has not started has free places, each meetup in a transaction of
// its own that holds its row, as an answer does.
func (db *DB) FillFreePlaces(ctx context.Context, now time.Time) ([]bot.MeetupPromotion, error) {
	const candidates = `SELECT m.id FROM meetups m
		WHERE m.status = 'scheduled' AND m.starts_at > $1 AND m.capacity > 0
		AND EXISTS (SELECT 1 FROM meetup_rsvps w WHERE w.meetup_id = m.id AND w.status = 'waiting')
		AND (SELECT COUNT(*) FROM meetup_rsvps g WHERE g.meetup_id = m.id AND g.status = 'going') < m.capacity`
	var ids []int64
	if err := db.db.SelectContext(ctx, &ids, candidates, dbTime(now)); err != nil {
		return nil, fmt.Errorf("fill free places: %w", err)
	}
	var out []bot.MeetupPromotion
	for _, id := range ids {
		p, err := db.fillFreePlaces(ctx, id)
		if err != nil {
			return out, err
		}
		if len(p.Promoted) > 0 {
			out = append(out, p)
		}
	}
	return out, nil
}

func (db *DB) fillFreePlaces(ctx context.Context, id int64) (bot.MeetupPromotion, error) {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return bot.MeetupPromotion{}, err
	}
	defer tx.Rollback()
	var lock meetupLock
	err = tx.GetContext(ctx, &lock, `UPDATE meetups SET version = version + 1 WHERE id = $1 AND status = 'scheduled' RETURNING version, status, capacity`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.MeetupPromotion{}, nil
	} else if err != nil {
		return bot.MeetupPromotion{}, fmt.Errorf("fill free places: %w", err)
	}
	promoted, err := promoteWaiting(ctx, tx, id, lock.Capacity)
	if err != nil || len(promoted) == 0 {
		// Nothing to do after all: roll back the version bump.
		return bot.MeetupPromotion{}, err
	}
	m, err := findMeetup(ctx, tx, id)
	if err != nil {
		return bot.MeetupPromotion{}, err
	}
	if err := tx.Commit(); err != nil {
		return bot.MeetupPromotion{}, fmt.Errorf("fill free places: commit: %w", err)
	}
	return bot.MeetupPromotion{Meetup: m, Promoted: promoted}, nil
}

// attendeeRow is one RSVP with the member's names.
type attendeeRow struct {
	MemberID int64  `db:"member_id"`
	Platform string `db:"platform"`
	UserID   string `db:"user_id"`
	Name     string `db:"name"`
	Status   string `db:"status"`
}

func (r attendeeRow) attendee() bot.Attendee {
	return bot.Attendee{MemberID: r.MemberID, Platform: r.Platform, UserID: r.UserID, Name: r.Name, Status: r.Status}
}

// MeetupAttendees returns every answer to the meetup, or ENOTFOUND.
func (db *DB) MeetupAttendees(ctx context.Context, id int64) ([]bot.Attendee, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var exists int
	if err := tx.GetContext(ctx, &exists, `SELECT COUNT(*) FROM meetups WHERE id = $1`, id); err != nil {
		return nil, fmt.Errorf("meetup attendees: %w", err)
	} else if exists == 0 {
		return nil, errMeetupNotFound()
	}
	as, err := meetupAttendees(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("meetup attendees: commit: %w", err)
	}
	return as, nil
}

func meetupAttendees(ctx context.Context, tx *tx, id int64) ([]bot.Attendee, error) {
	const query = `SELECT r.member_id, m.platform, m.user_id, m.name, r.status
		FROM meetup_rsvps r JOIN members m ON m.id = r.member_id
		WHERE r.meetup_id = $1
		ORDER BY CASE r.status WHEN 'going' THEN 0 WHEN 'waiting' THEN 1 WHEN 'maybe' THEN 2 ELSE 3 END, r.seq`
	var rows []attendeeRow
	if err := tx.SelectContext(ctx, &rows, query, id); err != nil {
		return nil, fmt.Errorf("meetup attendees: %w", err)
	}
	out := make([]bot.Attendee, 0, len(rows))
	waiting := 0
	for _, r := range rows {
		a := r.attendee()
		if a.Status == bot.RSVPWaiting {
			waiting++
			a.Position = waiting
		}
		out = append(out, a)
	}
	return out, nil
}

// MemberMeetups returns the scheduled meetups ending after from that the
// member hosts or has answered going, maybe or waiting. Returns ENOTFOUND
// when they have not joined.
func (db *DB) MemberMeetups(ctx context.Context, platform, userID string, from time.Time) ([]bot.MemberMeetup, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	member, err := findMember(ctx, tx, platform, userID)
	if err != nil {
		return nil, err
	}
	query := `SELECT q.*, COALESCE(r.status, '') AS rsvp,
			CASE WHEN r.status = 'waiting' THEN (SELECT COUNT(*) FROM meetup_rsvps w
				WHERE w.meetup_id = q.id AND w.status = 'waiting' AND w.seq <= r.seq) ELSE 0 END AS position
		FROM (` + meetupSelect + ` WHERE m.status = 'scheduled' AND m.ends_at > $1) q
		LEFT JOIN meetup_rsvps r ON r.meetup_id = q.id AND r.member_id = $2
		WHERE q.host_member_id = $2 OR r.status IN ('going', 'maybe', 'waiting')
		ORDER BY q.starts_at, q.id`
	var rows []struct {
		meetupRow
		RSVP     string `db:"rsvp"`
		Position int    `db:"position"`
	}
	if err := tx.SelectContext(ctx, &rows, query, dbTime(from), member.ID); err != nil {
		return nil, fmt.Errorf("member meetups: %w", err)
	}
	out := make([]bot.MemberMeetup, len(rows))
	ptrs := make([]*bot.Meetup, len(rows))
	for i, r := range rows {
		m, err := r.meetup()
		if err != nil {
			return nil, err
		}
		out[i] = bot.MemberMeetup{Meetup: *m, Hosting: m.HostMemberID == member.ID, RSVP: r.RSVP, Position: r.Position}
		ptrs[i] = &out[i].Meetup
	}
	if err := withPosts(ctx, tx, ptrs...); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("member meetups: commit: %w", err)
	}
	return out, nil
}
