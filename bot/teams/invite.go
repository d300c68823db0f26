package teams

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// InviteNonMembers sends m, the invitation, to each person in a team that
// has Rapport who has not joined, in a personal chat the bot opens with
// them: once per person, ever, on any replica, however many times an
// admin invites. What is kept about them is what ClaimInvitation keeps
// (their Teams ID and when they were invited); the team rosters are read
// afresh each time. It returns how many were invited now.
//
// The claim is made before the message goes. When sending then fails,
// the person is not invited again: an invitation lost is better than one
// sent twice. A failure that would fail for everyone after (Teams
// throttling or refusing the bot, the service down, ctx ending) stops the
// run at once, so it costs at most the one invitation on its way.
func (b *board) InviteNonMembers(ctx context.Context, m *bot.Message) (int, error) {
	a := b.a
	teams, err := a.store.ListTeams(ctx, Platform)
	if err != nil {
		return 0, err
	}
	seen, sent := map[string]bool{}, 0
	for _, t := range teams {
		token := ""
		for {
			page, err := a.conn.PagedMembers(ctx, t.ServiceURL, t.TeamID, rosterPageSize, token)
			if err != nil {
				var ce *ConnectorError
				if errors.As(err, &ce) && (ce.Blocked() || ce.Status == http.StatusNotFound) {
					// The team removed Rapport and Teams has not said so yet.
					a.log.Warn("could not read a team's roster to invite", "err", err)
					break
				}
				return sent, fmt.Errorf("reading a team's roster: %w", err)
			}
			for _, p := range page.Members {
				if seen[p.ID] || !invitable(p) {
					continue
				}
				seen[p.ID] = true
				if err := ctx.Err(); err != nil {
					return sent, err
				}
				ok, err := a.inviteOne(ctx, t, p, m)
				if err != nil {
					return sent, err
				}
				if ok {
					sent++
				}
			}
			if page.ContinuationToken == "" {
				break
			}
			token = page.ContinuationToken
		}
	}
	a.log.Info("sent personal invitations", "teams", len(teams), "invited", sent)
	return sent, nil
}

// invitable reports whether a team member is a person the bot may write
// to: a Teams user, not a bot or an anonymous guest.
func invitable(p schema.TeamsChannelAccount) bool {
	return strings.HasPrefix(p.ID, "29:") && p.UserRole != "anonymous"
}

// inviteOne invites one person of team t, unless they have joined or were
// invited before. It reports whether the invitation went; an error means
// the run should stop.
func (a *Adapter) inviteOne(ctx context.Context, t bot.Team, p schema.TeamsChannelAccount, m *bot.Message) (bool, error) {
	_, err := a.store.FindMember(ctx, Platform, p.ID)
	if err == nil {
		return false, nil
	} else if bot.ErrorCode(err) != bot.ENOTFOUND {
		return false, err
	}
	first, err := a.store.ClaimInvitation(ctx, Platform, p.ID, a.now())
	if err != nil || !first {
		return false, err
	}
	tenant := firstOf(p.TenantID, t.TenantID, a.tenantID)
	res, err := a.conn.CreateConversation(ctx, t.ServiceURL, &schema.ConversationParameters{
		Bot:         &schema.ChannelAccount{ID: a.botID},
		Members:     []schema.ChannelAccount{{ID: p.ID}},
		TenantID:    tenant,
		ChannelData: &schema.ChannelData{Tenant: &schema.TenantInfo{ID: tenant}},
	})
	if err == nil {
		serviceURL := firstOf(res.ServiceURL, t.ServiceURL)
		for _, card := range messageCards(m) {
			if _, err = a.conn.Send(ctx, serviceURL, res.ID, cardActivity(card, m)); err != nil {
				break
			}
		}
	}
	if err == nil {
		return true, nil
	}
	if stopsInviting(err) {
		return false, fmt.Errorf("inviting: %w", err)
	}
	// This one person cannot be reached (they blocked the bot, or Teams
	// does not know them): the others may still be.
	a.log.Warn("could not send a personal invitation", "err", err)
	return false, nil
}

// stopsInviting reports whether a failure to invite one person would
// fail the rest too.
func stopsInviting(err error) bool {
	var ce *ConnectorError
	if !errors.As(err, &ce) {
		// No answer from Teams, a refused token or ctx ending.
		return true
	}
	return ce.Retryable() || ce.Status == http.StatusUnauthorized
}

var _ bot.TeamInviter = (*board)(nil)
