package bot

import (
	"context"
	"fmt"
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

// inviteBoard is where the admin's platform posts an invitation: the
// board meetups are announced on, or nil when there is none.
func (c *Chat) inviteBoard(platform string) *MeetupBoard {
	if c.Meetups == nil {
		return nil
	}
	return c.Meetups.board(platform)
}

// inviteCommand answers "admin invite": a confirmation, then the
// invitation.
func (c *Chat) inviteCommand(ctx context.Context, u User) *Reply {
	if !c.isAdmin(u) {
		return refused(Answer("Only network admins can use ", Cmd("admin invite"), "."))
	}
	b := c.inviteBoard(u.Platform)
	if b == nil {
		return refused(AnswerWith(inviteNotSetUpMessage(u.Platform)))
	}
	_, team := b.Board.(TeamInviter)
	return AnswerWith(inviteConfirmMessage(b.Channel, team))
}

// inviteAction answers the invitation's confirmation buttons. The admin
// check comes first, again: a confirm button can be forged.
func (c *Chat) inviteAction(ctx context.Context, u User, action, value string) *Reply {
	switch action {
	case ActionInviteCancel:
		return Replacing("Nothing was posted.")
	case ActionInviteConfirm:
	default:
		return nil
	}
	if !c.isAdmin(u) {
		c.log().Warn("invitation confirmed by someone who is not an admin", "platform", u.Platform, "user", u.ID)
		return refused(Replacing("Only network admins can use ", Cmd("admin invite"), "."))
	}
	b := c.inviteBoard(u.Platform)
	if b == nil {
		return refused(&Reply{Answer: inviteNotSetUpMessage(u.Platform), Replace: true})
	}
	r := Replacing("Posting the invitation…")
	r.Later = func(ctx context.Context) *Reply {
		return c.postInvitation(ctx, u, *b)
	}
	return r
}

// postInvitation posts the invitation on the board and, where the board
// can, invites each person of the team who has not joined; it records
// what was done in the admin log.
func (c *Chat) postInvitation(ctx context.Context, u User, b MeetupBoard) *Reply {
	channelID, _, err := b.Board.Post(ctx, b.Channel, invitationMessage())
	if err != nil {
		c.log().Error("could not post an invitation", "platform", u.Platform, "err", err)
		return ourFailure(&Reply{Answer: invitePostFailedMessage(u.Platform, b.Channel), Replace: true})
	}
	c.log().Info("invitation posted", "platform", u.Platform, "user", u.ID)
	ti, team := b.Board.(TeamInviter)
	invited := 0
	var inviteErr error
	if team {
		invited, inviteErr = ti.InviteNonMembers(ctx, personalInvitationMessage())
		if inviteErr != nil {
			c.log().Error("could not send every personal invitation", "platform", u.Platform, "invited", invited, "err", inviteErr)
		}
	}
	if c.Admin != nil {
		detail := "posted in " + channelID
		if team {
			detail += fmt.Sprintf("; %d personal invitations", invited)
		}
		c.Admin.Record(ctx, u, AuditInvite, 0, detail)
	}
	r := &Reply{Answer: invitePostedMessage(channelID, team, invited, inviteErr != nil), Replace: true}
	if inviteErr != nil {
		return ourFailure(r)
	}
	return r
}
