package slacktest

import (
	"slices"
	"strings"
)

// DefaultChannelID is the public channel (#general) every workspace starts
// with; slash commands are typed there unless InChannel says otherwise.
const DefaultChannelID = "C0000GENRL"

// User is a member of the workspace, as users.info reports it.
type User struct {
	// ID is the user ID (U...). Required.
	ID string
	// Name is the handle; AddUser derives it from RealName when empty.
	Name string
	// RealName is the full name.
	RealName string
	// DisplayName is the name shown in Slack; it may be empty, as in Slack.
	DisplayName string
	// FirstName is the profile's first name; it may be empty, as in Slack.
	FirstName string
	// TZ is the IANA time zone; AddUser sets Europe/London when empty.
	TZ string
	// Deleted marks a deactivated account.
	Deleted bool
	// IsBot marks a bot user.
	IsBot bool
}

type channelKind int

const (
	kindChannel channelKind = iota
	kindIM
	kindMPIM
)

// channel is a conversation the bot can post to.
type channel struct {
	ID      string
	Name    string
	Kind    channelKind
	Members []string // the human members of an IM or MPIM, sorted
	Created int64
}

// AddUser adds u to the workspace, or replaces the user with the same ID,
// and returns the user as stored (with defaults filled in).
func (ws *Workspace) AddUser(u User) User {
	if u.Name == "" {
		u.Name = strings.ToLower(strings.Join(strings.Fields(u.RealName), "."))
		if u.Name == "" {
			u.Name = strings.ToLower(u.ID)
		}
	}
	if u.TZ == "" {
		u.TZ = "Europe/London"
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	stored := u
	ws.users[u.ID] = &stored
	ws.notifyLocked()
	return u
}

// User returns the user with the given ID.
func (ws *Workspace) User(id string) (User, bool) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	u, ok := ws.users[id]
	if !ok {
		return User{}, false
	}
	return *u, true
}

// AddChannel adds a public channel (C...) the bot is a member of.
func (ws *Workspace) AddChannel(id, name string) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.channels[id] = &channel{ID: id, Name: name, Kind: kindChannel, Created: ws.now().Unix()}
	ws.notifyLocked()
}

// IMChannel returns the ID of the direct message channel (D...) between the
// bot and userID, if the bot has opened it.
func (ws *Workspace) IMChannel(userID string) (string, bool) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	id, ok := ws.convs[userID]
	return id, ok
}

// openConversationLocked returns the IM (one user) or MPIM (several) with
// the given human members, creating it the first time. The same set of
// users always gives the same channel.
func (ws *Workspace) openConversationLocked(users []string) (ch *channel, created bool) {
	members := slices.Clone(users)
	slices.Sort(members)
	members = slices.Compact(members)
	key := strings.Join(members, ",")
	if id, ok := ws.convs[key]; ok {
		return ws.channels[id], false
	}
	ch = &channel{Members: members, Created: ws.now().Unix()}
	if len(members) == 1 {
		ch.ID = ws.newIDLocked("D")
		ch.Kind = kindIM
		ch.Name = "directmessage"
	} else {
		ch.ID = ws.newIDLocked("G")
		ch.Kind = kindMPIM
		names := []string{ws.users[ws.cfg.botUserID].Name}
		for _, m := range members {
			names = append(names, ws.users[m].Name)
		}
		ch.Name = "mpdm-" + strings.Join(names, "--") + "-1"
	}
	ws.convs[key] = ch.ID
	ws.channels[ch.ID] = ch
	return ch, true
}

// userJSON renders u as users.info's user object.
func (ws *Workspace) userJSON(u *User) obj {
	return obj{
		"id":        u.ID,
		"team_id":   ws.cfg.teamID,
		"name":      u.Name,
		"deleted":   u.Deleted,
		"color":     "9f69e7",
		"real_name": u.RealName,
		"tz":        u.TZ,
		"tz_label":  u.TZ,
		"tz_offset": tzOffset(u.TZ, ws.now()),
		"profile": obj{
			"real_name":               u.RealName,
			"real_name_normalized":    u.RealName,
			"display_name":            u.DisplayName,
			"display_name_normalized": u.DisplayName,
			"first_name":              u.FirstName,
			"team":                    ws.cfg.teamID,
		},
		"is_admin":            false,
		"is_owner":            false,
		"is_primary_owner":    false,
		"is_restricted":       false,
		"is_ultra_restricted": false,
		"is_bot":              u.IsBot,
		"is_app_user":         false,
		"updated":             ws.now().Unix(),
	}
}
