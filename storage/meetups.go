package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/rapport-pcn/rapport/bot"
)

var _ bot.MeetupStore = (*DB)(nil)

func errMeetupNotFound() error {
	return bot.ErrAbout(bot.ENOTFOUND, bot.AboutMeetup)
}

func errMeetupCancelled() error {
	return bot.ErrAbout(bot.ECONFLICT, bot.AboutMeetup)
}

// meetupSelect reads meetups with their host and counts, in meetupRow's
// order. Callers add WHERE and ORDER BY.
const meetupSelect = `SELECT m.id, COALESCE(m.host_member_id, 0) AS host_member_id,
		COALESCE(h.platform, '') AS host_platform, COALESCE(h.user_id, '') AS host_user_id,
		COALESCE(h.name, '') AS host_name,
		m.title, m.purpose, m.starts_at, m.ends_at, m.place, m.link, m.roles, m.sectors,
		m.food, m.capacity, m.rsvp_by, m.status, m.version, m.day_reminder_at, m.hour_reminder_at, COALESCE(m.create_key, '') AS create_key,
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
		Status: r.Status, Version: r.Version,
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
	m, err := r.meetup()
	if err != nil {
		return nil, err
	}
	if err := withPosts(ctx, tx, m); err != nil {
		return nil, err
	}
	return m, nil
}

// withPosts fills the meetups' Posts, by platform, and Channel from the
// Slack post.
func withPosts(ctx context.Context, tx *tx, ms ...*bot.Meetup) error {
	if len(ms) == 0 {
		return nil
	}
	ids := make([]int64, len(ms))
	byID := make(map[int64]*bot.Meetup, len(ms))
	for i, m := range ms {
		ids[i], byID[m.ID] = m.ID, m
	}
	query, args, err := sqlx.In(`SELECT meetup_id, platform, channel, message_ref FROM meetup_posts
		WHERE meetup_id IN (?) ORDER BY meetup_id, platform`, ids)
	if err != nil {
		return fmt.Errorf("meetup posts: %w", err)
	}
	var rows []struct {
		MeetupID   int64  `db:"meetup_id"`
		Platform   string `db:"platform"`
		Channel    string `db:"channel"`
		MessageRef string `db:"message_ref"`
	}
	if err := tx.SelectContext(ctx, &rows, tx.Rebind(query), args...); err != nil {
		return fmt.Errorf("meetup posts: %w", err)
	}
	for _, r := range rows {
		m := byID[r.MeetupID]
		m.Posts = append(m.Posts, bot.MeetupPost{Platform: r.Platform, Channel: r.Channel, MessageRef: r.MessageRef})
		if r.Platform == slackPlatform {
			m.Channel = r.Channel
		}
	}
	return nil
}

// slackPlatform is the platform every meetup was announced on before
// meetups had a post per platform.
const slackPlatform = "slack"

// CreateMeetup stores m hosted by the member, or loads the meetup created
// with the same CreateKey. Returns ENOTFOUND when the host has not joined.
func (db *DB) CreateMeetup(ctx context.Context, platform, userID string, m *bot.Meetup) (bool, error) {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return false, err
	}
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
			place, link, roles, sectors, food, capacity, rsvp_by, status,
			day_reminder_at, hour_reminder_at, create_key, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'scheduled', $13, $14, $15, $16, $16)
		ON CONFLICT (create_key) DO NOTHING
		RETURNING id`
	var id int64
	created := true
	err = tx.GetContext(ctx, &id, insert, host.ID, m.Title, m.Purpose, dbTime(m.StartsAt), dbTime(m.EndsAt),
		m.Place, m.Link, roles, sectors, m.Food, m.Capacity, dbTimePtr(m.RSVPBy),
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
	// The channel the caller chose to announce in is not stored (each
	// post is, once made): it stays on the meetup returned.
	if len(stored.Posts) == 0 {
		stored.Channel = m.Channel
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

// SetMeetupPost records where the meetup's announcement was posted on the
// platform, replacing what was recorded for that platform before. Returns
// ENOTFOUND when there is no such meetup.
func (db *DB) SetMeetupPost(ctx context.Context, meetupID int64, platform, channel, ref string) error {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The foreign key would refuse a missing meetup too, but with an error
	// that differs between the databases.
	var exists int
	err = tx.GetContext(ctx, &exists, `SELECT 1 FROM meetups WHERE id = $1`, meetupID)
	if errors.Is(err, sql.ErrNoRows) {
		return errMeetupNotFound()
	} else if err != nil {
		return fmt.Errorf("set meetup post: %w", err)
	}
	const upsert = `INSERT INTO meetup_posts (meetup_id, platform, channel, message_ref) VALUES ($1, $2, $3, $4)
		ON CONFLICT (meetup_id, platform) DO UPDATE SET channel = excluded.channel, message_ref = excluded.message_ref`
	if _, err := tx.ExecContext(ctx, upsert, meetupID, platform, channel, ref); err != nil {
		return fmt.Errorf("set meetup post: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("set meetup post: commit: %w", err)
	}
	return nil
}

// UpdateMeetup saves m's details, bumps its version, fills places freed
// by a larger capacity from the waiting list and queues the notices that
// notify decides, in one transaction. Returns ENOTFOUND, or ECONFLICT when
// the meetup has been cancelled.
func (db *DB) UpdateMeetup(ctx context.Context, m *bot.Meetup, notify func(*bot.MeetupChange) []bot.Notice) (*bot.MeetupChange, error) {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
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
	tx, err := db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
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

// ListMeetups returns scheduled meetups ending after from that are
// announced on at least one platform, with their posts.
func (db *DB) ListMeetups(ctx context.Context, from time.Time, limit int) ([]bot.Meetup, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	query := meetupSelect + ` WHERE m.status = 'scheduled' AND m.ends_at > $1
		AND EXISTS (SELECT 1 FROM meetup_posts p WHERE p.meetup_id = m.id AND p.message_ref <> '')
		ORDER BY m.starts_at, m.id LIMIT $2`
	var rows []meetupRow
	if err := tx.SelectContext(ctx, &rows, query, dbTime(from), limit); err != nil {
		return nil, fmt.Errorf("list meetups: %w", err)
	}
	out := make([]bot.Meetup, len(rows))
	ptrs := make([]*bot.Meetup, len(rows))
	for i, r := range rows {
		m, err := r.meetup()
		if err != nil {
			return nil, err
		}
		out[i] = *m
		ptrs[i] = &out[i]
	}
	if err := withPosts(ctx, tx, ptrs...); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("list meetups: commit: %w", err)
	}
	return out, nil
}
