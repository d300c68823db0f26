package bot

import (
	"context"
	"log/slog"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// The directory: members who chose to be listed can be found by what they
// can help with, and asked for an introduction, which the person asked
// accepts or puts off.

// Settings of intro requests.
const (
	// DefaultAskLimit is how many requests a member may send in any
	// AskWindow, unless RAPPORT_ASK_LIMIT says otherwise.
	DefaultAskLimit = 3
	// AskWindow is the sliding window the ask limit counts over.
	AskWindow = 7 * 24 * time.Hour
	// AskAgainAfter is how long a member waits before asking the same
	// person again, whatever the answer was.
	AskAgainAfter = 30 * 24 * time.Hour
	// RequestLapsesAfter is how long a request waits for an answer before
	// it lapses and the asker is told.
	RequestLapsesAfter = 14 * 24 * time.Hour
	// DirectoryPageSize is how many results one page of a search shows.
	DirectoryPageSize = 5
	// MaxSearchWords is the most words a search looks for.
	MaxSearchWords = 5
)

// Intro request statuses.
const (
	RequestPending  = "pending"
	RequestAccepted = "accepted"
	RequestNotNow   = "not_now"
	RequestLapsed   = "lapsed"
)

// Action IDs of the directory's and intro requests' buttons, and the ID of
// the form that asks what to search for.
const (
	// ActionDirectoryAsk asks for an intro to a search result; its value
	// is DirectoryAskValue.
	ActionDirectoryAsk = "directory_ask"
	// ActionDirectoryMore shows the next page of a search; its value is
	// DirectoryMoreValue.
	ActionDirectoryMore = "directory_more"
	// ActionRequestAccept and ActionRequestNotNow answer a request; their
	// value is the request's ID.
	ActionRequestAccept = "request_accept"
	ActionRequestNotNow = "request_not_now"
	// ActionDirectoryFind opens DirectoryFindForm.
	ActionDirectoryFind = "directory_find"
	// DirectoryFindForm asks for a topic (input FieldFindTopic) and answers
	// with the first page of results.
	DirectoryFindForm = "directory_find"
	FieldFindTopic    = "topic"
)

// FieldListed is the profile form's input (and Error.Fields key) of
// Profile.Listed.
const FieldListed = "listed"

// RequestLimits bound the requests a member sends.
type RequestLimits struct {
	// PerWindow is how many requests a member may send in any Window.
	PerWindow int
	Window    time.Duration
	// AskAgainAfter is how long before the same person may be asked again.
	AskAgainAfter time.Duration
}

// DefaultRequestLimits are the limits when none are set.
func DefaultRequestLimits() RequestLimits {
	return RequestLimits{PerWindow: DefaultAskLimit, Window: AskWindow, AskAgainAfter: AskAgainAfter}
}

// DirectoryQuery is one page of a directory search.
type DirectoryQuery struct {
	// AskerID is the member searching: never listed themselves, and
	// members either of them blocked are never listed.
	AskerID int64
	// Words are the topic's words as FoldWords gives them (1 to
	// MaxSearchWords).
	Words []string
	// Offset and Limit choose the page.
	Offset, Limit int
	// Now decides who is paused.
	Now time.Time
}

// DirectoryHit is one member a search found.
type DirectoryHit struct {
	// Member is the listed member, with their profile.
	Member Member
	// Offers are the member's offers that match, best first.
	Offers []string
	// Score is how well the best offer matches: ScoreExact, ScoreWords or
	// ScorePrefix.
	Score int
}

// How well an offer matches a search.
const (
	// ScoreExact: the offer, folded, is the search's words.
	ScoreExact = 3
	// ScoreWords: every word searched for is a word of the offer.
	ScoreWords = 2
	// ScorePrefix: every word searched for begins a word of the offer
	// ("diab" finds "diabetes", "diabetic").
	ScorePrefix = 1
)

// DirectoryPage is a page of results and how many there are in all.
type DirectoryPage struct {
	Hits  []DirectoryHit
	Total int
}

// IntroRequest is one member asking, through the directory, to be
// introduced to another.
type IntroRequest struct {
	ID int64 `json:"id"`
	// Asker and Asked are the two members as they are now.
	Asker Member `json:"-"`
	Asked Member `json:"-"`
	// Topic is what the asker searched for, as they typed it.
	Topic      string     `json:"topic"`
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"created_at"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	// IntroID is the intro an accepted request made.
	IntroID int64 `json:"intro_id,omitempty"`
}

// IntroRequestRecord is a request as a member's export shows it.
type IntroRequestRecord struct {
	// Direction is "you asked" or "you were asked".
	Direction string     `json:"direction"`
	With      string     `json:"with"`
	Topic     string     `json:"topic"`
	Status    string     `json:"status"`
	Date      time.Time  `json:"date"`
	Answered  *time.Time `json:"answered_at,omitempty"`
}

// Directions of IntroRequestRecord.
const (
	ExportYouAsked     = "you asked"
	ExportYouWereAsked = "you were asked"
)

// LearningGap is a topic members want to learn that no member offers.
type LearningGap struct {
	// Topic is the topic as most of those asking spell it.
	Topic string
	// Wanting counts the members who want to learn it.
	Wanting int
}

// DirectoryStore keeps the directory and intro requests.
type DirectoryStore interface {
	// SearchDirectory returns a page of listed, active, unpaused members
	// (never the asker, nor anyone the asker blocked or who blocked the
	// asker) with an offer that has every word of the query as a word or
	// the start of a word, folded as FoldWords folds. Order: Score, best
	// first; then members of other organisations (by OrganisationKey)
	// before the asker's own; then by name; then ID.
	SearchDirectory(ctx context.Context, q DirectoryQuery) (*DirectoryPage, error)

	// CreateIntroRequest stores a request from the member (platform,
	// userID) to member askedID and queues NoticeIntroRequest to the
	// person asked, in one transaction. It refuses, with nothing stored:
	// ENOTFOUND when either is not a member, or the person asked is not
	// listed, active and unpaused at now, or a block stands either way;
	// ELIMIT when the asker has sent lim.PerWindow requests in the last
	// lim.Window; ECONFLICT when the asker asked the same person within
	// lim.AskAgainAfter (*Error.Message then says when they may again).
	CreateIntroRequest(ctx context.Context, platform, userID string, askedID int64, topic string, lim RequestLimits, now time.Time) (*IntroRequest, error)

	// FindIntroRequest returns a request with both members.
	// Returns ENOTFOUND when it does not exist (or a member has left).
	FindIntroRequest(ctx context.Context, id int64) (*IntroRequest, error)

	// AnswerIntroRequest records the answer (RequestAccepted or
	// RequestNotNow) of the person asked (platform, userID), in one
	// transaction. Accepted: the intro that plan returns is stored in the
	// latest round (or round 0 before the first round has run, which no
	// listing of rounds shows) as a requested intro, with its group
	// message and its follow-ups at followUpAt and, for "not yet",
	// secondAskAt, as a round stores its intros; it counts in history
	// like any other. Not now: NoticeRequestNotNow is queued to the asker.
	// Returns ENOTFOUND when the request is not to this member, and
	// ECONFLICT, with the request as it is, when it was answered or lapsed
	// already.
	AnswerIntroRequest(ctx context.Context, id int64, platform, userID, answer string, now, followUpAt time.Time, plan func(asker, asked Member) PlannedIntro) (*IntroRequest, error)

	// LapseIntroRequests marks requests pending since before the time as
	// lapsed and queues NoticeRequestLapsed to each asker, in one
	// transaction; it returns how many lapsed.
	LapseIntroRequests(ctx context.Context, before, now time.Time) (int, error)

	// LearningGaps returns up to limit topics that active members want to
	// learn and no active member offers, compared folded, most wanted
	// first, then by topic.
	LearningGaps(ctx context.Context, limit int) ([]LearningGap, error)
}

// Directory finds listed members and carries intro requests.
type Directory struct {
	Store  DirectoryStore
	Now    func() time.Time
	Limits RequestLimits
	// Rounds gives the follow-up settings an accepted request's intro
	// shares with a round's.
	Rounds   RoundSettings
	Location *time.Location
	Log      *slog.Logger
	// OnQueued wakes the delivery after a request queued a message.
	OnQueued func()
}

// foldCaser folds case the Unicode way ("Straße" is "strasse").
var foldCaser = cases.Fold()

// FoldText returns s as searches compare it: case folded, accents taken
// off ("Diabète" is "diabete"), and everything but letters and digits
// turned into single spaces.
func FoldText(s string) string {
	s = norm.NFD.String(foldCaser.String(norm.NFKC.String(CleanText(s))))
	var b strings.Builder
	space := true
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			// an accent, taken off its letter
		case unicode.IsLetter(r), unicode.IsDigit(r):
			b.WriteRune(r)
			space = false
		case r == '\'' || r == '’' || r == '.':
			// "Mary's" is "marys", "N.H.S." is "nhs"
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return norm.NFC.String(strings.TrimSpace(b.String()))
}

// FoldWords returns the words of FoldText(s).
func FoldWords(s string) []string { return strings.Fields(FoldText(s)) }
