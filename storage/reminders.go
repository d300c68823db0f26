package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

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
	tx, err := db.begin(ctx, false)
	if err != nil {
		return false, err
	}
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
