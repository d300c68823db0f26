package bot

import (
	"context"
	"time"
)

// Action IDs of the invitation's confirmation.
const (
	ActionInviteConfirm = "invite_confirm"
	ActionInviteCancel  = "invite_cancel"
)

// TeamInviter is a Board that can also invite, each by a message of
// their own, the people of its team who have not joined (Teams): each
// person is invited once, ever. It returns how many were invited now.
type TeamInviter interface {
	InviteNonMembers(ctx context.Context, m *Message) (int, error)
}

// InviteStore remembers who was invited personally, keeping nothing else
// about people who have not joined.
type InviteStore interface {
	// ClaimInvitation records that the platform user is being invited and
	// reports whether this is the first time. The record is erased after
	// the retention period (DeleteHistory).
	ClaimInvitation(ctx context.Context, platform, userID string, now time.Time) (bool, error)
}

// inviteCommand answers "admin invite": a confirmation, then the
// invitation.
func (c *Chat) inviteCommand(ctx context.Context, u User) *Reply {
	return Answer("Invitations are not ready yet.")
}

// inviteAction answers the invitation's confirmation buttons.
func (c *Chat) inviteAction(ctx context.Context, u User, action, value string) *Reply {
	return nil
}
