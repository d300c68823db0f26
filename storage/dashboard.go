package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// The admin's window: sign-in links, sessions and the admin log. The
// reads the pages show are in dashboard_reads.go.

var _ bot.DashboardStore = (*DB)(nil)

// What an admin is told of a sign-in link that cannot be used. Each says
// how to get one that can.
func errLinkUnknown() error {
	return bot.Refuse(bot.ENOTFOUND, "This sign-in link is not one Rapport knows: it may be cut short, or more than a day old. Ask the bot for a new one with ", bot.Cmd("admin dashboard"), ".")
}

func errLinkUsed() error {
	return bot.Refuse(bot.ECONFLICT, "This sign-in link has been used already. Ask the bot for a new one with ", bot.Cmd("admin dashboard"), ".")
}

func errLinkExpired() error {
	return bot.Refuse(bot.EEXPIRED, "This sign-in link has expired: each one works for 10 minutes. Ask the bot for a new one with ", bot.Cmd("admin dashboard"), ".")
}

// errMemberGone is the refusal for a member an admin acts on who is not
// there.
func errMemberGone() error {
	return bot.Refuse(bot.ENOTFOUND, "That member is no longer in Rapport: they may have left, or another admin removed them.")
}

func errNoSession() error {
	return bot.Refuse(bot.ENOTFOUND, "You are not signed in, or you have been away for a while. Ask the bot for a sign-in link with ", bot.Cmd("admin dashboard"), ".")
}

// adminColumns are the admin's identity, as sign_in_links and
// admin_sessions both hold it.
const adminColumns = `platform, user_id, object_id, principal_name, name`

type adminRow struct {
	Platform      string `db:"platform"`
	UserID        string `db:"user_id"`
	ObjectID      string `db:"object_id"`
	PrincipalName string `db:"principal_name"`
	Name          string `db:"name"`
}

func (r adminRow) user() bot.User {
	return bot.User{Platform: r.Platform, ID: r.UserID, ObjectID: r.ObjectID, PrincipalName: r.PrincipalName, Name: r.Name}
}

// SaveSignInLink stores a new sign-in link. Returns EINVALID without a
// token hash, an admin or an expiry.
func (db *DB) SaveSignInLink(ctx context.Context, l bot.SignInLink) error {
	if l.TokenHash == "" || l.Admin.Platform == "" || l.Admin.ID == "" || l.ExpiresAt.IsZero() {
		return bot.Errorf(bot.EINVALID, "a sign-in link needs a token hash, an admin and an expiry")
	}
	created := l.CreatedAt
	if created.IsZero() {
		created = db.Now()
	}
	const query = `INSERT INTO sign_in_links (token_hash, ` + adminColumns + `, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	a := l.Admin
	if _, err := db.db.ExecContext(ctx, query, l.TokenHash, a.Platform, a.ID, a.ObjectID, a.PrincipalName, a.Name,
		dbTime(created), dbTime(l.ExpiresAt)); err != nil {
		return fmt.Errorf("save sign-in link: %w", err)
	}
	return nil
}

// TakeSignInLink spends the link whose token hashes to tokenHash. The
// update sets used_at only where it is still unset, so of two takes at
// once only one changes the row: on PostgreSQL the second waits for the
// first's row lock and then finds it used; on SQLite write transactions
// take turns. Returns ENOTFOUND for an unknown link, ECONFLICT for one used
// already and EEXPIRED for one past its expiry at now.
func (db *DB) TakeSignInLink(ctx context.Context, tokenHash string, now time.Time) (*bot.SignInLink, error) {
	now = dbTime(now)
	tx, err := db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var r struct {
		adminRow
		TokenHash string     `db:"token_hash"`
		CreatedAt time.Time  `db:"created_at"`
		ExpiresAt time.Time  `db:"expires_at"`
		UsedAt    *time.Time `db:"used_at"`
	}
	const take = `UPDATE sign_in_links SET used_at = $2
		WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
		RETURNING token_hash, ` + adminColumns + `, created_at, expires_at, used_at`
	err = tx.GetContext(ctx, &r, take, tokenHash, now)
	if errors.Is(err, sql.ErrNoRows) {
		// Say why: unknown, used or expired.
		const why = `SELECT token_hash, ` + adminColumns + `, created_at, expires_at, used_at FROM sign_in_links WHERE token_hash = $1`
		err = tx.GetContext(ctx, &r, why, tokenHash)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil, errLinkUnknown()
		case err != nil:
			return nil, fmt.Errorf("take sign-in link: %w", err)
		case r.UsedAt != nil:
			return nil, errLinkUsed()
		default:
			return nil, errLinkExpired()
		}
	} else if err != nil {
		return nil, fmt.Errorf("take sign-in link: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("take sign-in link: commit: %w", err)
	}
	return &bot.SignInLink{TokenHash: r.TokenHash, Admin: r.user(), CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}, nil
}

// CreateSession stores a new session. Returns EINVALID without an ID
// hash, an admin or a CSRF token.
func (db *DB) CreateSession(ctx context.Context, s bot.Session) error {
	if s.IDHash == "" || s.Admin.Platform == "" || s.Admin.ID == "" || s.CSRF == "" {
		return bot.Errorf(bot.EINVALID, "a session needs an ID hash, an admin and a CSRF token")
	}
	created := s.CreatedAt
	if created.IsZero() {
		created = db.Now()
	}
	seen := s.LastSeen
	if seen.IsZero() {
		seen = created
	}
	const query = `INSERT INTO admin_sessions (id_hash, ` + adminColumns + `, csrf, created_at, last_seen)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	a := s.Admin
	if _, err := db.db.ExecContext(ctx, query, s.IDHash, a.Platform, a.ID, a.ObjectID, a.PrincipalName, a.Name, s.CSRF,
		dbTime(created), dbTime(seen)); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// TouchSession returns the session and records now as its last use. A
// session idle since before idleSince is deleted, and ENOTFOUND returned
// as for one unknown or signed out.
func (db *DB) TouchSession(ctx context.Context, idHash string, idleSince, now time.Time) (*bot.Session, error) {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	const idle = `DELETE FROM admin_sessions WHERE id_hash = $1 AND last_seen < $2`
	res, err := tx.ExecContext(ctx, idle, idHash, dbTime(idleSince))
	if err != nil {
		return nil, fmt.Errorf("touch session: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("touch session: commit: %w", err)
		}
		return nil, errNoSession()
	}
	var r struct {
		adminRow
		IDHash    string    `db:"id_hash"`
		CSRF      string    `db:"csrf"`
		CreatedAt time.Time `db:"created_at"`
		LastSeen  time.Time `db:"last_seen"`
	}
	const touch = `UPDATE admin_sessions SET last_seen = $2 WHERE id_hash = $1
		RETURNING id_hash, ` + adminColumns + `, csrf, created_at, last_seen`
	if err := tx.GetContext(ctx, &r, touch, idHash, dbTime(now)); errors.Is(err, sql.ErrNoRows) {
		return nil, errNoSession()
	} else if err != nil {
		return nil, fmt.Errorf("touch session: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("touch session: commit: %w", err)
	}
	return &bot.Session{IDHash: r.IDHash, Admin: r.user(), CSRF: r.CSRF, CreatedAt: r.CreatedAt.UTC(), LastSeen: r.LastSeen.UTC()}, nil
}

// DeleteSession signs a session out; an unknown one is not an error.
func (db *DB) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := db.db.ExecContext(ctx, `DELETE FROM admin_sessions WHERE id_hash = $1`, idHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// SweepSignIns deletes the sign-in links that expired before before, used
// or not, and the sessions last used before it, and returns how many went.
// The Sweeper passes its time less bot.SessionIdle: a session idle that
// long can no longer be used, and a link is kept that long past its expiry
// so that a late second click is told it was used or has expired, rather
// than that Rapport never made it.
func (db *DB) SweepSignIns(ctx context.Context, before time.Time) (int, error) {
	before = dbTime(before)
	tx, err := db.begin(ctx, false)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	total := 0
	for _, q := range []string{
		`DELETE FROM sign_in_links WHERE expires_at < $1`,
		`DELETE FROM admin_sessions WHERE last_seen < $1`,
	} {
		res, err := tx.ExecContext(ctx, q, before)
		if err != nil {
			return 0, fmt.Errorf("sweep sign-ins: %w", err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sweep sign-ins: commit: %w", err)
	}
	return total, nil
}

// RecordAudit appends an entry to the admin log. Its ID, MemberName and
// Left are the log's own and are ignored.
func (db *DB) RecordAudit(ctx context.Context, e bot.AuditEntry) error {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := recordAudit(ctx, tx, e); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record admin action: commit: %w", err)
	}
	return nil
}

func recordAudit(ctx context.Context, tx *tx, e bot.AuditEntry) error {
	if e.Action == "" {
		return bot.Errorf(bot.EINVALID, "an admin action needs a name")
	}
	at := e.At
	if at.IsZero() {
		at = tx.now
	}
	const query = `INSERT INTO audit_log (at, action, actor_platform, actor_user_id, actor_name, member_id, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`
	if _, err := tx.ExecContext(ctx, query, dbTime(at), e.Action, e.Actor.Platform, e.Actor.ID, e.ActorName,
		nullID(e.MemberID), e.Detail); err != nil {
		return fmt.Errorf("record admin action: %w", err)
	}
	return nil
}

// AuditLog returns a page of the admin log, newest first, and how many
// entries there are. A member's name is read as it is now; one who has
// left has none, and their entries are marked Left.
func (db *DB) AuditLog(ctx context.Context, offset, limit int) ([]bot.AuditEntry, int, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	var total int
	if err := tx.GetContext(ctx, &total, `SELECT COUNT(*) FROM audit_log`); err != nil {
		return nil, 0, fmt.Errorf("admin log: %w", err)
	}
	if limit <= 0 {
		limit = 50
	}
	var rows []struct {
		ID            int64          `db:"id"`
		At            time.Time      `db:"at"`
		Action        string         `db:"action"`
		ActorPlatform string         `db:"actor_platform"`
		ActorUserID   string         `db:"actor_user_id"`
		ActorName     string         `db:"actor_name"`
		MemberID      sql.NullInt64  `db:"member_id"`
		MemberName    sql.NullString `db:"member_name"`
		Left          bool           `db:"member_left"`
		Detail        string         `db:"detail"`
	}
	const query = `SELECT a.id, a.at, a.action, a.actor_platform, a.actor_user_id, a.actor_name,
			a.member_id, m.name AS member_name, a.member_left, a.detail
		FROM audit_log a LEFT JOIN members m ON m.id = a.member_id
		ORDER BY a.at DESC, a.id DESC
		LIMIT $1 OFFSET $2`
	if err := tx.SelectContext(ctx, &rows, query, limit, max(offset, 0)); err != nil {
		return nil, 0, fmt.Errorf("admin log: %w", err)
	}
	out := make([]bot.AuditEntry, 0, len(rows))
	for _, r := range rows {
		out = append(out, bot.AuditEntry{
			ID: r.ID, At: r.At.UTC(), Action: r.Action,
			Actor:     bot.User{Platform: r.ActorPlatform, ID: r.ActorUserID, Name: r.ActorName},
			ActorName: r.ActorName, MemberID: r.MemberID.Int64, MemberName: r.MemberName.String,
			Left: r.Left, Detail: r.Detail,
		})
	}
	if err := tx.Commit(); err != nil {
		return nil, 0, fmt.Errorf("admin log: commit: %w", err)
	}
	return out, total, nil
}

// forgetInAuditLog takes a member who is leaving out of the admin log:
// entries about them keep that they were about a member, who has left;
// entries where they were the admin keep what was done, but not by whom.
// Their sign-in links and sessions go.
func forgetInAuditLog(ctx context.Context, tx *tx, m *bot.Member) error {
	for _, q := range []struct {
		query string
		args  []any
	}{
		{`UPDATE audit_log SET member_id = NULL, member_left = TRUE WHERE member_id = $1`, []any{m.ID}},
		{`UPDATE audit_log SET actor_platform = '', actor_user_id = '', actor_name = ''
			WHERE actor_platform = $1 AND actor_user_id = $2`, []any{m.Platform, m.UserID}},
		{`DELETE FROM sign_in_links WHERE platform = $1 AND user_id = $2`, []any{m.Platform, m.UserID}},
		{`DELETE FROM admin_sessions WHERE platform = $1 AND user_id = $2`, []any{m.Platform, m.UserID}},
	} {
		if _, err := tx.ExecContext(ctx, q.query, q.args...); err != nil {
			return fmt.Errorf("erase member: admin log: %w", err)
		}
	}
	return nil
}

// MemberByID returns the member with the ID, or ENOTFOUND.
func (db *DB) MemberByID(ctx context.Context, id int64) (*bot.Member, error) {
	const query = `SELECT ` + memberColumns + ` FROM members WHERE id = $1`
	var r memberRow
	if err := db.db.GetContext(ctx, &r, query, id); errors.Is(err, sql.ErrNoRows) {
		return nil, errMemberGone()
	} else if err != nil {
		return nil, fmt.Errorf("member by id: %w", err)
	}
	return r.member()
}

// AdminSetPause pauses a member until they resume, or resumes them, and
// records the admin's entry and queues the notice to the member, all in
// one transaction: the member is told exactly when it happened. Returns
// the member as stored, or ENOTFOUND.
func (db *DB) AdminSetPause(ctx context.Context, memberID int64, paused bool, now time.Time, e bot.AuditEntry, notice *bot.Notice) (*bot.Member, error) {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	const query = `UPDATE members SET paused = $2, paused_until = NULL, updated_at = $3 WHERE id = $1
		RETURNING ` + memberColumns
	var r memberRow
	if err := tx.GetContext(ctx, &r, query, memberID, paused, dbTime(now)); errors.Is(err, sql.ErrNoRows) {
		return nil, errMemberGone()
	} else if err != nil {
		return nil, fmt.Errorf("admin pause: %w", err)
	}
	if err := recordAudit(ctx, tx, e); err != nil {
		return nil, err
	}
	if notice != nil {
		if err := queueNotices(ctx, tx, []bot.Notice{*notice}, now); err != nil {
			return nil, fmt.Errorf("admin pause: %w", err)
		}
	}
	m, err := r.member()
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("admin pause: commit: %w", err)
	}
	return m, nil
}
