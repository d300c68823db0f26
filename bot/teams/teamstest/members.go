package teamstest

import (
	"encoding/json"
	"fmt"

	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// personalConvLocked is u's personal chat as activities name it.
func (s *Server) personalConvLocked(u *User) *schema.ConversationAccount {
	conv := s.chatLocked(u)
	return &schema.ConversationAccount{ID: conv.id, ConversationType: schema.ConversationPersonal, TenantID: s.cfg.tenantID}
}

func (s *Server) tenant() *schema.TenantInfo { return &schema.TenantInfo{ID: s.cfg.tenantID} }

// clientInfo is the entity Teams clients add to a user's message.
var clientInfo = json.RawMessage(`{"type":"clientInfo","locale":"en-GB","country":"GB","platform":"Web","timezone":"Europe/London"}`)

// both sends first and then second, and returns first's result with
// second's in Also.
func (s *Server) both(first, second *schema.Activity) (*Result, error) {
	r1, err1 := s.Deliver(first)
	r2, err2 := s.Deliver(second)
	r1.Also = []*Result{r2}
	if err1 != nil {
		return r1, err1
	}
	return r1, err2
}

// InstallPersonal installs the app in u's personal scope, as u adding it
// from the Teams store does: Teams sends a conversationUpdate (the bot and
// u in membersAdded) and an installationUpdate (action "add"), both of
// which the bot must answer with 2xx. The Result is the
// conversationUpdate's, with the installationUpdate's in Also.
func (u *User) InstallPersonal() (*Result, error) {
	s := u.s
	s.mu.Lock()
	u.installed = true
	conv := s.personalConvLocked(u)
	s.notifyLocked()
	s.mu.Unlock()
	from := u.Account()
	added := &schema.Activity{
		Type: schema.TypeConversationUpdate, From: &from, Conversation: conv,
		MembersAdded: []schema.ChannelAccount{{ID: s.BotID()}, {ID: u.ID, AADObjectID: u.ObjectID}},
		ChannelData:  &schema.ChannelData{Tenant: s.tenant()},
	}
	c2 := *conv
	install := &schema.Activity{
		Type: schema.TypeInstallationUpdate, Action: "add", From: &from, Conversation: &c2,
		ChannelData: &schema.ChannelData{Tenant: s.tenant(), Source: &schema.Source{Name: "message"}},
	}
	return s.both(added, install)
}

// UninstallPersonal removes the app from u's personal scope: Teams sends
// an installationUpdate with action "remove". Afterwards the bot's sends
// to u get 403, unless a team u belongs to has the app.
func (u *User) UninstallPersonal() (*Result, error) {
	s := u.s
	s.mu.Lock()
	u.installed = false
	conv := s.personalConvLocked(u)
	s.notifyLocked()
	s.mu.Unlock()
	from := u.Account()
	return s.Deliver(&schema.Activity{
		Type: schema.TypeInstallationUpdate, Action: "remove", From: &from, Conversation: conv,
		ChannelData: &schema.ChannelData{Tenant: s.tenant()},
	})
}

// Say sends text as a message from u in u's personal chat with the bot.
// The chat must exist (InstallPersonal, or the bot created it).
func (u *User) Say(text string) (*Result, error) {
	s := u.s
	s.mu.Lock()
	if u.chatID == "" || !s.reachableLocked(u) {
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: %s has no chat with the bot (install the app first)", ErrNotFound, u.Name)
	}
	conv := s.personalConvLocked(u)
	s.mu.Unlock()
	from := u.Account()
	return s.Deliver(&schema.Activity{
		Type: schema.TypeMessage, From: &from, Conversation: conv, Text: text, TextFormat: "plain",
		Entities: []json.RawMessage{clientInfo}, ChannelData: &schema.ChannelData{Tenant: s.tenant()},
	})
}

// SayInChannel posts text from u in the team's channel where the app was
// installed (General if none). See SayIn.
func (u *User) SayInChannel(t *Team, text string, mentionBot bool) (*Result, error) {
	t.s.mu.Lock()
	ch := t.installAt
	if ch == nil {
		ch = t.channels[0]
	}
	t.s.mu.Unlock()
	return u.SayIn(ch, text, mentionBot)
}

// SayIn posts text from u as a new post in ch. With mentionBot the text
// starts "<at>NAME</at> " and the activity carries the mention entity, as
// Teams sends it. Without it Teams does not deliver the post to a bot
// (bots without resource-specific consent only see posts that mention
// them), so SayIn returns ErrNotDelivered and sends nothing.
func (u *User) SayIn(ch *Channel, text string, mentionBot bool) (*Result, error) {
	s := u.s
	s.mu.Lock()
	t := ch.Team
	if !t.installed || !containsUser(t.members, u) {
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: the app in team %s with member %s", ErrNotFound, t.Name, u.Name)
	}
	id := s.nextIDLocked()
	s.mu.Unlock()
	from := u.Account()
	act := &schema.Activity{
		Type: schema.TypeMessage, ID: id, From: &from, Text: text, TextFormat: "plain",
		Conversation: s.channelConv(ch, id),
		ChannelData:  s.channelData(ch),
		Entities:     []json.RawMessage{clientInfo},
	}
	if !mentionBot {
		return &Result{Activity: act, Err: ErrNotDelivered}, ErrNotDelivered
	}
	at := "<at>" + s.cfg.botName + "</at>"
	act.Text = at + " " + text
	mention, _ := json.Marshal(schema.Mention{Type: "mention", Mentioned: schema.ChannelAccount{ID: s.BotID(), Name: s.cfg.botName}, Text: at})
	act.Entities = append([]json.RawMessage{mention}, act.Entities...)
	return s.Deliver(act)
}

// channelConv names a channel thread as channel activities do.
func (s *Server) channelConv(ch *Channel, root string) *schema.ConversationAccount {
	id := ch.ID
	if root != "" {
		id += ";messageid=" + root
	}
	return &schema.ConversationAccount{ID: id, IsGroup: true, ConversationType: schema.ConversationChannel, TenantID: s.cfg.tenantID}
}

func (s *Server) channelData(ch *Channel) *schema.ChannelData {
	t := ch.Team
	return &schema.ChannelData{
		Tenant:  s.tenant(),
		Team:    &schema.TeamInfo{ID: t.ID, Name: t.Name, AADGroupID: t.AADGroupID},
		Channel: &schema.ChannelInfo{ID: ch.ID, Name: ch.Name},
	}
}

// Install adds the app to the team, with channel (by name; "" for
// General) as the channel chosen at install. Teams sends a
// conversationUpdate (the bot in membersAdded, eventType teamMemberAdded,
// channelData.settings.selectedChannel) and an installationUpdate. The
// Result is the conversationUpdate's, with the other in Also.
func (t *Team) Install(channel string) (*Result, error) {
	s := t.s
	ch := t.General()
	if channel != "" {
		if ch = t.Channel(channel); ch == nil {
			return nil, fmt.Errorf("%w: channel %q in team %s", ErrNotFound, channel, t.Name)
		}
	}
	s.mu.Lock()
	t.installed = true
	t.installAt = ch
	from := s.installerLocked(t)
	s.notifyLocked()
	s.mu.Unlock()
	conv := &schema.ConversationAccount{ID: ch.ID, IsGroup: true, ConversationType: schema.ConversationChannel, TenantID: s.cfg.tenantID}
	if ch.ID != t.ID {
		conv.Name = ch.Name
	}
	data := func() *schema.ChannelData {
		return &schema.ChannelData{
			Tenant:   s.tenant(),
			Team:     &schema.TeamInfo{ID: t.ID, Name: t.Name, AADGroupID: t.AADGroupID},
			Settings: &schema.Settings{SelectedChannel: &schema.ChannelInfo{ID: ch.ID}},
		}
	}
	added := &schema.Activity{Type: schema.TypeConversationUpdate, From: from, Conversation: conv,
		MembersAdded: []schema.ChannelAccount{{ID: s.BotID()}}, ChannelData: data()}
	added.ChannelData.EventType = "teamMemberAdded"
	c2 := *conv
	install := &schema.Activity{Type: schema.TypeInstallationUpdate, Action: "add", From: from, Conversation: &c2, ChannelData: data()}
	install.ChannelData.Channel = &schema.ChannelInfo{ID: ch.ID}
	return s.both(added, install)
}

// Uninstall removes the app from the team: Teams sends an
// installationUpdate ("remove") and a conversationUpdate with the bot in
// membersRemoved (eventType teamMemberRemoved). Afterwards the bot's
// posts to the team and its roster reads get 403.
func (t *Team) Uninstall() (*Result, error) {
	s := t.s
	s.mu.Lock()
	t.installed = false
	ch := t.installAt
	if ch == nil {
		ch = t.channels[0]
	}
	from := s.installerLocked(t)
	s.notifyLocked()
	s.mu.Unlock()
	conv := &schema.ConversationAccount{ID: ch.ID, IsGroup: true, ConversationType: schema.ConversationChannel, TenantID: s.cfg.tenantID}
	team := &schema.TeamInfo{ID: t.ID, Name: t.Name, AADGroupID: t.AADGroupID}
	remove := &schema.Activity{Type: schema.TypeInstallationUpdate, Action: "remove", From: from, Conversation: conv,
		ChannelData: &schema.ChannelData{Tenant: s.tenant(), Team: team}}
	c2 := *conv
	removed := &schema.Activity{Type: schema.TypeConversationUpdate, From: from, Conversation: &c2,
		MembersRemoved: []schema.ChannelAccount{{ID: s.BotID()}},
		ChannelData:    &schema.ChannelData{Tenant: s.tenant(), Team: team, EventType: "teamMemberRemoved"}}
	return s.both(remove, removed)
}

// AddMember adds u to the team; if the app is installed, Teams tells the
// bot with a conversationUpdate (eventType teamMemberAdded).
func (t *Team) AddMember(u *User) (*Result, error) {
	return t.changeMember(u, true)
}

// RemoveMember removes u from the team; if the app is installed, Teams
// tells the bot with a conversationUpdate (eventType teamMemberRemoved).
func (t *Team) RemoveMember(u *User) (*Result, error) {
	return t.changeMember(u, false)
}

func (t *Team) changeMember(u *User, add bool) (*Result, error) {
	s := t.s
	s.mu.Lock()
	if add && !containsUser(t.members, u) {
		t.members = append(t.members, u)
	}
	if !add {
		for i, m := range t.members {
			if m == u {
				t.members = append(t.members[:i:i], t.members[i+1:]...)
				break
			}
		}
	}
	installed := t.installed
	from := s.installerLocked(t)
	s.notifyLocked()
	s.mu.Unlock()
	if !installed {
		return &Result{}, nil
	}
	act := &schema.Activity{Type: schema.TypeConversationUpdate, From: from,
		Conversation: &schema.ConversationAccount{ID: t.ID, IsGroup: true, ConversationType: schema.ConversationChannel, TenantID: s.cfg.tenantID},
		ChannelData:  &schema.ChannelData{Tenant: s.tenant(), Team: &schema.TeamInfo{ID: t.ID, Name: t.Name, AADGroupID: t.AADGroupID}}}
	acc := schema.ChannelAccount{ID: u.ID, AADObjectID: u.ObjectID}
	if add {
		act.MembersAdded = []schema.ChannelAccount{acc}
		act.ChannelData.EventType = "teamMemberAdded"
	} else {
		act.MembersRemoved = []schema.ChannelAccount{acc}
		act.ChannelData.EventType = "teamMemberRemoved"
	}
	return s.Deliver(act)
}

// installerLocked is who Teams names as the sender of team events: the
// team's first member.
func (s *Server) installerLocked(t *Team) *schema.ChannelAccount {
	if len(t.members) == 0 {
		return &schema.ChannelAccount{ID: "29:1teamowner", Name: "Team owner"}
	}
	a := t.members[0].Account()
	return &a
}
