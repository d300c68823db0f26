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

var _ bot.MeetupStore = (*DB)(nil)

// beginMeetupWrite starts a write transaction for meetups, queued behind
// the others on SQLite (see DB.meetupWrites). Call the returned function
// when the transaction is over.
func (db *DB) beginMeetupWrite(ctx context.Context) (*tx, func(), error) {
	release := func() {}
	if sem := db.meetupWrites; sem != nil {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("waiting to write: %w", ctx.Err())
		}
		release = func() { <-sem }
	}
	t, err := db.begin(ctx, false)
	if err != nil {
		release()
		return nil, nil, err
	}
	return t, release, nil
}

func errMeetupNotFound() error {
	return bot.Errorf(bot.ENOTFOUND, "That meetup does not exist.")
}

func errMeetupCancelled() error {
	return bot.Errorf(bot.ECONFLICT, "That meetup has been cancelled.")
}

// meetupSelect reads meetups with their host and counts, in meetupRow's
// order. Callers add WHERE and ORDER BY.
const meetupSelect = `SELECT m.id, COALESCE(m.host_member_id, 0) AS host_member_id,
		COALESCE(h.platform, '') AS host_platform, COALESCE(h.user_id, '') AS host_user_id,
		COALESCE(h.name, '') AS host_name,
		m.title, m.purpose, m.starts_at, m.ends_at, m.place, m.link, m.roles, m.sectors,
		m.food, m.capacity, m.rsvp_by, m.status, m.announce_channel, m.announce_ts,
		m.version, m.day_reminder_at, m.hour_reminder_at, COALESCE(m.create_key, '') AS create_key,
		m.created_at, m.updated_at,
		(SELECT COUNT(*) FROM meetup_rsvps c WHERE c.meetup_id = m.id AND c.status = 'going') AS going,
		(SELECT COUNT(*) FROM meetup_rsvps c WHERE c.meetup_id = m.id AND c.status = 'maybe') AS maybe,
		(SELECT COUNT(*) FROM meetup_rsvps c WHERE c.meetup_id = m.id AND c.status = 'not_going') AS not_going,
		(SELECT COUNT(*) FROM meetup_rsvps c WHERE c.meetup_id = m.id AND c.status = 'waiting') AS waiting
	FROM meetups m LEFT JOIN members h ON h.id = m.host_member_id`

// meetupRow is a meetup as meetupSelect reads it.
type meetupRow struct {
	ID             int64      `db:"id"`
	HostMemberID   int64      `db:"host_member_id"`
	HostPlatform   string     `db:"host_platform"`
	HostUserID     string     `db:"host_user_id"`
	HostName       string     `db:"host_name"`
	Title          string     `db:"title"`
	Purpose        string     `db:"purpose"`
	StartsAt       time.Time  `db:"starts_at"`
	EndsAt         time.Time  `db:"ends_at"`
	Place          string     `db:"place"`
	Link           string     `db:"link"`
	Roles          string     `db:"roles"`
	Sectors        string     `db:"sectors"`
	Food           bool       `db:"food"`
	Capacity       int        `db:"capacity"`
	RSVPBy         *time.Time `db:"rsvp_by"`
	Status         string     `db:"status"`
	Channel        string     `db:"announce_channel"`
	MessageRef     string     `db:"announce_ts"`
	Version        int64      `db:"version"`
	DayReminderAt  time.Time  `db:"day_reminder_at"`
	HourReminderAt time.Time  `db:"hour_reminder_at"`
	CreateKey      string     `db:"create_key"`
	CreatedAt      time.Time  `db:"created_at"`
	UpdatedAt      time.Time  `db:"updated_at"`
	Going          int        `db:"going"`
	Maybe          int        `db:"maybe"`
	NotGoing       int        `db:"not_going"`
	Waiting        int        `db:"waiting"`
}

func (r *meetupRow) meetup() (*bot.Meetup, error) {
	m := &bot.Meetup{
		ID: r.ID, HostMemberID: r.HostMemberID, HostPlatform: r.HostPlatform,
		HostUserID: r.HostUserID, HostName: r.HostName,
		Title: r.Title, Purpose: r.Purpose,
		StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(),
		Place: r.Place, Link: r.Link, Food: r.Food, Capacity: r.Capacity,
		Status: r.Status, Channel: r.Channel, MessageRef: r.MessageRef, Version: r.Version,
		Counts:        bot.RSVPCounts{Going: r.Going, Maybe: r.Maybe, NotGoing: r.NotGoing, Waiting: r.Waiting},
		DayReminderAt: r.DayReminderAt.UTC(), HourReminderAt: r.HourReminderAt.UTC(),
		CreateKey: r.CreateKey, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.RSVPBy != nil {
		by := r.RSVPBy.UTC()
		m.RSVPBy = &by
	}
	var err error
	if m.Roles, err = decodeTopics(r.Roles); err != nil {
		return nil, fmt.Errorf("meetup %d: roles: %w", r.ID, err)
	}
	if m.Sectors, err = decodeTopics(r.Sectors); err != nil {
		return nil, fmt.Errorf("meetup %d: sectors: %w", r.ID, err)
	}
	return m, nil
}

func findMeetup(ctx context.Context, tx *tx, id int64) (*bot.Meetup, error) {
	var r meetupRow
	err := tx.GetContext(ctx, &r, meetupSelect+` WHERE m.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errMeetupNotFound()
	} else if err != nil {
		return nil, fmt.Errorf("find meetup: %w", err)
	}
	return r.meetup()
}

// CreateMeetup stores m hosted by the member, or loads the meetup created
// with the same CreateKey. Returns ENOTFOUND when the host has not joined.
func (db *DB) CreateMeetup(ctx context.Context, platform, userID string, m *bot.Meetup) (bool, error) {
	tx, done, err := db.beginMeetupWrite(ctx)
	if err != nil {
		return false, err
	}
	defer done()
	defer tx.Rollback()

	host, err := findMember(ctx, tx, platform, userID)
	if err != nil {
		return false, err
	}
	roles, err := encodeTopics(m.Roles)
	if err != nil {
		return false, err
	}
	sectors, err := encodeTopics(m.Sectors)
	if err != nil {
		return false, err
	}
	var key *string
	if m.CreateKey != "" {
		key = &m.CreateKey
	}
	const insert = `INSERT INTO meetups (host_member_id, title, purpose, starts_at, ends_at,
			place, link, roles, sectors, food, capacity, rsvp_by, status, announce_channel,
			day_reminder_at, hour_reminder_at, create_key, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'scheduled', $13, $14, $15, $16, $17, $17)
		ON CONFLICT (create_key) DO NOTHING
		RETURNING id`
	var id int64
	created := true
	err = tx.GetContext(ctx, &id, insert, host.ID, m.Title, m.Purpose, dbTime(m.StartsAt), dbTime(m.EndsAt),
		m.Place, m.Link, roles, sectors, m.Food, m.Capacity, dbTimePtr(m.RSVPBy), m.Channel,
		dbTime(m.DayReminderAt), dbTime(m.HourReminderAt), key, tx.now)
	if errors.Is(err, sql.ErrNoRows) && key != nil {
		created = false
		err = tx.GetContext(ctx, &id, `SELECT id FROM meetups WHERE create_key = $1`, *key)
	}
	if err != nil {
		return false, fmt.Errorf("create meetup: %w", err)
	}
	stored, err := findMeetup(ctx, tx, id)
	if err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("create meetup: commit: %w", err)
	}
	*m = *stored
	return created, nil
}

// FindMeetup returns the meetup with its counts, or ENOTFOUND.
func (db *DB) FindMeetup(ctx context.Context, id int64) (*bot.Meetup, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	m, err := findMeetup(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("find meetup: commit: %w", err)
	}
	return m, nil
}

// SetMeetupAnnouncement records where the announcement was posted, or
// returns ENOTFOUND.
func (db *DB) SetMeetupAnnouncement(ctx context.Context, id int64, channel, ts string) error {
	tx, done, err := db.beginMeetupWrite(ctx)
	if err != nil {
		return err
	}
	defer done()
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE meetups SET announce_channel = $2, announce_ts = $3 WHERE id = $1`, id, channel, ts)
	if err != nil {
		return fmt.Errorf("set meetup announcement: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("set meetup announcement: %w", err)
	} else if n == 0 {
		return errMeetupNotFound()
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("set meetup announcement: commit: %w", err)
	}
	return nil
}

// UpdateMeetup saves m's details, bumps its version, fills places freed
// by a larger capacity from the waiting list and queues the notices that
// notify decides, in one transaction. Returns ENOTFOUND, or ECONFLICT when
// the meetup has been cancelled.
func (db *DB) UpdateMeetup(ctx context.Context, m *bot.Meetup, notify func(*bot.MeetupChange) []bot.Notice) (*bot.MeetupChange, error) {
	tx, done, err := db.beginMeetupWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	defer tx.Rollback()

	roles, err := encodeTopics(m.Roles)
	if err != nil {
		return nil, err
	}
	sectors, err := encodeTopics(m.Sectors)
	if err != nil {
		return nil, err
	}
	// Take the meetup's row first (on PostgreSQL; SQLite's transaction
	// holds the write lock already) and read the meetup as it was under
	// that lock, so the change is told against what it replaced.
	if _, err := tx.ExecContext(ctx, `UPDATE meetups SET version = version WHERE id = $1`, m.ID); err != nil {
		return nil, fmt.Errorf("update meetup: %w", err)
	}
	const update = `UPDATE meetups SET title = $2, purpose = $3, starts_at = $4, ends_at = $5,
			place = $6, link = $7, roles = $8, sectors = $9, food = $10, capacity = $11,
			rsvp_by = $12, day_reminder_at = $13, hour_reminder_at = $14,
			version = version + 1, updated_at = $15
		WHERE id = $1 AND status = 'scheduled'
		RETURNING version, capacity`
	before, err := findMeetup(ctx, tx, m.ID)
	if err != nil {
		return nil, err
	}
	var lock meetupLock
	err = tx.GetContext(ctx, &lock, update, m.ID, m.Title, m.Purpose, dbTime(m.StartsAt), dbTime(m.EndsAt),
		m.Place, m.Link, roles, sectors, m.Food, m.Capacity, dbTimePtr(m.RSVPBy),
		dbTime(m.DayReminderAt), dbTime(m.HourReminderAt), tx.now)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, whyNotScheduled(ctx, tx, m.ID)
	} else if err != nil {
		return nil, fmt.Errorf("update meetup: %w", err)
	}
	promoted, err := promoteWaiting(ctx, tx, m.ID, lock.Capacity)
	if err != nil {
		return nil, err
	}
	c, err := meetupChange(ctx, tx, before, m.ID, promoted, notify)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("update meetup: commit: %w", err)
	}
	return c, nil
}

// meetupChange reads the meetup after a change and everyone who answered,
// and queues the notices notify decides.
func meetupChange(ctx context.Context, tx *tx, before *bot.Meetup, id int64, promoted []bot.Attendee, notify func(*bot.MeetupChange) []bot.Notice) (*bot.MeetupChange, error) {
	after, err := findMeetup(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	as, err := meetupAttendees(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	c := &bot.MeetupChange{Before: before, After: after, Notify: as, Promoted: promoted}
	if notify != nil {
		if err := queueNotices(ctx, tx, notify(c), tx.now); err != nil {
			return nil, fmt.Errorf("meetup change: %w", err)
		}
	}
	return c, nil
}

// whyNotScheduled explains why a meetup could not be changed: it does not
// exist (ENOTFOUND) or it has been cancelled (ECONFLICT).
func whyNotScheduled(ctx context.Context, tx *tx, id int64) error {
	var status string
	err := tx.GetContext(ctx, &status, `SELECT status FROM meetups WHERE id = $1`, id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return errMeetupNotFound()
	case err != nil:
		return fmt.Errorf("meetup status: %w", err)
	}
	return errMeetupCancelled()
}

// CancelMeetup cancels the meetup and queues the notices that notify
// decides, in one transaction. Returns ENOTFOUND, or ECONFLICT when it was
// cancelled already.
func (db *DB) CancelMeetup(ctx context.Context, id int64, now time.Time, notify func(*bot.MeetupChange) []bot.Notice) (*bot.MeetupChange, error) {
	tx, done, err := db.beginMeetupWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	defer tx.Rollback()

	const update = `UPDATE meetups SET status = 'cancelled', cancelled_at = $2, updated_at = $2,
			version = version + 1
		WHERE id = $1 AND status = 'scheduled'`
	before, err := findMeetup(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	res, err := tx.ExecContext(ctx, update, id, dbTime(now))
	if err != nil {
		return nil, fmt.Errorf("cancel meetup: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, fmt.Errorf("cancel meetup: %w", err)
	} else if n == 0 {
		return nil, whyNotScheduled(ctx, tx, id)
	}
	c, err := meetupChange(ctx, tx, before, id, nil, notify)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("cancel meetup: commit: %w", err)
	}
	return c, nil
}

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
	tx, done, err := db.beginMeetupWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
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
	tx, done, err := db.beginMeetupWrite(ctx)
	if err != nil {
		return bot.MeetupPromotion{}, err
	}
	defer done()
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

// ListMeetups returns announced, scheduled meetups ending after from.
func (db *DB) ListMeetups(ctx context.Context, from time.Time, limit int) ([]bot.Meetup, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	query := meetupSelect + ` WHERE m.status = 'scheduled' AND m.announce_ts <> '' AND m.ends_at > $1
		ORDER BY m.starts_at, m.id LIMIT $2`
	var rows []meetupRow
	if err := tx.SelectContext(ctx, &rows, query, dbTime(from), limit); err != nil {
		return nil, fmt.Errorf("list meetups: %w", err)
	}
	out := make([]bot.Meetup, 0, len(rows))
	for _, r := range rows {
		m, err := r.meetup()
		if err != nil {
			return nil, err
		}
		out = append(out, *m)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("list meetups: commit: %w", err)
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
	out := make([]bot.MemberMeetup, 0, len(rows))
	for _, r := range rows {
		m, err := r.meetup()
		if err != nil {
			return nil, err
		}
		out = append(out, bot.MemberMeetup{Meetup: *m, Hosting: m.HostMemberID == member.ID, RSVP: r.RSVP, Position: r.Position})
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("member meetups: commit: %w", err)
	}
	return out, nil
}

// reminderDue selects, for one kind of reminder, the members it is owed
// to at $1: going to a scheduled meetup that has not started, since before
// the reminder fell due, and not yet queued for sending. %[1]s is the kind
// and %[2]s the column holding its due time.
const reminderDue = `SELECT m.id AS meetup_id, r.member_id, mem.platform, mem.user_id,
		'%[1]s' AS kind, m.starts_at
	FROM meetups m
	JOIN meetup_rsvps r ON r.meetup_id = m.id AND r.status = 'going'
	JOIN members mem ON mem.id = r.member_id
	WHERE m.status = 'scheduled' AND m.%[2]s <= $1 AND m.starts_at > $1 %[3]s
		AND r.status_at <= m.%[2]s
		AND NOT EXISTS (SELECT 1 FROM meetup_reminders x
			WHERE x.meetup_id = m.id AND x.member_id = r.member_id AND x.kind = '%[1]s'
			AND x.starts_at = m.starts_at AND x.sent_at IS NOT NULL)
	ORDER BY m.starts_at, m.id, r.seq
	LIMIT 1000`

type reminderRow struct {
	MeetupID int64     `db:"meetup_id"`
	MemberID int64     `db:"member_id"`
	Platform string    `db:"platform"`
	UserID   string    `db:"user_id"`
	Kind     string    `db:"kind"`
	StartsAt time.Time `db:"starts_at"`
}

// DueMeetupReminders returns the reminders owed at now and not yet
// queued. A day-before reminder is owed until the hour-before one falls
// due, so nobody gets both at once after downtime.
func (db *DB) DueMeetupReminders(ctx context.Context, now time.Time) ([]bot.MeetupReminder, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var out []bot.MeetupReminder
	kinds := []struct{ kind, column, extra string }{
		{bot.ReminderDayBefore, "day_reminder_at", "AND m.hour_reminder_at > $1"},
		{bot.ReminderHourBefore, "hour_reminder_at", ""},
	}
	for _, k := range kinds {
		var rows []reminderRow
		query := fmt.Sprintf(reminderDue, k.kind, k.column, k.extra)
		if err := tx.SelectContext(ctx, &rows, query, dbTime(now)); err != nil {
			return nil, fmt.Errorf("due meetup reminders: %w", err)
		}
		for _, r := range rows {
			out = append(out, bot.MeetupReminder{
				MeetupID: r.MeetupID, MemberID: r.MemberID, Platform: r.Platform,
				UserID: r.UserID, Kind: r.Kind, StartsAt: r.StartsAt.UTC(),
			})
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("due meetup reminders: commit: %w", err)
	}
	return out, nil
}

// QueueMeetupReminder records r as sent and queues its notice in one
// transaction, if it is still owed and nobody has queued it. The primary
// key of meetup_reminders makes concurrent callers serialise: on conflict
// the row is only taken when it was never sent (a claim left from before
// reminders went through the outbox), and rows affected says whether this
// caller won.
func (db *DB) QueueMeetupReminder(ctx context.Context, r bot.MeetupReminder, now time.Time) (bool, error) {
	tx, done, err := db.beginMeetupWrite(ctx)
	if err != nil {
		return false, err
	}
	defer done()
	defer tx.Rollback()

	const owed = `SELECT COUNT(*) FROM meetups m
		JOIN meetup_rsvps r ON r.meetup_id = m.id AND r.member_id = $2 AND r.status = 'going'
		WHERE m.id = $1 AND m.status = 'scheduled' AND m.starts_at = $3 AND m.starts_at > $4`
	var n int
	if err := tx.GetContext(ctx, &n, owed, r.MeetupID, r.MemberID, dbTime(r.StartsAt), dbTime(now)); err != nil {
		return false, fmt.Errorf("queue meetup reminder: %w", err)
	}
	if n == 0 {
		return false, nil
	}
	const sent = `INSERT INTO meetup_reminders (meetup_id, member_id, kind, starts_at, claimed_at, sent_at)
		VALUES ($1, $2, $3, $4, $5, $5)
		ON CONFLICT (meetup_id, member_id, kind, starts_at) DO UPDATE SET claimed_at = excluded.claimed_at, sent_at = excluded.sent_at
		WHERE meetup_reminders.sent_at IS NULL`
	res, err := tx.ExecContext(ctx, sent, r.MeetupID, r.MemberID, r.Kind, dbTime(r.StartsAt), dbTime(now))
	if err != nil {
		return false, fmt.Errorf("queue meetup reminder: %w", err)
	}
	won, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("queue meetup reminder: %w", err)
	}
	if won != 1 {
		return false, nil
	}
	starts := dbTime(r.StartsAt)
	notice := bot.Notice{MemberID: r.MemberID, Kind: bot.NoticeMeetupReminder,
		Params: bot.NoticeParams{MeetupID: r.MeetupID, Reminder: r.Kind, StartsAt: &starts}}
	if err := queueNotices(ctx, tx, []bot.Notice{notice}, now); err != nil {
		return false, fmt.Errorf("queue meetup reminder: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("queue meetup reminder: commit: %w", err)
	}
	return true, nil
}

// exportMeetups adds the meetups the member hosted or answered to x.
func exportMeetups(ctx context.Context, tx *tx, memberID int64, x *bot.MemberExport) error {
	const query = `SELECT m.id, m.title, m.purpose, m.starts_at, m.ends_at, m.place, m.link, m.roles, m.sectors,
			m.food, m.capacity, m.rsvp_by, m.status, m.cancelled_at, m.announce_channel, m.announce_ts,
			m.created_at, m.updated_at,
			CASE WHEN m.host_member_id = $1 THEN 1 ELSE 0 END AS host,
			COALESCE(r.status, '') AS rsvp, r.status_at, r.created_at AS rsvp_created_at
		FROM meetups m LEFT JOIN meetup_rsvps r ON r.meetup_id = m.id AND r.member_id = $1
		WHERE m.host_member_id = $1 OR r.member_id IS NOT NULL
		ORDER BY m.starts_at, m.id`
	var rows []struct {
		ID              int64      `db:"id"`
		Title           string     `db:"title"`
		Purpose         string     `db:"purpose"`
		StartsAt        time.Time  `db:"starts_at"`
		EndsAt          time.Time  `db:"ends_at"`
		Place           string     `db:"place"`
		Link            string     `db:"link"`
		Roles           string     `db:"roles"`   // JSON array
		Sectors         string     `db:"sectors"` // JSON array
		Food            bool       `db:"food"`
		Capacity        int        `db:"capacity"`
		RSVPBy          *time.Time `db:"rsvp_by"`
		Status          string     `db:"status"`
		CancelledAt     *time.Time `db:"cancelled_at"`
		AnnounceChannel string     `db:"announce_channel"`
		AnnounceTS      string     `db:"announce_ts"`
		CreatedAt       time.Time  `db:"created_at"`
		UpdatedAt       time.Time  `db:"updated_at"`
		Host            int        `db:"host"`
		RSVP            string     `db:"rsvp"`
		StatusAt        *time.Time `db:"status_at"`
		RSVPCreatedAt   *time.Time `db:"rsvp_created_at"`
	}
	if err := tx.SelectContext(ctx, &rows, query, memberID); err != nil {
		return fmt.Errorf("export meetups: %w", err)
	}
	var sent []struct {
		MeetupID int64     `db:"meetup_id"`
		Kind     string    `db:"kind"`
		SentAt   time.Time `db:"sent_at"`
	}
	const reminders = `SELECT meetup_id, kind, sent_at FROM meetup_reminders
		WHERE member_id = $1 AND sent_at IS NOT NULL ORDER BY sent_at`
	if err := tx.SelectContext(ctx, &sent, reminders, memberID); err != nil {
		return fmt.Errorf("export meetup reminders: %w", err)
	}
	for _, r := range rows {
		rec := bot.MeetupRecord{MeetupID: r.ID, Title: r.Title, Purpose: r.Purpose,
			StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(), Place: r.Place, Link: r.Link,
			Food: r.Food, Capacity: r.Capacity, RSVPBy: dbTimePtr(r.RSVPBy), Status: r.Status,
			CancelledAt: dbTimePtr(r.CancelledAt), Host: r.Host == 1,
			AnnounceChannel: r.AnnounceChannel, AnnounceID: r.AnnounceTS,
			CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
			RSVP: r.RSVP, RSVPAt: dbTimePtr(r.StatusAt), FirstRSVPAt: dbTimePtr(r.RSVPCreatedAt)}
		var err error
		if rec.Roles, err = decodeTopics(r.Roles); err != nil {
			return fmt.Errorf("export meetups: roles: %w", err)
		}
		if rec.Sectors, err = decodeTopics(r.Sectors); err != nil {
			return fmt.Errorf("export meetups: sectors: %w", err)
		}
		for _, s := range sent {
			if s.MeetupID == r.ID {
				rec.RemindersSent = append(rec.RemindersSent, bot.ReminderRecord{Kind: s.Kind, SentAt: s.SentAt.UTC()})
			}
		}
		x.Meetups = append(x.Meetups, rec)
	}
	return nil
}
