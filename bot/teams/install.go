package teams

import (
	"context"
	"strings"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// rosterPageSize is how many members a roster page asks for (Teams'
// largest page).
const rosterPageSize = 500

// onConversationUpdate handles the bot or people joining or leaving a
// conversation: a personal install, a team install, new team members.
func (a *Adapter) onConversationUpdate(ctx context.Context, act *schema.Activity) func(context.Context) {
	botAdded, botRemoved := false, false
	var added []schema.ChannelAccount
	for _, m := range act.MembersAdded {
		if a.isBot(act, m.ID) {
			botAdded = true
		} else {
			added = append(added, m)
		}
	}
	for _, m := range act.MembersRemoved {
		if a.isBot(act, m.ID) {
			botRemoved = true
		}
	}
	team := teamOf(act)
	deleted := act.ChannelData != nil && act.ChannelData.EventType == "teamDeleted"
	switch {
	case (botRemoved || deleted) && team != nil:
		return a.uninstallTeam(ctx, team)
	case botAdded && team != nil:
		return a.installTeam(ctx, act, team)
	case botAdded && isPersonal(act):
		return a.installPersonal(ctx, act)
	case team != nil && len(added) > 0:
		// New members of a team the bot is in: remember how to reach them.
		for _, m := range added {
			a.saveRosterMember(ctx, act.ServiceURL, schema.TeamsChannelAccount{ID: m.ID, ObjectID: m.AADObjectID, TenantID: tenantOf(act)})
		}
	}
	return nil
}

// onInstallationUpdate handles Teams' other notice of an install, which
// comes as well as the conversationUpdate: whichever comes first greets,
// the other finds the greeting claimed.
func (a *Adapter) onInstallationUpdate(ctx context.Context, act *schema.Activity) func(context.Context) {
	team := teamOf(act)
	switch {
	case strings.HasPrefix(act.Action, "remove") && team != nil:
		return a.uninstallTeam(ctx, team)
	case strings.HasPrefix(act.Action, "add") && team != nil:
		return a.installTeam(ctx, act, team)
	case strings.HasPrefix(act.Action, "add") && isPersonal(act):
		return a.installPersonal(ctx, act)
	}
	return nil
}

func (a *Adapter) isBot(act *schema.Activity, id string) bool {
	return id == a.botID || (act.Recipient != nil && id == act.Recipient.ID)
}

func teamOf(act *schema.Activity) *schema.TeamInfo {
	if act.ChannelData != nil && act.ChannelData.Team != nil && act.ChannelData.Team.ID != "" {
		return act.ChannelData.Team
	}
	return nil
}

func isPersonal(act *schema.Activity) bool {
	return act.Conversation != nil && act.Conversation.ConversationType == schema.ConversationPersonal
}

// installPersonal greets someone who added Rapport for themselves, once,
// with their home: what Rapport is and a Join button for someone who has
// not joined, their summary for a member (who may be adding it again).
func (a *Adapter) installPersonal(ctx context.Context, act *schema.Activity) func(context.Context) {
	acct := a.remember(ctx, act)
	u := a.installer(act, acct)
	first, err := a.store.ClaimEnvelope(ctx, "teams-welcome:"+act.Conversation.ID, a.now())
	if err != nil {
		a.log.Warn("could not claim a welcome; greeting anyway", "err", err)
		first = true
	}
	if !first {
		return nil
	}
	a.log.Info("Rapport added in a personal chat")
	serviceURL, conversation := act.ServiceURL, act.Conversation.ID
	return func(ctx context.Context) {
		msg := a.chat.Home(ctx, u)
		if msg == nil {
			msg = bot.WelcomeMessage()
		}
		for _, card := range messageCards(msg) {
			if _, err := a.conn.Send(ctx, serviceURL, conversation, cardActivity(card, msg)); err != nil {
				a.log.Error("could not send the welcome", "err", err)
				return
			}
		}
	}
}

// installer is the person who added Rapport for themselves: the sender
// of the install's notice, or else the person it names as added.
func (a *Adapter) installer(act *schema.Activity, acct *bot.Account) bot.User {
	if act.From != nil && strings.HasPrefix(act.From.ID, "29:") {
		return a.user(act, acct)
	}
	for _, m := range act.MembersAdded {
		if strings.HasPrefix(m.ID, "29:") {
			from := *act
			from.From = &schema.ChannelAccount{ID: m.ID, Name: m.Name, AADObjectID: m.AADObjectID}
			return a.user(&from, nil)
		}
	}
	return a.user(act, acct)
}

// installTeam records a team that added Rapport, posts a short welcome
// in the channel chosen (once, however many notices of the install
// arrive), and reads the roster so that members of the team can be
// reached.
func (a *Adapter) installTeam(ctx context.Context, act *schema.Activity, team *schema.TeamInfo) func(context.Context) {
	channel := team.ID
	if cd := act.ChannelData; cd.Settings != nil && cd.Settings.SelectedChannel != nil && cd.Settings.SelectedChannel.ID != "" {
		channel = cd.Settings.SelectedChannel.ID
	} else if act.Conversation != nil && act.Conversation.ID != "" {
		channel, _, _ = strings.Cut(act.Conversation.ID, ";")
	}
	t := bot.Team{Platform: Platform, TeamID: team.ID, Name: bot.CleanText(team.Name), ChannelID: channel,
		ServiceURL: act.ServiceURL, TenantID: tenantOf(act), InstalledAt: a.now()}
	if err := a.store.SaveTeam(ctx, t); err != nil {
		a.log.Error("could not record a team", "err", err)
		return nil
	}
	first, err := a.store.ClaimGreeting(ctx, Platform, team.ID, a.now())
	if err != nil {
		a.log.Error("could not claim a team's welcome", "err", err)
	}
	a.log.Info("Rapport added to a team", "first", first)
	// Teams tells of an install twice; the roster is read once, by
	// whichever notice greets (or by both when the claim could not be
	// made, since an unread roster leaves members unreachable).
	if !first && err == nil {
		return nil
	}
	return func(ctx context.Context) {
		if first {
			msg := bot.TeamWelcomeMessage()
			for _, card := range messageCards(msg) {
				if _, err := a.conn.Send(ctx, t.ServiceURL, channel, cardActivity(card, msg)); err != nil {
					a.log.Error("could not post the team welcome", "err", err)
					break
				}
			}
		}
		a.readRoster(ctx, t)
	}
}

// readRoster reads a team's members page by page and keeps what reaching
// each one needs: IDs, sign-in name, tenant and service URL.
func (a *Adapter) readRoster(ctx context.Context, t bot.Team) {
	token, n := "", 0
	for {
		page, err := a.conn.PagedMembers(ctx, t.ServiceURL, t.TeamID, rosterPageSize, token)
		if err != nil {
			a.log.Error("could not read a team's roster", "read", n, "err", err)
			return
		}
		for _, m := range page.Members {
			a.saveRosterMember(ctx, t.ServiceURL, m)
			n++
		}
		if page.ContinuationToken == "" {
			break
		}
		token = page.ContinuationToken
	}
	a.log.Info("read a team's roster", "members", n)
}

func (a *Adapter) saveRosterMember(ctx context.Context, serviceURL string, m schema.TeamsChannelAccount) {
	if !strings.HasPrefix(m.ID, "29:") {
		return
	}
	acct := bot.Account{Platform: Platform, UserID: m.ID, ObjectID: m.ObjectID, PrincipalName: m.UserPrincipalName,
		TenantID: firstOf(m.TenantID, a.tenantID), ServiceURL: serviceURL, UpdatedAt: a.now()}
	if err := a.store.SaveAccount(ctx, acct); err != nil {
		a.log.Warn("could not save a team member's account", "err", err)
	}
}

// uninstallTeam forgets a team that removed Rapport.
func (a *Adapter) uninstallTeam(ctx context.Context, team *schema.TeamInfo) func(context.Context) {
	if err := a.store.RemoveTeam(ctx, Platform, team.ID); err != nil {
		a.log.Error("could not forget a team", "err", err)
	}
	a.log.Info("Rapport removed from a team")
	return nil
}
