package teams

import (
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// Platform is the name under which Teams members are stored.
const Platform = "teams"

// Deadlines for answering Teams. Teams waits five seconds for an invoke
// (a card button) and fifteen for anything else; the rest is margin for
// the network and a slow proxy.
const (
	DefaultInvokeBudget  = 4 * time.Second
	DefaultMessageBudget = 10 * time.Second
)

// maxBody is the largest activity accepted; Teams' own messages stay
// under about 100 KB, so anything larger is not from Teams.
const maxBody = 256 << 10

// Options configure an Adapter.
type Options struct {
	// AppID is the bot's Microsoft App ID (TEAMS_APP_ID); the bot's own
	// account in Teams is "28:" followed by it.
	AppID string
	// TenantID is the one tenant served (TEAMS_TENANT_ID).
	TenantID string
	// Verifier checks every inbound request's token. Required: there is
	// no way to turn the check off.
	Verifier *Verifier
	// Connector answers people: it retries briefly and waits out a short
	// 429, since someone is waiting.
	Connector *Connector
	// DeliveryConnector sends the outbox's messages; it should not wait
	// on a 429, so that the outbox pauses as a whole. Nil means Connector.
	DeliveryConnector *Connector
	// Store keeps conversations, teams and sent copies where every
	// replica sees them.
	Store Store
	// Pacer is the pacer both connectors pace their calls with, whose
	// pause the outbox holds after a 429; nil makes one to Teams'
	// published limits (and then the connectors should pace with it too).
	Pacer *Pacer
	// PublicURL is Rapport's own address (RAPPORT_PUBLIC_URL), for
	// download links; empty sends long exports in pieces instead.
	PublicURL string
	// Downloads keeps download links; nil sends long exports in pieces.
	Downloads DownloadStore
	// Logger records what happened, never tokens or profile text; nil
	// logs nothing.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// InvokeBudget and MessageBudget override the default deadlines.
	InvokeBudget  time.Duration
	MessageBudget time.Duration
	// Meter records how long Teams waited for each answer to its request
	// and each person for their reply; nil records nothing.
	Meter bot.Meter
	// ReadyGrace overrides DefaultReadyGrace.
	ReadyGrace time.Duration
}

// Adapter serves one Teams tenant through the Bot Framework: it checks
// and turns activities into calls on the conversation core, and renders
// its replies and the outbox's messages as Adaptive Cards.
type Adapter struct {
	chat      *bot.Chat
	appID     string
	botID     string
	tenantID  string
	verifier  *Verifier
	conn      *Connector
	delivery  *Connector
	store     Store
	log       *slog.Logger
	now       func() time.Time
	invokeIn  time.Duration
	messageIn time.Duration
	pause     *bot.Pause
	pace      *Pacer
	publicURL string
	downloads DownloadStore

	// seen keeps this replica's answers to recent invokes for two
	// minutes, so an invoke Teams retries (within seconds) gets the first
	// answer again; the database's claim keeps anything from being done
	// twice for an hour.
	seen *seenActivities
	work sync.WaitGroup

	meter bot.Meter
	grace time.Duration
}

// New returns an adapter that serves chat through the Bot Framework.
func New(chat *bot.Chat, opt Options) *Adapter {
	a := &Adapter{
		chat: chat, appID: opt.AppID, botID: "28:" + opt.AppID, tenantID: opt.TenantID,
		verifier: opt.Verifier, conn: opt.Connector, delivery: opt.DeliveryConnector, store: opt.Store,
		log: opt.Logger, now: opt.Now, invokeIn: opt.InvokeBudget, messageIn: opt.MessageBudget,
		seen:      newSeenActivities(2 * time.Minute),
		publicURL: opt.PublicURL, downloads: opt.Downloads,
		meter: opt.Meter, grace: opt.ReadyGrace,
	}
	if a.meter == nil {
		a.meter = bot.NoMeter{}
	}
	if a.grace <= 0 {
		a.grace = DefaultReadyGrace
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.invokeIn <= 0 {
		a.invokeIn = DefaultInvokeBudget
	}
	if a.messageIn <= 0 {
		a.messageIn = DefaultMessageBudget
	}
	if a.delivery == nil {
		a.delivery = a.conn
	}
	a.pace = opt.Pacer
	if a.pace == nil {
		a.pace = NewPacer(Limits{}, nil)
	}
	a.pause = a.pace.Pause()
	return a
}

// Handler serves the messaging endpoint, POST /api/messages, and the
// download links under /download/.
func (a *Adapter) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/messages", a.serveActivity)
	mux.HandleFunc(downloadPath, a.serveDownload)
	return mux
}

// Wait waits for work still running after Teams was answered (messages
// being sent), for at most d, so a shutdown does not cut a reply in half.
func (a *Adapter) Wait(d time.Duration) {
	done := make(chan struct{})
	go func() { a.work.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		a.log.Warn("gave up waiting for Teams replies to finish")
	}
}

// user is the person an activity comes from, as the core knows them.
func (a *Adapter) user(act *schema.Activity, acct *bot.Account) bot.User {
	u := bot.User{Platform: Platform}
	if act.From != nil {
		u.ID, u.Name, u.ObjectID = act.From.ID, bot.CleanText(act.From.Name), act.From.AADObjectID
		u.FirstName = firstWord(u.Name)
	}
	if acct != nil {
		u.PrincipalName = acct.PrincipalName
		if u.ObjectID == "" {
			u.ObjectID = acct.ObjectID
		}
	}
	return u
}

// firstWord is the first word of a display name, which Teams gives as
// "Given Family" (or "Family, Given" in some directories).
func firstWord(name string) string {
	name = strings.TrimSpace(name)
	if i := strings.Index(name, ","); i >= 0 && i+1 < len(name) {
		name = strings.TrimSpace(name[i+1:])
	}
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return ""
}

// seenActivities remembers recent activity IDs and, for invokes, the
// answer given, so a redelivered activity does nothing twice.
type seenActivities struct {
	mu    sync.Mutex
	ttl   time.Duration
	m     map[string]*seenActivity
	swept time.Time
}

type seenActivity struct {
	at   time.Time
	done chan struct{}
	body []byte
}

func newSeenActivities(ttl time.Duration) *seenActivities {
	return &seenActivities{ttl: ttl, m: map[string]*seenActivity{}}
}

// claim returns the entry for id and whether this is its first arrival
// here.
func (s *seenActivities) claim(id string, now time.Time) (*seenActivity, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Sweeping every entry on every arrival would cost a busy bot a
	// walk of thousands of entries per request: sweep now and then.
	if now.Sub(s.swept) > s.ttl/16 || now.Before(s.swept) {
		for k, v := range s.m {
			if now.Sub(v.at) > s.ttl {
				delete(s.m, k)
			}
		}
		s.swept = now
	}
	if v, ok := s.m[id]; ok && now.Sub(v.at) <= s.ttl {
		return v, false
	}
	v := &seenActivity{at: now, done: make(chan struct{})}
	s.m[id] = v
	return v, true
}

func (v *seenActivity) finish(body []byte) {
	v.body = body
	close(v.done)
}

// wait returns the first arrival's answer, or nil after d.
func (v *seenActivity) wait(d time.Duration) []byte {
	select {
	case <-v.done:
		return v.body
	case <-time.After(d):
		return nil
	}
}
