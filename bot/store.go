package bot

import (
	"context"
	"encoding/json"
	"time"
)

// Organisation is a practice or partner organisation on the network's list,
// which admins keep.
type Organisation struct {
	ID        int64
	Name      string
	CreatedAt time.Time
}

// MemberExport is everything Rapport stores about one member, as they
// receive it from "export".
type MemberExport struct {
	Member    Member            `json:"member"`
	Intros    []IntroRecord     `json:"introductions,omitempty"`
	LeftOut   []LeftOutRecord   `json:"left_out_of_rounds,omitempty"`
	NotAMatch []NotAMatchRecord `json:"not_a_good_match,omitempty"`
	// Messages are the messages to the member alone that are queued or
	// were sent: follow-ups and notices.
	Messages []MessageRecord `json:"messages_to_you,omitempty"`
	Meetups  []MeetupRecord  `json:"meetups,omitempty"`
	// Account is what the platform told Rapport about the member's
	// account beyond their name (Teams only).
	Account *AccountRecord `json:"account,omitempty"`
	// AdminActions are what network admins did about the member (paused
	// or resumed them, say); AdminActionsByYou what the member did as a
	// network admin.
	AdminActions      []AdminActionRecord `json:"admin_actions_about_you,omitempty"`
	AdminActionsByYou []AdminActionRecord `json:"admin_actions_by_you,omitempty"`
	// Requests are the intro requests the member sent or received
	// through the directory.
	Requests   []IntroRequestRecord `json:"intro_requests,omitempty"`
	ExportedAt time.Time            `json:"exported_at"`
}

// AdminActionRecord is one entry of the admin log in a member's export.
// By is "a network admin" or ExportYou: which admin did something about a
// member is the admins' record, not the member's.
type AdminActionRecord struct {
	Action string    `json:"action"`
	Date   time.Time `json:"date"`
	By     string    `json:"by"`
	Detail string    `json:"detail,omitempty"`
}

// ExportAnAdmin stands in an export for the admin who did something.
const ExportAnAdmin = "a network admin"

// ExportYou stands in an export for the member it belongs to.
const ExportYou = "you"

// IntroRecord is one introduction as the member's export shows it.
type IntroRecord struct {
	Round         int        `json:"round"`
	Date          time.Time  `json:"date"`
	With          []string   `json:"with"`
	Reasons       string     `json:"why_we_introduced_you,omitempty"`
	FirstQuestion string     `json:"first_question,omitempty"`
	AskedToStart  string     `json:"asked_to_start,omitempty"` // the name of who was asked to start, or ExportYou
	Answer        string     `json:"your_answer,omitempty"`
	AnsweredAt    *time.Time `json:"answered_at,omitempty"`
	Unreachable   bool       `json:"could_not_reach_you,omitempty"`
	Status        string     `json:"status"`
	// RepeatAllowed is set when the pair had met in an earlier round and
	// were introduced again for want of anyone new.
	RepeatAllowed  bool   `json:"repeat_allowed,omitempty"`
	MatchScore     int    `json:"match_score"`
	ConversationID string `json:"conversation_id,omitempty"` // the platform's group conversation
	MessageID      string `json:"message_id,omitempty"`      // the platform's ID of the intro message
}

// LeftOutRecord is a round that left the member out, and why.
type LeftOutRecord struct {
	Round  int       `json:"round"`
	Date   time.Time `json:"date"`
	Reason string    `json:"reason"`
}

// NotAMatchRecord is a member this member said was not a good match, who
// is never introduced to them again.
type NotAMatchRecord struct {
	Name  string    `json:"name"`
	Since time.Time `json:"since"`
}

// MessageRecord is a message to the member alone, queued or sent.
type MessageRecord struct {
	Kind string `json:"kind"`
	Text string `json:"text,omitempty"`
	// Notice and Details are a notice's kind and parameters, which are put
	// into words when it is sent.
	Notice    string          `json:"notice,omitempty"`
	Details   json.RawMessage `json:"details,omitempty"`
	Status    string          `json:"status"`
	Due       time.Time       `json:"due"`
	SentAt    *time.Time      `json:"sent_at,omitempty"`
	MessageID string          `json:"message_id,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// Store keeps members and the network's organisations. Implementations
// must make each method atomic: it happens whole or not at all.
type Store interface {
	// FindMember returns the member with the platform user ID.
	// Returns ENOTFOUND when they have not joined.
	FindMember(ctx context.Context, platform, userID string) (*Member, error)

	// SaveMember inserts the member, or updates the name, profile and
	// status of the member with the same platform and user ID. It sets
	// m.ID, m.JoinedAt and m.UpdatedAt from the stored row.
	SaveMember(ctx context.Context, m *Member) error

	// SetPause pauses or resumes a member; until is nil for an indefinite
	// pause and ignored when paused is false. Returns the updated member,
	// or ENOTFOUND.
	SetPause(ctx context.Context, platform, userID string, paused bool, until *time.Time, now time.Time) (*Member, error)

	// DeleteMember erases the member and everything stored about them.
	// Returns ENOTFOUND when they have not joined.
	DeleteMember(ctx context.Context, platform, userID string) error

	// ExportMember returns everything stored about the member.
	// Returns ENOTFOUND when they have not joined.
	ExportMember(ctx context.Context, platform, userID string) (*MemberExport, error)

	// ListOrganisations returns the network's organisations sorted by name.
	ListOrganisations(ctx context.Context) ([]Organisation, error)

	// AddOrganisation adds an organisation to the list. Returns ECONFLICT
	// when one with the same name (ignoring case) is there already.
	AddOrganisation(ctx context.Context, name string, now time.Time) (*Organisation, error)

	// RemoveOrganisation removes an organisation from the list, matching
	// the name regardless of case. Members keep their organisation's name.
	// Returns ENOTFOUND when there is none of that name.
	RemoveOrganisation(ctx context.Context, name string) error
}
