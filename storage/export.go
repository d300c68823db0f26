package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// ExportMember returns everything stored about the member, or ENOTFOUND.
func (db *DB) ExportMember(ctx context.Context, platform, userID string) (*bot.MemberExport, error) {
	// One read-only transaction, so the export is a consistent snapshot
	// once it gathers rows from several tables.
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	m, err := findMember(ctx, tx, platform, userID)
	if err != nil {
		return nil, err
	}
	export := &bot.MemberExport{Member: *m, ExportedAt: tx.now}
	if err := exportIntros(ctx, tx, m, export); err != nil {
		return nil, err
	}
	if err := exportMeetups(ctx, tx, m.ID, m.Platform, export); err != nil {
		return nil, err
	}
	if export.Account, err = exportAccount(ctx, tx, m.Platform, m.UserID); err != nil {
		return nil, err
	}
	if err := exportAdminActions(ctx, tx, m, export); err != nil {
		return nil, err
	}
	if err := exportRequests(ctx, tx, m, export); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("export member: commit: %w", err)
	}
	return export, nil
}

// exportIntros adds the member's intros and blocks to x: with whom, when,
// and what they answered, but not the others' profiles. On a platform
// where each person gets their own copy of an intro or a message, the
// conversation and message IDs are those of the member's copy.
func exportIntros(ctx context.Context, tx *tx, member *bot.Member, x *bot.MemberExport) error {
	memberID := member.ID
	copies, err := memberCopies(ctx, tx, member.Platform, member.UserID)
	if err != nil {
		return err
	}
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
			rec := bot.IntroRecord{Round: r.Round, Date: r.Date.UTC(), Status: r.Status,
				Reasons: r.Explanation, FirstQuestion: r.Question, RepeatAllowed: r.Relaxed, MatchScore: r.Score,
				ConversationID: r.ChannelID, MessageID: r.MessageTS}
			if c, ok := copies[copyKey{bot.OutboxIntro, r.IntroID}]; ok && rec.MessageID == "" {
				rec.ConversationID, rec.MessageID = c.ConversationID, c.ActivityID
			}
			x.Intros = append(x.Intros, rec)
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
				rec.AskedToStart = bot.ExportYou
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
		ID        int64      `db:"id"`
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
	const msgQuery = `SELECT id, kind, text, notice, params, status, due_at, sent_at, ref, created_at FROM outbox
		WHERE member_id = $1 ORDER BY created_at, id`
	if err := tx.SelectContext(ctx, &msgs, msgQuery, memberID); err != nil {
		return fmt.Errorf("export messages: %w", err)
	}
	for _, m := range msgs {
		rec := bot.MessageRecord{Kind: m.Kind, Text: m.Text, Notice: m.Notice, Status: m.Status, Due: m.Due.UTC(), MessageID: m.Ref, CreatedAt: m.CreatedAt.UTC()}
		if m.Params != "" {
			rec.Details = json.RawMessage(m.Params)
		}
		if c, ok := copies[copyKey{m.Kind, m.ID}]; ok && rec.MessageID == "" {
			rec.MessageID = c.ActivityID
		}
		if m.SentAt != nil {
			at := m.SentAt.UTC()
			rec.SentAt = &at
		}
		x.Messages = append(x.Messages, rec)
	}
	return nil
}

// copyKey names the message a sent copy is of.
type copyKey struct {
	kind string
	tag  int64
}

// memberCopies returns the copies of messages sent to the user.
func memberCopies(ctx context.Context, tx *tx, platform, userID string) (map[copyKey]bot.SentCopy, error) {
	var rows []struct {
		Kind           string `db:"kind"`
		Tag            int64  `db:"tag"`
		ConversationID string `db:"conversation_id"`
		ActivityID     string `db:"activity_id"`
	}
	const query = `SELECT kind, tag, conversation_id, activity_id FROM sent_copies WHERE platform = $1 AND user_id = $2`
	if err := tx.SelectContext(ctx, &rows, query, platform, userID); err != nil {
		return nil, fmt.Errorf("export sent copies: %w", err)
	}
	out := make(map[copyKey]bot.SentCopy, len(rows))
	for _, r := range rows {
		out[copyKey{r.Kind, r.Tag}] = bot.SentCopy{Kind: r.Kind, Tag: r.Tag, ConversationID: r.ConversationID, ActivityID: r.ActivityID}
	}
	return out, nil
}

// exportAccount returns the member's account, or nil when the platform
// keeps none.
func exportAccount(ctx context.Context, tx *tx, platform, userID string) (*bot.AccountRecord, error) {
	a, err := findAccount(ctx, tx, platform, userID)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("export account: %w", err)
	}
	return &bot.AccountRecord{Platform: a.Platform, UserID: a.UserID, ObjectID: a.ObjectID,
		PrincipalName: a.PrincipalName, ConversationID: a.ConversationID, UpdatedAt: a.UpdatedAt}, nil
}

// exportMeetups adds the meetups the member hosted or answered to x. Each
// shows where it was announced on the member's own platform, or else on
// the first platform it was announced on.
func exportMeetups(ctx context.Context, tx *tx, memberID int64, platform string, x *bot.MemberExport) error {
	const query = `SELECT m.id, m.title, m.purpose, m.starts_at, m.ends_at, m.place, m.link, m.roles, m.sectors,
			m.food, m.capacity, m.rsvp_by, m.status, m.cancelled_at,
			COALESCE(p.channel, '') AS announce_channel, COALESCE(p.message_ref, '') AS announce_ref,
			m.created_at, m.updated_at,
			CASE WHEN m.host_member_id = $1 THEN 1 ELSE 0 END AS host,
			COALESCE(r.status, '') AS rsvp, r.status_at, r.created_at AS rsvp_created_at
		FROM meetups m LEFT JOIN meetup_rsvps r ON r.meetup_id = m.id AND r.member_id = $1
		LEFT JOIN meetup_posts p ON p.meetup_id = m.id AND p.platform = (SELECT q.platform FROM meetup_posts q
			WHERE q.meetup_id = m.id ORDER BY CASE WHEN q.platform = $2 THEN 0 ELSE 1 END, q.platform LIMIT 1)
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
		AnnounceRef     string     `db:"announce_ref"`
		CreatedAt       time.Time  `db:"created_at"`
		UpdatedAt       time.Time  `db:"updated_at"`
		Host            int        `db:"host"`
		RSVP            string     `db:"rsvp"`
		StatusAt        *time.Time `db:"status_at"`
		RSVPCreatedAt   *time.Time `db:"rsvp_created_at"`
	}
	if err := tx.SelectContext(ctx, &rows, query, memberID, platform); err != nil {
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
			AnnounceChannel: r.AnnounceChannel, AnnounceID: r.AnnounceRef,
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

// exportAdminActions adds the admin log's entries about the member, and
// those of what they did as an admin, to x.
func exportAdminActions(ctx context.Context, tx *tx, m *bot.Member, x *bot.MemberExport) error {
	var rows []struct {
		At     time.Time `db:"at"`
		Action string    `db:"action"`
		Detail string    `db:"detail"`
		About  bool      `db:"about_member"`
		By     bool      `db:"by_member"`
	}
	const query = `SELECT at, action, detail, member_id IS NOT NULL AND member_id = $1 AS about_member,
			actor_platform = $2 AND actor_user_id = $3 AS by_member
		FROM audit_log
		WHERE member_id = $1 OR (actor_platform = $2 AND actor_user_id = $3)
		ORDER BY at, id`
	if err := tx.SelectContext(ctx, &rows, query, m.ID, m.Platform, m.UserID); err != nil {
		return fmt.Errorf("export admin actions: %w", err)
	}
	for _, r := range rows {
		if r.About {
			by := bot.ExportAnAdmin
			if r.By {
				by = bot.ExportYou
			}
			x.AdminActions = append(x.AdminActions, bot.AdminActionRecord{Action: r.Action, Date: r.At.UTC(), By: by, Detail: r.Detail})
		}
		if r.By {
			x.AdminActionsByYou = append(x.AdminActionsByYou, bot.AdminActionRecord{Action: r.Action, Date: r.At.UTC(), By: bot.ExportYou, Detail: r.Detail})
		}
	}
	return nil
}
