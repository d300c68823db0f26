package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// teamRow is a row of teams.
type teamRow struct {
	Platform    string     `db:"platform"`
	TeamID      string     `db:"team_id"`
	Name        string     `db:"name"`
	ChannelID   string     `db:"channel_id"`
	ServiceURL  string     `db:"service_url"`
	TenantID    string     `db:"tenant_id"`
	GreetedAt   *time.Time `db:"greeted_at"`
	InstalledAt time.Time  `db:"installed_at"`
}

// SaveTeam records a team that added the bot, or refreshes its name,
// channel, service URL and tenant; empty fields of t keep what is stored.
// It keeps GreetedAt, and the first InstalledAt (the database's clock when
// t's is zero). Returns EINVALID without a platform or team ID.
func (db *DB) SaveTeam(ctx context.Context, t bot.Team) error {
	if t.Platform == "" || t.TeamID == "" {
		return bot.Errorf(bot.EINVALID, "a team needs a platform and a team ID")
	}
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	installed := tx.now
	if !t.InstalledAt.IsZero() {
		installed = dbTime(t.InstalledAt)
	}
	const upsert = `INSERT INTO teams (platform, team_id, name, channel_id, service_url, tenant_id, installed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (platform, team_id) DO UPDATE SET
			name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE teams.name END,
			channel_id = CASE WHEN excluded.channel_id <> '' THEN excluded.channel_id ELSE teams.channel_id END,
			service_url = CASE WHEN excluded.service_url <> '' THEN excluded.service_url ELSE teams.service_url END,
			tenant_id = CASE WHEN excluded.tenant_id <> '' THEN excluded.tenant_id ELSE teams.tenant_id END`
	if _, err := tx.ExecContext(ctx, upsert, t.Platform, t.TeamID, t.Name, t.ChannelID, t.ServiceURL, t.TenantID, installed); err != nil {
		return fmt.Errorf("save team: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save team: commit: %w", err)
	}
	return nil
}

// ClaimGreeting records at now that the team's welcome is being posted,
// and reports whether this call is the first to claim it: of any number
// of callers at once, on any replica, exactly one gets true. Returns
// ENOTFOUND for a team not saved.
func (db *DB) ClaimGreeting(ctx context.Context, platform, teamID string, now time.Time) (bool, error) {
	tx, err := db.begin(ctx, false)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	// The condition is checked again under the row's lock (PostgreSQL)
	// or the database's write lock (SQLite), so a second caller finds
	// greeted_at set and changes nothing.
	res, err := tx.ExecContext(ctx, `UPDATE teams SET greeted_at = $3
		WHERE platform = $1 AND team_id = $2 AND greeted_at IS NULL`, platform, teamID, dbTime(now))
	if err != nil {
		return false, fmt.Errorf("claim greeting: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim greeting: %w", err)
	}
	if n == 0 {
		var exists int
		err := tx.GetContext(ctx, &exists, `SELECT 1 FROM teams WHERE platform = $1 AND team_id = $2`, platform, teamID)
		if errors.Is(err, sql.ErrNoRows) {
			return false, bot.ErrAbout(bot.ENOTFOUND, aboutTeam)
		} else if err != nil {
			return false, fmt.Errorf("claim greeting: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("claim greeting: commit: %w", err)
	}
	return n == 1, nil
}

// FindTeam returns a team, or ENOTFOUND.
func (db *DB) FindTeam(ctx context.Context, platform, teamID string) (*bot.Team, error) {
	var r teamRow
	const query = `SELECT platform, team_id, name, channel_id, service_url, tenant_id, greeted_at, installed_at
		FROM teams WHERE platform = $1 AND team_id = $2`
	err := db.db.GetContext(ctx, &r, query, platform, teamID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bot.ErrAbout(bot.ENOTFOUND, aboutTeam)
	} else if err != nil {
		return nil, fmt.Errorf("find team: %w", err)
	}
	return &bot.Team{Platform: r.Platform, TeamID: r.TeamID, Name: r.Name, ChannelID: r.ChannelID,
		ServiceURL: r.ServiceURL, TenantID: r.TenantID, GreetedAt: utcPtr(r.GreetedAt), InstalledAt: r.InstalledAt.UTC()}, nil
}

// ListTeams returns the platform's teams that have the bot, oldest
// install first.
func (db *DB) ListTeams(ctx context.Context, platform string) ([]bot.Team, error) {
	var rows []teamRow
	const query = `SELECT platform, team_id, name, channel_id, service_url, tenant_id, greeted_at, installed_at
		FROM teams WHERE platform = $1 ORDER BY installed_at, team_id`
	if err := db.db.SelectContext(ctx, &rows, query, platform); err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	out := make([]bot.Team, 0, len(rows))
	for _, r := range rows {
		out = append(out, bot.Team{Platform: r.Platform, TeamID: r.TeamID, Name: r.Name, ChannelID: r.ChannelID,
			ServiceURL: r.ServiceURL, TenantID: r.TenantID, GreetedAt: utcPtr(r.GreetedAt), InstalledAt: r.InstalledAt.UTC()})
	}
	return out, nil
}

// RemoveTeam forgets a team that removed the bot; a team not saved is no
// error. Added again, it is greeted again.
func (db *DB) RemoveTeam(ctx context.Context, platform, teamID string) error {
	if _, err := db.db.ExecContext(ctx, `DELETE FROM teams WHERE platform = $1 AND team_id = $2`, platform, teamID); err != nil {
		return fmt.Errorf("remove team: %w", err)
	}
	return nil
}

// SetAnnounceChannel records where a platform's meetups are announced,
// replacing the platform's earlier choice.
func (db *DB) SetAnnounceChannel(ctx context.Context, platform, channelID, serviceURL string, now time.Time) error {
	if platform == "" || channelID == "" {
		return bot.Errorf(bot.EINVALID, "an announce channel needs a platform and a channel ID")
	}
	const upsert = `INSERT INTO announce_channels (platform, channel_id, service_url, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (platform) DO UPDATE SET channel_id = excluded.channel_id, service_url = excluded.service_url,
			updated_at = excluded.updated_at`
	if _, err := db.db.ExecContext(ctx, upsert, platform, channelID, serviceURL, dbTime(now)); err != nil {
		return fmt.Errorf("set announce channel: %w", err)
	}
	return nil
}

// AnnounceChannel returns where a platform's meetups are announced, or
// ENOTFOUND when none has been chosen.
func (db *DB) AnnounceChannel(ctx context.Context, platform string) (channelID, serviceURL string, err error) {
	var r struct {
		ChannelID  string `db:"channel_id"`
		ServiceURL string `db:"service_url"`
	}
	err = db.db.GetContext(ctx, &r, `SELECT channel_id, service_url FROM announce_channels WHERE platform = $1`, platform)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", bot.ErrAbout(bot.ENOTFOUND, aboutAnnounceChannel)
	} else if err != nil {
		return "", "", fmt.Errorf("announce channel: %w", err)
	}
	return r.ChannelID, r.ServiceURL, nil
}

// utcPtr is an optional time read back, in UTC.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
