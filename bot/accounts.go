package bot

import "time"

// Account is what a platform without a way to look users up on demand
// told Rapport about one of its users, kept so that the bot can write to
// them first: in Teams, the user's IDs, their principal name for chat
// links, and the bot's one-to-one conversation with them. It is personal
// data: members see it in their export, and leave erases it.
type Account struct {
	Platform string
	UserID   string // the platform's user ID ("29:…" in Teams)
	// ObjectID is the user's directory object ID (Entra, in Teams).
	ObjectID string
	// PrincipalName is the user's sign-in name (UPN), which chat links
	// name people by.
	PrincipalName string
	TenantID      string
	// ServiceURL is where the platform takes messages for this user.
	ServiceURL string
	// ConversationID is the bot's one-to-one conversation with the user,
	// once there is one.
	ConversationID string
	UpdatedAt      time.Time
}

// Team is a team that added the bot, on a platform where the bot is added
// to teams (Teams).
type Team struct {
	Platform string
	TeamID   string
	Name     string
	// ChannelID is the channel chosen when the bot was added, where its
	// welcome went.
	ChannelID  string
	ServiceURL string
	TenantID   string
	// GreetedAt is when the welcome was posted; nil until then.
	GreetedAt   *time.Time
	InstalledAt time.Time
}

// SentCopy is one copy of a message sent to one person on a platform
// that has no group conversation for the bot to post in (Teams): an
// intro goes to each member in their own chat. Keeping the copies lets
// the bot edit them later and, after a crash, send only the copies that
// had not gone.
type SentCopy struct {
	Platform       string
	Kind           string // an outbox kind: OutboxIntro, OutboxFollowUp, OutboxNotice
	Tag            int64  // as Attempt.Tag
	UserID         string
	ConversationID string
	ActivityID     string
	SentAt         time.Time
}

// MeetupPost is where a meetup's announcement went on one platform.
type MeetupPost struct {
	Platform   string
	Channel    string
	MessageRef string
}

// AccountRecord is an account as the member's export shows it.
type AccountRecord struct {
	Platform       string    `json:"platform"`
	UserID         string    `json:"user_id"`
	ObjectID       string    `json:"directory_object_id,omitempty"`
	PrincipalName  string    `json:"user_principal_name,omitempty"`
	ConversationID string    `json:"conversation_id,omitempty"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Download is a file a member can fetch once from Rapport's own web
// address, for what is too long for a chat message (an export in Teams).
// It holds personal data: it lives minutes, and leave erases it.
type Download struct {
	// TokenHash is the SHA-256 of the link's token, in hex; the token
	// itself is only in the link.
	TokenHash string
	Platform  string
	UserID    string
	Filename  string
	Body      []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}
