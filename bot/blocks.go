package bot

import (
	"context"
	"strings"
	"time"
)

// Block is someone a member has chosen never to be introduced to. Only
// the member who chose it ever sees it.
type Block struct {
	MemberID int64
	UserID   string
	Name     string
	Since    time.Time
}

// BlockStore keeps the people members have chosen never to be introduced
// to. The matcher reads blocks from the round snapshot, both ways.
type BlockStore interface {
	// BlockMembers records that the member is never to be introduced to
	// the members blockedIDs; blocking someone twice changes nothing.
	BlockMembers(ctx context.Context, platform, userID string, blockedIDs []int64, now time.Time) error
	// UnblockMember removes the member's block of blockedID and says
	// whether there was one.
	UnblockMember(ctx context.Context, platform, userID string, blockedID int64) (bool, error)
	// MemberBlocks returns the member's own blocks, oldest first.
	MemberBlocks(ctx context.Context, platform, userID string) ([]Block, error)
	// IntroducedTo returns the members the member has been introduced
	// to, each once, most recent first, at most limit.
	IntroducedTo(ctx context.Context, platform, userID string, limit int) ([]Member, error)
	// MemberByPrincipalName returns the member on platform whose
	// account's sign-in name (a work email address) is name, whatever its
	// case, or nil when no member has it.
	MemberByPrincipalName(ctx context.Context, platform, name string) (*Member, error)
	// FindAccount returns what the platform told Rapport of a user, or
	// ENOTFOUND: on a platform that tells sign-in names (Teams), members
	// can be named by email.
	FindAccount(ctx context.Context, platform, userID string) (*Account, error)
}

// MentionWord is how a platform names, in the text of a command, a person
// it has already identified (a Slack @mention): the adapter puts it in
// place of its own mention syntax, so the core reads a user ID and never
// a platform's markup.
func MentionWord(userID string) string { return "@{" + userID + "}" }

// mentionedUser returns the user ID in a word made by MentionWord.
func mentionedUser(word string) (string, bool) {
	id, ok := strings.CutPrefix(word, "@{")
	if !ok {
		return "", false
	}
	id, ok = strings.CutSuffix(id, "}")
	return id, ok && id != "" && !strings.ContainsAny(id, "{} ")
}

// looksLikeEmail reports whether word could be a work email address: the
// way to name someone on a platform without mentions in commands (Teams).
func looksLikeEmail(word string) bool {
	local, domain, ok := strings.Cut(word, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(word, " <>{}") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// blockTarget is who a member named after "block" or "unblock".
type blockTarget struct {
	userID string // from a mention
	email  string // typed
}

// parseBlockTarget reads the words after "block" or "unblock". ok is
// false when they name nobody the bot can look up (a bare name).
func parseBlockTarget(args []string) (t blockTarget, ok bool) {
	if len(args) != 1 {
		return t, false
	}
	word := strings.Trim(args[0], "<>,;.()")
	if id, ok := mentionedUser(args[0]); ok {
		return blockTarget{userID: id}, true
	}
	word = strings.TrimPrefix(word, "mailto:")
	if looksLikeEmail(word) {
		return blockTarget{email: word}, true
	}
	return t, false
}

// maxIntroducedShown is how many of the people a member has been
// introduced to the block list offers, most recent first: enough for
// anyone who wants to block someone they met, and few enough for one
// message on every platform.
const maxIntroducedShown = 10

// maxIntroducedChecked bounds the history read to check that a Block
// button names someone the member was introduced to.
const maxIntroducedChecked = 1000
