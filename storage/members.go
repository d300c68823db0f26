package storage

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/rapport-pcn/rapport/bot"
)

// errNotJoined says the person acting has not joined; bot puts it into
// words.
func errNotJoined() error {
	return bot.ErrAbout(bot.ENOTFOUND, bot.AboutMember)
}

// FindMember returns the member with the platform user ID, or ENOTFOUND.
func (db *DB) FindMember(ctx context.Context, platform, userID string) (*bot.Member, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	m, err := findMember(ctx, tx, platform, userID)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("find member: commit: %w", err)
	}
	return m, nil
}

// SaveMember inserts the member, or updates the name, profile and status of
// the member with the same platform and user ID, keeping their ID, join
// time and pause. A new member's pause is taken from m. Afterwards m is as
// stored: ID, JoinedAt, UpdatedAt and the pause come from the row, and
// empty topic lists are nil. An empty Status means StatusActive. A member
// of an organisation whose sector an admin has set (SetOrganisationSector)
// is stored with that sector, whatever m's profile says; one of an
// organisation without a sector keeps their own.
func (db *DB) SaveMember(ctx context.Context, m *bot.Member) error {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	stored, err := saveMember(ctx, tx, m)
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save member: commit: %w", err)
	}
	*m = *stored
	return nil
}

// SetPause pauses or resumes the member and returns them as stored, or
// ENOTFOUND. until is nil for an indefinite pause and ignored when paused
// is false.
func (db *DB) SetPause(ctx context.Context, platform, userID string, paused bool, until *time.Time, now time.Time) (*bot.Member, error) {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	m, err := setPause(ctx, tx, platform, userID, paused, until, now)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("set pause: commit: %w", err)
	}
	return m, nil
}

// DeleteMember erases the member and everything stored about them, or
// returns ENOTFOUND. The intros they were part of stay for the others in
// them, with their place shown as a member who has left (see eraseMember).
// On SQLite, nothing of theirs is left in the data directory once it
// returns.
func (db *DB) DeleteMember(ctx context.Context, platform, userID string) error {
	_, err := db.erase(ctx, platform, userID, nil)
	return err
}

// memberColumns are the members columns in memberRow's order, for SELECT
// and RETURNING.
const memberColumns = `id, platform, user_id, name, first_name, organisation_id, organisation, sector, role, career_stage,
	interests, offers, asks, frequency, mentoring, meeting, bio, status,
	paused, paused_until, joined_at, updated_at, listed`

// memberRow is a row of members as the databases hold it.
type memberRow struct {
	ID           int64      `db:"id"`
	Platform     string     `db:"platform"`
	UserID       string     `db:"user_id"`
	Name         string     `db:"name"`
	Organisation string     `db:"organisation"`
	Sector       string     `db:"sector"`
	Role         string     `db:"role"`
	CareerStage  string     `db:"career_stage"`
	Interests    string     `db:"interests"` // JSON array
	Offers       string     `db:"offers"`    // JSON array
	Asks         string     `db:"asks"`      // JSON array
	Frequency    string     `db:"frequency"`
	Mentoring    string     `db:"mentoring"`
	Meeting      string     `db:"meeting"`
	Bio          string     `db:"bio"`
	Status       string     `db:"status"`
	Paused       bool       `db:"paused"`
	PausedUntil  *time.Time `db:"paused_until"`
	JoinedAt     time.Time  `db:"joined_at"`
	UpdatedAt    time.Time  `db:"updated_at"`

	FirstName string `db:"first_name"`
	Listed    bool   `db:"listed"`
	// FoldedName is the name as the directory orders it (bot.FoldText),
	// and FoldedVersion the folding rules it and the member's topics were
	// written with; they are written, never read back.
	FoldedName    string `db:"folded_name"`
	FoldedVersion int    `db:"folded_version"`
	// OrganisationID is the member's organisation; Organisation is its
	// name, kept in step with it.
	OrganisationID *int64 `db:"organisation_id"`
}

func newMemberRow(m *bot.Member, now time.Time) (*memberRow, error) {
	r := &memberRow{
		Platform: m.Platform, UserID: m.UserID, Name: m.Name, FirstName: m.FirstName,
		Listed: m.Profile.Listed, FoldedName: bot.FoldText(m.Name), FoldedVersion: foldVersion,
		Organisation: m.Profile.Organisation, Sector: m.Profile.Sector,
		Role: m.Profile.Role, CareerStage: m.Profile.CareerStage,
		Frequency: m.Profile.Frequency, Mentoring: m.Profile.Mentoring,
		Meeting: m.Profile.Meeting, Bio: m.Profile.Bio,
		Status: cmp.Or(m.Status, bot.StatusActive),
		Paused: m.Paused, PausedUntil: dbTimePtr(m.PausedUntil),
		JoinedAt: now, UpdatedAt: now,
	}
	var err error
	if r.Interests, err = encodeTopics(m.Profile.Interests); err != nil {
		return nil, err
	}
	if r.Offers, err = encodeTopics(m.Profile.Offers); err != nil {
		return nil, err
	}
	if r.Asks, err = encodeTopics(m.Profile.Asks); err != nil {
		return nil, err
	}
	if !r.Paused {
		r.PausedUntil = nil
	}
	return r, nil
}

// member converts the row. Times are made UTC here because lib/pq returns
// timestamptz in the session's time zone.
func (r *memberRow) member() (*bot.Member, error) {
	m := &bot.Member{
		ID: r.ID, Platform: r.Platform, UserID: r.UserID, Name: r.Name, FirstName: r.FirstName,
		Profile: bot.Profile{
			Organisation: r.Organisation, Sector: r.Sector, Role: r.Role,
			CareerStage: r.CareerStage, Frequency: r.Frequency,
			Mentoring: r.Mentoring, Meeting: r.Meeting, Bio: r.Bio,
			Listed: r.Listed,
		},
		Status:    r.Status,
		Paused:    r.Paused,
		JoinedAt:  r.JoinedAt.UTC(),
		UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.PausedUntil != nil {
		until := r.PausedUntil.UTC()
		m.PausedUntil = &until
	}
	var err error
	if m.Profile.Interests, err = decodeTopics(r.Interests); err != nil {
		return nil, fmt.Errorf("member %d: interests: %w", r.ID, err)
	}
	if m.Profile.Offers, err = decodeTopics(r.Offers); err != nil {
		return nil, fmt.Errorf("member %d: offers: %w", r.ID, err)
	}
	if m.Profile.Asks, err = decodeTopics(r.Asks); err != nil {
		return nil, fmt.Errorf("member %d: asks: %w", r.ID, err)
	}
	return m, nil
}

// encodeTopics stores a topic list as a JSON array, "[]" rather than "null"
// when empty, so that SQL over the column never meets a null.
func encodeTopics(topics []string) (string, error) {
	if len(topics) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(topics)
	if err != nil {
		return "", fmt.Errorf("encode topics: %w", err)
	}
	return string(b), nil
}

// decodeTopics reads a JSON array; an empty one gives nil, as the bot's
// validation does for no topics, so a profile reads back as it was saved.
func decodeTopics(s string) ([]string, error) {
	var topics []string
	if err := json.Unmarshal([]byte(s), &topics); err != nil {
		return nil, err
	}
	if len(topics) == 0 {
		return nil, nil
	}
	return topics, nil
}

func findMember(ctx context.Context, tx *tx, platform, userID string) (*bot.Member, error) {
	const query = `SELECT ` + memberColumns + `
		FROM members
		WHERE platform = $1 AND user_id = $2`
	var r memberRow
	if err := tx.GetContext(ctx, &r, query, platform, userID); errors.Is(err, sql.ErrNoRows) {
		return nil, errNotJoined()
	} else if err != nil {
		return nil, fmt.Errorf("find member: %w", err)
	}
	return r.member()
}

func saveMember(ctx context.Context, tx *tx, m *bot.Member) (*bot.Member, error) {
	// The upsert leaves id, joined_at, paused and paused_until alone on
	// conflict: a returning member keeps their history and their break.
	const query = `INSERT INTO members (platform, user_id, name, first_name, organisation_id, organisation, sector,
			role, career_stage, interests, offers, asks, frequency, mentoring, meeting,
			bio, status, paused, paused_until, joined_at, updated_at, listed, folded_name, folded_version)
		VALUES (:platform, :user_id, :name, :first_name, :organisation_id, :organisation, :sector,
			:role, :career_stage, :interests, :offers, :asks, :frequency, :mentoring, :meeting,
			:bio, :status, :paused, :paused_until, :joined_at, :updated_at, :listed, :folded_name, :folded_version)
		ON CONFLICT (platform, user_id) DO UPDATE SET
			name = excluded.name,
			first_name = excluded.first_name,
			organisation_id = excluded.organisation_id,
			organisation = excluded.organisation,
			sector = excluded.sector,
			role = excluded.role,
			career_stage = excluded.career_stage,
			interests = excluded.interests,
			offers = excluded.offers,
			asks = excluded.asks,
			frequency = excluded.frequency,
			mentoring = excluded.mentoring,
			meeting = excluded.meeting,
			bio = excluded.bio,
			status = excluded.status,
			updated_at = excluded.updated_at,
			listed = excluded.listed,
			folded_name = excluded.folded_name,
			folded_version = excluded.folded_version
		RETURNING ` + memberColumns
	in, err := newMemberRow(m, tx.now)
	if err != nil {
		return nil, fmt.Errorf("save member: %w", err)
	}
	// The profile names the organisation; the row refers to it, under the
	// name it goes by.
	if in.OrganisationID, in.Organisation, err = memberOrganisation(ctx, tx, in.Organisation); err != nil {
		return nil, err
	}
	// An organisation the admin has given a sector decides the member's:
	// "Northfield Pharmacy" is community pharmacy whatever was ticked.
	// It is read in this transaction, so a sector the admin changes at
	// the same moment is either wholly before the save or wholly after.
	if in.OrganisationID != nil {
		var sector string
		if err := tx.GetContext(ctx, &sector, `SELECT sector FROM organisations WHERE id = $1`, *in.OrganisationID); err != nil {
			return nil, fmt.Errorf("save member: organisation's sector: %w", err)
		}
		if sector != "" {
			in.Sector = sector
		}
	}
	q, args, err := tx.BindNamed(query, in)
	if err != nil {
		return nil, fmt.Errorf("save member: %w", err)
	}
	var out memberRow
	if err := tx.QueryRowxContext(ctx, q, args...).StructScan(&out); err != nil {
		return nil, fmt.Errorf("save member: %w", err)
	}
	// The organisation they typed before may now be nobody's.
	if err := pruneOrganisations(ctx, tx); err != nil {
		return nil, err
	}
	stored, err := out.member()
	if err != nil {
		return nil, err
	}
	// The directory finds them by their topics as they are now.
	if err := writeDirectory(ctx, tx, []*bot.Member{stored}); err != nil {
		return nil, fmt.Errorf("save member: %w", err)
	}
	return stored, nil
}

func setPause(ctx context.Context, tx *tx, platform, userID string, paused bool, until *time.Time, now time.Time) (*bot.Member, error) {
	const query = `UPDATE members
		SET paused = $3, paused_until = $4, updated_at = $5
		WHERE platform = $1 AND user_id = $2
		RETURNING ` + memberColumns
	if !paused {
		until = nil
	}
	var r memberRow
	err := tx.GetContext(ctx, &r, query, platform, userID, paused, dbTimePtr(until), dbTime(now))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotJoined()
	} else if err != nil {
		return nil, fmt.Errorf("set pause: %w", err)
	}
	return r.member()
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
