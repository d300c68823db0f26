package bot

import (
	"context"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/matcher"
)

// Answers a member can give about an intro.
const (
	AnswerNone     = ""
	AnswerArranged = "arranged" // "We've arranged to meet", from the intro
	AnswerYes      = "yes"      // "Did you meet?" Yes
	AnswerNotYet   = "not_yet"
	AnswerNo       = "no"
	AnswerIgnored  = "ignored" // no answer; counted towards a pause
)

// Intro statuses.
const (
	IntroPending = "pending"
	IntroSent    = "sent"
	IntroFailed  = "failed"
)

// Round is one scheduled matching.
type Round struct {
	ID        int64     `json:"id"`
	Number    int       `json:"number"`
	Period    time.Time `json:"period"` // the scheduled time it belongs to
	Forced    bool      `json:"forced"`
	CreatedAt time.Time `json:"created_at"`
	Intros    int       `json:"intros"`
	LeftOut   int       `json:"left_out"`
}

// Intro is one pairing, or trio, in a round.
type Intro struct {
	ID            int64         `json:"id"`
	RoundID       int64         `json:"round_id"`
	RoundNumber   int           `json:"round_number"`
	Members       []IntroMember `json:"members"`
	Explanation   string        `json:"explanation"`
	Question      string        `json:"question"`
	StarterID     int64         `json:"starter_id"`
	Score         int           `json:"-"`
	RelaxedRepeat bool          `json:"relaxed_repeat"`
	Status        string        `json:"status"`
	ChannelID     string        `json:"-"`
	// MessageRef is the platform's reference to the posted intro message
	// (Slack's ts), so it can be edited when a member leaves.
	MessageRef string    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	// Period is the round's scheduled time, from which the member counts
	// as introduced.
	Period time.Time `json:"period"`
}

// IntroMember is one person in an intro with their answers.
type IntroMember struct {
	Member      Member     `json:"member"`
	Answer      string     `json:"answer"`
	AnsweredAt  *time.Time `json:"answered_at,omitempty"`
	Unreachable bool       `json:"unreachable,omitempty"`
	// Left is set for the place of a member who has left Rapport: Member
	// then holds only LeftMemberName and StatusLeft, and nothing of theirs.
	Left bool `json:"left,omitempty"`
}

// Member returns the intro's member with the ID, or nil.
func (in *Intro) Member(id int64) *IntroMember {
	for i := range in.Members {
		if in.Members[i].Member.ID == id {
			return &in.Members[i]
		}
	}
	return nil
}

// PastIntro is one intro of the history the matcher reads.
type PastIntro struct {
	IntroID int64
	Round   int
	// Period is the scheduled time of the intro's round: eligibility counts
	// from it, so a round run late does not push the next one back.
	Period    time.Time
	CreatedAt time.Time
	Status    string
	Members   []int64
	Answers   []string // in Members' order
}

// RoundSnapshot is what planning a round reads, in the same transaction
// as the round is stored.
type RoundSnapshot struct {
	Number  int      // the number the new round takes
	Members []Member // every member who is active (paused or not)
	History []PastIntro
	// NotAGoodMatch are the pairs a member said were not a good match,
	// never to be introduced again.
	NotAGoodMatch [][2]int64
	// LastLeftOut and LastInTrio are from the previous round; LastLeftOut
	// includes members whose intro could not be delivered.
	LastLeftOut []int64
	LastInTrio  []int64
	// Sidelined counts, for each member, the last FairnessRounds rounds in
	// which they were left out (as LastLeftOut counts it) or put in a
	// trio. Members with none are missing.
	Sidelined map[int64]int
}

// FairnessRounds is how many recent rounds fairness remembers: over them,
// nobody is left out or put in a trio again while others have not been.
const FairnessRounds = 6

// PlannedIntro is an intro of a round being stored.
type PlannedIntro struct {
	MemberIDs     []int64
	Explanation   string
	Question      string
	StarterID     int64
	Score         int
	RelaxedRepeat bool
}

// LeftOut is a member not introduced in a round, and why.
type LeftOut struct {
	Member Member
	Reason string
}

// RoundPlan is the outcome of planning: what to store and what to send.
type RoundPlan struct {
	Intros []PlannedIntro
	// LeftOut are eligible members the hard rules left without a partner.
	LeftOut []LeftOut
	// Skipped are active members who do not take part (paused, frequency).
	Skipped []LeftOut
	// AutoPaused are members paused for ignoring three intros in a row;
	// their unanswered intros are marked ignored.
	AutoPaused []Member
	// FollowUpAt is when to ask each member "did you meet?".
	FollowUpAt time.Time
	// SecondAskAt is when to ask once more those who said "not yet".
	SecondAskAt time.Time
	// Notices are direct messages to send with the round.
	Notices []Notice
	// Eligible counts the members who took part.
	Eligible int
	Method   string
}

// RoundStore keeps rounds, intros, the pairs not to introduce again and
// the outbox.
type RoundStore interface {
	// RoundSnapshot reads what planning needs, without claiming anything.
	RoundSnapshot(ctx context.Context) (*RoundSnapshot, error)

	// CreateRound claims the period and stores the round that plan
	// returns, with its intros, the members left out, auto-pauses and
	// every message to send, in one transaction. plan gets a snapshot read
	// in that transaction. Returns ECONFLICT when the period already has a
	// round (unless force is set, which gives the round a claim of its own).
	CreateRound(ctx context.Context, period time.Time, force bool, now time.Time, plan func(*RoundSnapshot) (*RoundPlan, error)) (*Round, error)

	// LatestRound returns the most recent round, or ENOTFOUND.
	LatestRound(ctx context.Context) (*Round, error)

	// FindIntro returns an intro with its members as they are now.
	// Returns ENOTFOUND when it does not exist.
	FindIntro(ctx context.Context, id int64) (*Intro, error)

	// RecordAnswer stores a member's answer about an intro and returns the
	// intro. secondAskAt, when not zero, queues one more "did you meet?"
	// for that member unless one is already waiting; queued says whether
	// one is. Returns ENOTFOUND when the member is not in it.
	RecordAnswer(ctx context.Context, introID int64, platform, userID, answer string, secondAskAt, now time.Time) (in *Intro, queued bool, err error)

	// RecordNotAGoodMatch stops the member being introduced again to the others in
	// the intro. Returns ENOTFOUND when the member is not in it.
	RecordNotAGoodMatch(ctx context.Context, introID int64, platform, userID string, now time.Time) (*Intro, error)

	// RecentIntros returns the member's latest intros, newest first.
	RecentIntros(ctx context.Context, memberID int64, limit int) ([]Intro, error)

	// ClaimOutbox claims up to limit messages that are due at now, or whose
	// earlier claim is older than staleBefore, and counts an attempt for
	// each. A message claimed here is claimed nowhere else.
	ClaimOutbox(ctx context.Context, now, staleBefore time.Time, limit int) ([]OutboxMessage, error)
	// FinishOutbox records a message as sent (ref says where) or skipped.
	FinishOutbox(ctx context.Context, id int64, status, ref string, now time.Time) error
	// RetryOutbox makes a message due again at due.
	RetryOutbox(ctx context.Context, id int64, due time.Time, reason string) error
	// DeferOutbox makes a message due again at due without counting the
	// claim as an attempt: it was put back (a 429 pause, a shutdown), not
	// tried.
	DeferOutbox(ctx context.Context, id int64, due time.Time) error
	// NextOutboxDue returns when the next pending message falls due, or
	// the zero time when none is pending.
	NextOutboxDue(ctx context.Context) (time.Time, error)

	// RecordIntroSent records, in one transaction, that the intro was
	// posted (where, and its message reference) and that its outbox
	// message is done.
	RecordIntroSent(ctx context.Context, outboxID, introID int64, channelID, ref string, now time.Time) error
	// SetIntroDelivery records the intro's conversation and, once sent, its
	// status and message reference.
	SetIntroDelivery(ctx context.Context, introID int64, channelID, status, messageTS string) error
	// MarkUnreachable marks members whose account cannot be reached: they
	// become inactive, and are marked unreachable in the intro. It marks
	// the intro failed when failIntro is set and queues the notices, in
	// the same transaction.
	MarkUnreachable(ctx context.Context, introID int64, memberIDs []int64, failIntro bool, notices []Notice, now time.Time) error

	// RoundStats returns the figures for admins.
	RoundStats(ctx context.Context, now time.Time, lastRounds int) (*Stats, error)
}

// OutboxMessage kinds.
const (
	OutboxIntro    = "intro"
	OutboxFollowUp = "followup"
	OutboxNotice   = "notice"
)

// Outbox statuses.
const (
	OutboxPending = "pending"
	OutboxSending = "sending"
	OutboxSent    = "sent"
	OutboxSkipped = "skipped"
	OutboxFailed  = "failed"
)

// OutboxMessage is a message waiting to be sent.
type OutboxMessage struct {
	ID       int64
	Kind     string
	IntroID  int64  // for intros and follow-ups
	MemberID int64  // the recipient of a follow-up or notice
	UserID   string // their platform user ID
	Platform string
	Notice   string       // a notice's kind
	Params   NoticeParams // what a notice's kind needs
	Attempts int          // including this one
	DueAt    time.Time
}

// RoundSettings tune rounds.
type RoundSettings struct {
	// FollowUpAfter is how long after the intro "did you meet?" is asked.
	FollowUpAfter time.Duration
	// SecondAskAfter is how long after the intro "not yet" is asked again.
	SecondAskAfter time.Duration
	// RepeatWindow is how many rounds a pair must not repeat within.
	RepeatWindow int
	// IgnoredLimit is how many unanswered intros in a row pause a member.
	IgnoredLimit int
}

// DefaultRoundSettings are the settings when none are given.
func DefaultRoundSettings() RoundSettings {
	return RoundSettings{
		FollowUpAfter:  3 * 24 * time.Hour,
		SecondAskAfter: 6 * 24 * time.Hour,
		RepeatWindow:   matcher.DefaultRepeatWindow,
		IgnoredLimit:   3,
	}
}

// Rounds runs rounds of introductions.
type Rounds struct {
	Store    RoundStore
	Now      func() time.Time
	Location *time.Location
	Settings RoundSettings
	// NextRound returns the next scheduled round after t.
	NextRound func(t time.Time) time.Time
	// OnQueued is called when an answer queues a message, so that a
	// waiting delivery worker sends it on time.
	OnQueued func()
	// Meter records each round that runs and the database errors of
	// running one; nil counts nothing.
	Meter Meter
}

func (r *Rounds) now() time.Time {
	if r.Now == nil {
		return time.Now().UTC()
	}
	return r.Now().UTC()
}

func (r *Rounds) settings() RoundSettings {
	s, d := r.Settings, DefaultRoundSettings()
	if s.FollowUpAfter <= 0 {
		s.FollowUpAfter = d.FollowUpAfter
	}
	if s.SecondAskAfter <= 0 {
		s.SecondAskAfter = d.SecondAskAfter
	}
	if s.RepeatWindow <= 0 {
		s.RepeatWindow = d.RepeatWindow
	}
	if s.IgnoredLimit <= 0 {
		s.IgnoredLimit = d.IgnoredLimit
	}
	return s
}

// Run plans and stores the round for period, once: a second call for the
// same period returns ECONFLICT unless force is set. The messages it
// queues are sent by the outbox worker.
func (r *Rounds) Run(ctx context.Context, period time.Time, force bool) (*Round, *RoundPlan, error) {
	started := time.Now() // the wall clock: r.Now may be a test's fixed time
	now := r.now()
	var plan *RoundPlan
	round, err := r.Store.CreateRound(ctx, period.UTC(), force, now, func(s *RoundSnapshot) (*RoundPlan, error) {
		p, err := r.plan(s, period, now)
		if err == nil && p.Eligible < 2 && len(p.AutoPaused) == 0 {
			// Claiming the period for nobody would block a round later in
			// it, when people have joined.
			who := "Nobody is due an introduction"
			if p.Eligible == 1 {
				who = "Only one member is due an introduction"
			}
			return nil, Errorf(EINVALID, "%s in this round, so there is nobody to introduce yet.", who)
		}
		plan = p
		return p, err
	})
	if err != nil {
		if ErrorCode(err) == EINTERNAL {
			meterOf(r.Meter).DBError("round create")
		}
		return nil, nil, err
	}
	meterOf(r.Meter).Round(plan.Eligible, len(plan.Intros), time.Since(started))
	return round, plan, nil
}

// Preview plans the next round without storing or sending anything.
func (r *Rounds) Preview(ctx context.Context, period time.Time) (*RoundPlan, error) {
	s, err := r.Store.RoundSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	return r.plan(s, period, r.now())
}

// PreviewNext plans the next scheduled round (or, without a schedule, one
// now) without storing or sending anything, and says when it is. Only
// admins may see it: Chat checks, before asking.
func (r *Rounds) PreviewNext(ctx context.Context) (*RoundPlan, time.Time, error) {
	period := r.now()
	if r.NextRound != nil {
		period = r.NextRound(period)
	}
	p, err := r.Preview(ctx, period)
	return p, period, err
}

// RunNow starts a round now. It belongs to the current period (the latest
// scheduled time), so it does not run twice in one period unless force is
// set. Returns ECONFLICT when the period already has a round. Only admins
// may run one: Chat checks, before asking.
func (r *Rounds) RunNow(ctx context.Context, force bool) (*Round, *RoundPlan, error) {
	round, plan, err := r.Run(ctx, r.CurrentPeriod(r.now()), force)
	if ErrorCode(err) == ECONFLICT {
		return nil, nil, Refuse(ECONFLICT, "The round for this period has already run. To run another anyway, use ", Cmd("admin", "run-now", "--force"), ".")
	}
	return round, plan, err
}

// plan decides a round from a snapshot: who takes part, who is paused for
// ignoring intros, and the groups the matcher finds.
func (r *Rounds) plan(s *RoundSnapshot, period, now time.Time) (*RoundPlan, error) {
	set := r.settings()
	p := &RoundPlan{FollowUpAt: now.Add(set.FollowUpAfter), SecondAskAt: now.Add(set.SecondAskAfter)}

	lastIntro := map[int64]time.Time{}
	lastMade := map[int64]time.Time{}
	ignored := map[int64]int{}   // unanswered intros in a row, newest first
	answered := map[int64]bool{} // an answer stops the streak
	history := slices.Clone(s.History)
	slices.SortFunc(history, func(a, b PastIntro) int { return b.CreatedAt.Compare(a.CreatedAt) })
	for _, h := range history {
		for i, id := range h.Members {
			// An intro that never reached them does not count: they are
			// first in line next round.
			if t, ok := lastIntro[id]; h.Status != IntroFailed && (!ok || h.Period.After(t)) {
				// Eligibility counts from the period; people are told
				// the day the intro was actually made.
				lastIntro[id] = h.Period
				lastMade[id] = h.CreatedAt
			}
			if answered[id] || h.Status != IntroSent {
				continue
			}
			// Only intros whose follow-up has had time to be answered count.
			if h.Answers[i] == AnswerNone && !h.CreatedAt.Add(set.FollowUpAfter).After(now) {
				ignored[id]++
			} else {
				answered[id] = true
			}
		}
	}

	var eligible []Member
	for _, m := range s.Members {
		if m.Status != StatusActive {
			continue
		}
		if ignored[m.ID] >= set.IgnoredLimit && !m.PausedAt(period) {
			p.AutoPaused = append(p.AutoPaused, m)
			p.Skipped = append(p.Skipped, LeftOut{Member: m, Reason: fmt.Sprintf("Paused: no answer to their last %d introductions.", ignored[m.ID])})
			p.Notices = append(p.Notices, Notice{MemberID: m.ID, Kind: NoticeAutoPaused, Params: NoticeParams{Count: set.IgnoredLimit}})
			continue
		}
		e := matcher.Eligibility{Frequency: m.Profile.Frequency, PausedIndefinitely: m.Paused && m.PausedUntil == nil}
		if m.Paused {
			e.PausedUntil = m.PausedUntil
		}
		if t, ok := lastIntro[m.ID]; ok {
			made := lastMade[m.ID]
			e.LastIntro, e.LastIntroMade = &t, &made
		}
		if ok, why := matcher.Eligible(e, period); !ok {
			p.Skipped = append(p.Skipped, LeftOut{Member: m, Reason: skipReason(why, period.Location())})
			continue
		}
		eligible = append(eligible, m)
	}
	p.Eligible = len(eligible)
	if len(eligible) == 0 {
		return p, nil
	}

	// Members meet the people of their own platform: an intro is one
	// conversation, which no platform can hold with another's users.
	byPlatform := map[string][]Member{}
	for _, m := range eligible {
		byPlatform[m.Platform] = append(byPlatform[m.Platform], m)
	}
	var methods []string
	for _, platform := range slices.Sorted(maps.Keys(byPlatform)) {
		method, err := r.match(p, s, byPlatform[platform], set)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(methods, method) {
			methods = append(methods, method)
		}
	}
	p.Method = strings.Join(methods, "+")
	return p, nil
}

// matcherMember is the member as the matcher reads them.
func matcherMember(m Member) matcher.Member {
	return matcher.Member{
		ID: idString(m.ID), Name: m.Name, FirstName: FirstName(m),
		Organisation: m.Profile.Organisation, OrganisationKey: OrganisationKey(m.Profile.Organisation),
		Sector: m.Profile.Sector, Role: m.Profile.Role, CareerStage: m.Profile.CareerStage,
		Interests: m.Profile.Interests, Offers: m.Profile.Offers, Asks: m.Profile.Asks,
		Mentoring: m.Profile.Mentoring, Meeting: m.Profile.Meeting,
	}
}

// match pairs the eligible members of one platform and adds their intros,
// and those left out, to the plan. It returns the matcher's method.
func (r *Rounds) match(p *RoundPlan, s *RoundSnapshot, eligible []Member, set RoundSettings) (string, error) {
	byID := map[int64]Member{}
	in := matcher.Input{Round: s.Number}
	for _, m := range eligible {
		byID[m.ID] = m
		in.Members = append(in.Members, matcherMember(m))
	}
	for _, h := range s.History {
		met := slices.Contains(h.Answers, AnswerYes) || slices.Contains(h.Answers, AnswerArranged)
		for i := 0; i < len(h.Members); i++ {
			for j := i + 1; j < len(h.Members); j++ {
				in.History = append(in.History, matcher.Meeting{A: idString(h.Members[i]), B: idString(h.Members[j]), Round: h.Round, Met: met})
			}
		}
	}
	for _, b := range s.NotAGoodMatch {
		in.NotAGoodMatch = append(in.NotAGoodMatch, [2]string{idString(b[0]), idString(b[1])})
	}
	for _, id := range s.LastLeftOut {
		in.LastLeftOut = append(in.LastLeftOut, idString(id))
	}
	for _, id := range s.LastInTrio {
		in.LastInTrio = append(in.LastInTrio, idString(id))
	}
	if len(s.Sidelined) > 0 {
		in.Sidelined = make(map[string]int, len(s.Sidelined))
		for id, k := range s.Sidelined {
			in.Sidelined[idString(id)] = k
		}
	}

	res, err := matcher.Match(in, matcher.Options{Seed: int64(s.Number), RepeatWindow: set.RepeatWindow})
	if err != nil {
		return "", fmt.Errorf("matching round %d: %w", s.Number, err)
	}
	for _, g := range res.Groups {
		pi := PlannedIntro{Explanation: explain(g), Score: g.Score, RelaxedRepeat: g.RelaxedRepeat}
		var members []Member
		for _, id := range g.Members {
			m := byID[parseID(id)]
			pi.MemberIDs = append(pi.MemberIDs, m.ID)
			members = append(members, m)
		}
		pi.Question, pi.StarterID = firstQuestion(members, s.Number)
		p.Intros = append(p.Intros, pi)
	}
	for _, u := range res.Unmatched {
		m := byID[parseID(u.ID)]
		// The reason is for admins; the member hears only that they go
		// first next time.
		p.LeftOut = append(p.LeftOut, LeftOut{Member: m, Reason: unmatchedReason(u)})
		p.Notices = append(p.Notices, Notice{MemberID: m.ID, Kind: NoticeLeftOut})
	}
	return res.Method, nil
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

func parseID(s string) int64 {
	id, _ := strconv.ParseInt(s, 10, 64)
	return id
}

// firstQuestion suggests an opening question drawn from what the group
// shares or what one can offer another, and picks who starts, so that
// somebody does.
func firstQuestion(ms []Member, round int) (string, int64) {
	if len(ms) == 0 {
		return "", 0
	}
	h := fnv.New32a()
	for _, m := range ms {
		fmt.Fprint(h, m.ID, ",")
	}
	fmt.Fprint(h, round)
	starter := ms[int(h.Sum32()%uint32(len(ms)))]

	// An offer that meets an ask gives the most useful first question.
	for _, asker := range ms {
		for _, helper := range ms {
			if asker.ID == helper.ID {
				continue
			}
			for _, ask := range asker.Profile.Asks {
				for _, offer := range helper.Profile.Offers {
					if equalTopic(ask, offer) {
						q := fmt.Sprintf("what has worked for you with %s?", lowerTopic(offer))
						if name := FirstName(helper); name != "" {
							return name + ", " + q, asker.ID
						}
						return "W" + q[1:], asker.ID
					}
				}
			}
		}
	}
	if shared := sharedTopics(ms); len(shared) > 0 {
		you := "You both"
		if len(ms) > 2 {
			you = "You all"
		}
		return fmt.Sprintf("%s care about %s: how did you get into it?", you, lowerTopic(shared[0])), starter.ID
	}
	if ms[0].Profile.Sector != ms[1].Profile.Sector {
		return "What does a typical week look like in your work, and what would surprise someone from outside it?", starter.ID
	}
	return "What is one thing your team does that others in the network could learn from?", starter.ID
}

func sharedTopics(ms []Member) []string {
	var out []string
	for _, t := range ms[0].Profile.Interests {
		all := true
		for _, m := range ms[1:] {
			if !slices.ContainsFunc(m.Profile.Interests, func(x string) bool { return equalTopic(x, t) }) {
				all = false
			}
		}
		if all {
			out = append(out, t)
		}
	}
	return out
}

func equalTopic(a, b string) bool { return strings.EqualFold(canonicalTopic(a), canonicalTopic(b)) }
