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

// Subjects of the errors this file and teams.go return. The Teams adapter
// handles them itself; no person reads them.
const (
	aboutAccount         bot.Subject = "account"
	aboutTeam            bot.Subject = "team"
	aboutAnnounceChannel bot.Subject = "announce_channel"
)

// accountLookupBatch bounds the user IDs in one query, well below the
// parameter limits of both databases.
const accountLookupBatch = 500

// accountRow is a row of accounts.
type accountRow struct {
	Platform       string    `db:"platform"`
	UserID         string    `db:"user_id"`
	ObjectID       string    `db:"object_id"`
	PrincipalName  string    `db:"principal_name"`
	TenantID       string    `db:"tenant_id"`
	ServiceURL     string    `db:"service_url"`
	ConversationID string    `db:"conversation_id"`
	UpdatedAt      time.Time `db:"updated_at"`
}

const accountColumns = `platform, user_id, object_id, principal_name, tenant_id, service_url, conversation_id, updated_at`

func (r accountRow) account() bot.Account {
	return bot.Account{Platform: r.Platform, UserID: r.UserID, ObjectID: r.ObjectID, PrincipalName: r.PrincipalName,
		TenantID: r.TenantID, ServiceURL: r.ServiceURL, ConversationID: r.ConversationID, UpdatedAt: r.UpdatedAt.UTC()}
}

// SaveAccount records what the platform told of a user, by platform and
// user ID. Empty fields of a keep what is stored. a.UpdatedAt stamps the
// row (the database's clock when it is zero); the retention sweep deletes
// the accounts of people who never joined once that is older than the
// retention period. Returns EINVALID without a platform or user ID.
func (db *DB) SaveAccount(ctx context.Context, a bot.Account) error {
	if a.Platform == "" || a.UserID == "" {
		return bot.Errorf(bot.EINVALID, "an account needs a platform and a user ID")
	}
	tx, err := db.begin(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	at := tx.now
	if !a.UpdatedAt.IsZero() {
		at = dbTime(a.UpdatedAt)
	}
	const upsert = `INSERT INTO accounts (` + accountColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (platform, user_id) DO UPDATE SET
			object_id = CASE WHEN excluded.object_id <> '' THEN excluded.object_id ELSE accounts.object_id END,
			principal_name = CASE WHEN excluded.principal_name <> '' THEN excluded.principal_name ELSE accounts.principal_name END,
			tenant_id = CASE WHEN excluded.tenant_id <> '' THEN excluded.tenant_id ELSE accounts.tenant_id END,
			service_url = CASE WHEN excluded.service_url <> '' THEN excluded.service_url ELSE accounts.service_url END,
			conversation_id = CASE WHEN excluded.conversation_id <> '' THEN excluded.conversation_id ELSE accounts.conversation_id END,
			updated_at = excluded.updated_at`
	if _, err := tx.ExecContext(ctx, upsert, a.Platform, a.UserID, a.ObjectID, a.PrincipalName, a.TenantID,
		a.ServiceURL, a.ConversationID, at); err != nil {
		return fmt.Errorf("save account: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save account: commit: %w", err)
	}
	return nil
}

func findAccount(ctx context.Context, tx *tx, platform, userID string) (*bot.Account, error) {
	var r accountRow
	err := tx.GetContext(ctx, &r, `SELECT `+accountColumns+` FROM accounts WHERE platform = $1 AND user_id = $2`, platform, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bot.ErrAbout(bot.ENOTFOUND, aboutAccount)
	} else if err != nil {
		return nil, fmt.Errorf("find account: %w", err)
	}
	a := r.account()
	return &a, nil
}

// FindAccount returns a user's account, or ENOTFOUND.
func (db *DB) FindAccount(ctx context.Context, platform, userID string) (*bot.Account, error) {
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	a, err := findAccount(ctx, tx, platform, userID)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("find account: commit: %w", err)
	}
	return a, nil
}

// FindAccounts returns the accounts of those of the users that have one,
// by user ID. Users without one are missing from the map.
func (db *DB) FindAccounts(ctx context.Context, platform string, userIDs []string) (map[string]bot.Account, error) {
	out := make(map[string]bot.Account, len(userIDs))
	if len(userIDs) == 0 {
		return out, nil
	}
	tx, err := db.begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	for start := 0; start < len(userIDs); start += accountLookupBatch {
		batch := userIDs[start:min(start+accountLookupBatch, len(userIDs))]
		query, args, err := sqlx.In(`SELECT `+accountColumns+` FROM accounts WHERE platform = ? AND user_id IN (?)`, platform, batch)
		if err != nil {
			return nil, fmt.Errorf("find accounts: %w", err)
		}
		var rows []accountRow
		if err := tx.SelectContext(ctx, &rows, tx.Rebind(query), args...); err != nil {
			return nil, fmt.Errorf("find accounts: %w", err)
		}
		for _, r := range rows {
			out[r.UserID] = r.account()
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("find accounts: commit: %w", err)
	}
	return out, nil
}
