package teamstest

import (
	"encoding/json"
	"strings"

	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// User is a member of the tenant. Its ID, ObjectID, UPN and Name are fixed
// when it is made.
type User struct {
	// ID is the user's Teams ID for this bot, "29:…".
	ID string
	// ObjectID is the user's Entra object ID, a GUID (aadObjectId).
	ObjectID string
	// UPN is the user principal name, e.g. ana.lima@nhs.net.
	UPN string
	// Name is the display name.
	Name string
	// OldClient makes Press behave as a Teams client that predates
	// Universal Actions: an Action.Execute is replaced by its
	// Action.Submit fallback. Set it before pressing, not concurrently.
	OldClient bool

	s *Server
	// Guarded by s.mu:
	chatID    string // personal chat with the bot, once it exists
	installed bool   // the app is installed in the user's personal scope
}

// Team is a team in the tenant, with its channels.
type Team struct {
	// ID is the team's ID, "19:…@thread.tacv2", also the General
	// channel's ID.
	ID string
	// Name is the team's name.
	Name string
	// AADGroupID is the team's Microsoft 365 group ID.
	AADGroupID string

	s *Server
	// Guarded by s.mu:
	members   []*User
	channels  []*Channel
	installed bool
	installAt *Channel
}

// Channel is a channel of a team.
type Channel struct {
	// ID is the channel's conversation ID; General's equals the team's ID.
	ID string
	// Name is the channel name ("General" for the first one; Teams
	// reports General's name as null).
	Name string
	// Team is the channel's team.
	Team *Team
}

// conversation is a conversation the bot can post in.
type conversation struct {
	id       string
	user     *User    // personal chat
	channel  *Channel // team channel
	messages []*message
}

// message is an activity the bot posted.
type message struct {
	id        string
	thread    string // root message ID of a channel reply
	replyTo   string
	activity  schema.Activity
	deleted   bool
	updated   bool
	overrides map[string]json.RawMessage // user ID -> card the invoke response showed them
}

// AddUser adds a user to the tenant with a display name and UPN. IDs come
// from the seeded source.
func (s *Server) AddUser(name, upn string) *User {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := &User{ID: "29:1" + s.opaqueLocked(42), ObjectID: s.guidLocked(), UPN: upn, Name: name, s: s}
	s.users = append(s.users, u)
	s.notifyLocked()
	return u
}

// AddTeam adds a team with a General channel and the given members. The
// app is not installed in it until Install.
func (s *Server) AddTeam(name string, members ...*User) *Team {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &Team{ID: "19:" + s.hexLocked(32) + "@thread.tacv2", Name: name, AADGroupID: s.guidLocked(), s: s}
	t.members = append(t.members, members...)
	general := &Channel{ID: t.ID, Name: "General", Team: t}
	t.channels = []*Channel{general}
	s.convs[general.ID] = &conversation{id: general.ID, channel: general}
	s.teams = append(s.teams, t)
	s.notifyLocked()
	return t
}

// AddChannel adds a channel to the team.
func (t *Team) AddChannel(name string) *Channel {
	s := t.s
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := &Channel{ID: "19:" + s.hexLocked(32) + "@thread.tacv2", Name: name, Team: t}
	t.channels = append(t.channels, ch)
	s.convs[ch.ID] = &conversation{id: ch.ID, channel: ch}
	return ch
}

// Channels returns the team's channels, General first.
func (t *Team) Channels() []*Channel {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	return append([]*Channel(nil), t.channels...)
}

// General returns the team's General channel.
func (t *Team) General() *Channel { return t.Channels()[0] }

// Channel returns the channel with the name, or nil.
func (t *Team) Channel(name string) *Channel {
	for _, ch := range t.Channels() {
		if strings.EqualFold(ch.Name, name) {
			return ch
		}
	}
	return nil
}

// Members returns the team's members.
func (t *Team) Members() []*User {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	return append([]*User(nil), t.members...)
}

// Installed reports whether the app is installed in the team.
func (t *Team) Installed() bool {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	return t.installed
}

// Installed reports whether the app is installed in u's personal scope.
func (u *User) Installed() bool {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	return u.installed
}

// ChatID returns the ID of u's personal chat with the bot ("a:…"), or ""
// if there is none yet.
func (u *User) ChatID() string {
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	return u.chatID
}

// Account returns u as activities name the sender.
func (u *User) Account() schema.ChannelAccount {
	return schema.ChannelAccount{ID: u.ID, Name: u.Name, AADObjectID: u.ObjectID}
}

// member returns u as the Connector's member calls return a member.
func (s *Server) member(u *User) schema.TeamsChannelAccount {
	given, sur, _ := strings.Cut(u.Name, " ")
	return schema.TeamsChannelAccount{
		ID: u.ID, Name: u.Name, ObjectID: u.ObjectID, GivenName: given, Surname: sur,
		Email: u.UPN, UserPrincipalName: u.UPN, TenantID: s.cfg.tenantID, UserRole: "user",
	}
}

// chatLocked returns u's personal chat, making it if needed.
func (s *Server) chatLocked(u *User) *conversation {
	if u.chatID == "" {
		u.chatID = "a:1" + s.opaqueLocked(60)
		s.convs[u.chatID] = &conversation{id: u.chatID, user: u}
	}
	return s.convs[u.chatID]
}

// reachableLocked reports whether the bot may message u: the app is
// installed for u or in a team u belongs to.
func (s *Server) reachableLocked(u *User) bool {
	if u.installed {
		return true
	}
	for _, t := range s.teams {
		if t.installed && containsUser(t.members, u) {
			return true
		}
	}
	return false
}

func containsUser(list []*User, u *User) bool {
	for _, m := range list {
		if m == u {
			return true
		}
	}
	return false
}

// findUserLocked finds a user by Teams ID, UPN or object ID.
func (s *Server) findUserLocked(id string) *User {
	for _, u := range s.users {
		if u.ID == id || strings.EqualFold(u.UPN, id) || strings.EqualFold(u.ObjectID, id) {
			return u
		}
	}
	return nil
}

// findTeamLocked finds a team by ID.
func (s *Server) findTeamLocked(id string) *Team {
	for _, t := range s.teams {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// Users returns every user, in the order they were added.
func (s *Server) Users() []*User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*User(nil), s.users...)
}
