package teams

import (
	"context"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// Store is what the Teams adapter keeps in the database, where every
// replica behind a load balancer sees it.
type Store interface {
	// ClaimEnvelope records an inbound activity's ID and reports whether
	// this is its first delivery to any replica.
	ClaimEnvelope(ctx context.Context, id string, now time.Time) (bool, error)

	// SaveAccount records what Teams told us of a user, by platform and
	// user ID. Empty fields of a keep what is stored.
	SaveAccount(ctx context.Context, a bot.Account) error
	// FindAccount returns a user's account. Returns ENOTFOUND.
	FindAccount(ctx context.Context, platform, userID string) (*bot.Account, error)
	// FindAccounts returns the accounts of those of the users that have
	// one, by user ID.
	FindAccounts(ctx context.Context, platform string, userIDs []string) (map[string]bot.Account, error)

	// SaveTeam records a team that added the bot, or refreshes its name,
	// channel and service URL; it keeps GreetedAt.
	SaveTeam(ctx context.Context, t bot.Team) error
	// ClaimGreeting records that the team's welcome is being posted and
	// reports whether this call is the first to claim it. Returns
	// ENOTFOUND for a team not saved.
	ClaimGreeting(ctx context.Context, platform, teamID string, now time.Time) (bool, error)
	// FindTeam returns a team. Returns ENOTFOUND.
	FindTeam(ctx context.Context, platform, teamID string) (*bot.Team, error)
	// RemoveTeam forgets a team that removed the bot.
	RemoveTeam(ctx context.Context, platform, teamID string) error
	// ListTeams returns the platform's teams that have the bot.
	ListTeams(ctx context.Context, platform string) ([]bot.Team, error)

	// FindMember returns the member with the platform user ID. Returns
	// ENOTFOUND for someone who has not joined.
	FindMember(ctx context.Context, platform, userID string) (*bot.Member, error)
	// ClaimInvitation records that someone who has not joined is being
	// invited personally, and reports whether this is the first time.
	bot.InviteStore

	// SetAnnounceChannel records where a platform's meetups are announced.
	SetAnnounceChannel(ctx context.Context, platform, channelID, serviceURL string, now time.Time) error
	// AnnounceChannel returns where a platform's meetups are announced.
	// Returns ENOTFOUND when none has been chosen.
	AnnounceChannel(ctx context.Context, platform string) (channelID, serviceURL string, err error)

	// RecordCopy records one copy of a message as sent to one person.
	RecordCopy(ctx context.Context, c bot.SentCopy) error
	// Copies returns the copies sent of a message, oldest first.
	Copies(ctx context.Context, platform, kind string, tag int64) ([]bot.SentCopy, error)
}
