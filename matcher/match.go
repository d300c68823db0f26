package matcher

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
)

// Member is one person taking part in a round. Sector, CareerStage,
// Mentoring and Meeting hold the bot's codes (see the package comment);
// Interests, Offers and Asks are free tags, compared without regard to case
// or spacing.
type Member struct {
	ID   string
	Name string // the full name, for telling apart two people of one first name
	// FirstName is how reasons name the member; when empty, the
	// first word of Name.
	FirstName    string
	Organisation string // the organisation's name, as explanations show it
	// OrganisationKey identifies the organisation: members with equal keys
	// are colleagues and are never introduced. The caller computes it (see
	// bot.OrganisationKey), so that spellings of one organisation share it.
	// When empty, Organisation is compared without regard to case or
	// spacing.
	OrganisationKey string
	Sector          string
	Role            string
	CareerStage     string
	Interests       []string
	Offers          []string // "I can help with"
	Asks            []string // "I'd like to learn"
	Mentoring       string   // "mentor", "mentee" or "neither"
	Meeting         string   // "in_person", "video" or "either"
}

// Meeting is one past introduction between members A and B in round Round;
// Met records whether they said they met.
type Meeting struct {
	A, B  string
	Round int
	Met   bool
}

// Input is everything one round needs. Members should already be the
// eligible ones (see Eligible). History and NotAGoodMatch may mention people who are
// not in this round; they are ignored.
type Input struct {
	Round         int
	Members       []Member
	History       []Meeting
	NotAGoodMatch [][2]string // pairs never to introduce, in either order
	LastLeftOut   []string    // IDs left out last round
	LastInTrio    []string    // IDs put in a trio last round
	// Sidelined counts, by ID, the recent rounds (the caller chooses how
	// many; six is a good span) in which each member was left out or put
	// in a trio, the last round included. Those with the fewest are the
	// first to be left out or put in a trio again, so over those rounds
	// nobody takes a second turn while others have had none. Without it
	// only the last round counts.
	Sidelined map[string]int
}

// Options tune a call to Match. The zero value is ready to use.
type Options struct {
	// Seed makes the result repeatable: the same input and seed give the
	// same groups. Ties are broken by a permutation drawn from it.
	Seed int64
	// RepeatWindow is how many past rounds a pair must not be repeated
	// within (default 12). A pair introduced in round r is blocked in round
	// R when R-r <= RepeatWindow.
	RepeatWindow int
	// Weights score the preferences; the zero value means DefaultWeights.
	Weights Weights
	// ExactLimit is the largest round solved by the exact solver (default
	// DefaultExactLimit); larger rounds take the scalable path.
	ExactLimit int
	// FullGraphLimit is the largest round whose every compatible pair is
	// given to the exact solver (default DefaultFullGraphLimit); above it the
	// graph is first thinned to each member's best few pairs.
	FullGraphLimit int
	// Workers bounds the goroutines used on the scalable path (default 2).
	Workers int
}

// Size thresholds chosen from the benchmarks in this package on a 2-core
// machine; see the package comment.
const (
	DefaultRepeatWindow   = 12
	DefaultExactLimit     = 2500
	DefaultFullGraphLimit = 1000
)

func (o Options) withDefaults() Options {
	if o.RepeatWindow <= 0 {
		o.RepeatWindow = DefaultRepeatWindow
	}
	if o.Weights.isZero() {
		o.Weights = DefaultWeights()
	}
	if o.ExactLimit <= 0 {
		o.ExactLimit = DefaultExactLimit
	}
	if o.FullGraphLimit <= 0 {
		o.FullGraphLimit = DefaultFullGraphLimit
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	return o
}

// Group is one introduction: a pair, or a trio when someone would otherwise
// be left out.
type Group struct {
	Members []string // member IDs; in a trio the third is the one who joined the pair
	// Score is the sum of the preference weights over the group's pairs.
	Score int
	// Why are the reasons the members were put together, strongest first
	// (Sam can help with QI, which Priya wants to learn), as data for the
	// caller to word; in a trio the last says who joined the pair.
	Why []Reason
	// RelaxedRepeat is set when the repeat window was relaxed so that a
	// member was not left without a partner; Why says so.
	RelaxedRepeat bool
}

// UnmatchedKind is why the hard rules left a member without any group.
type UnmatchedKind int

// Reasons for leaving a member out.
const (
	// UnmatchedAlone: the member was the only one in the round.
	UnmatchedAlone UnmatchedKind = iota + 1
	// UnmatchedColleagues: everyone else is from their Organisation, and
	// colleagues are never paired.
	UnmatchedColleagues
	// UnmatchedBlocked: every possible partner from another organisation
	// is on a do-not-pair list.
	UnmatchedBlocked
	// UnmatchedNoRoom: everyone they could meet was already paired, and no
	// pair could take a third without breaking a rule.
	UnmatchedNoRoom
)

// Unmatched is a member the hard rules left without any group, and why,
// as data for the caller to word for a network admin.
type Unmatched struct {
	ID  string
	Why UnmatchedKind
	// Name is how the reason names the member; Organisation is the name
	// of their organisation, for UnmatchedColleagues.
	Name, Organisation string
}

// Result is the outcome of a round.
type Result struct {
	Groups    []Group
	Unmatched []Unmatched
	// Exact is true when every compatible pair was considered and the
	// pairing is provably the best for the weights (before the trio).
	Exact bool
	// Method is "exact" (all pairs, exact solver), "sparse-exact" (each
	// member's best pairs, exact solver) or "scalable" (candidate pairs,
	// greedy start and local search).
	Method string
	// Candidates is the number of pairs the solver chose from.
	Candidates int
	// MatchingScore is the total score of the pairs before any trio was
	// formed: the quantity the solver maximises, for comparing methods.
	MatchingScore int
}

// Match pairs the members of one round. Hard rules are never broken: no two
// members of one organisation, no blocked pair, and no pair introduced
// within the repeat window unless a member would otherwise have no partner
// at all (then the rule is relaxed for that member only, oldest introduction
// first, and the group says so). It matches as many people as possible,
// then avoids leaving out (or putting in a trio) anyone who was left out or
// in a trio last round, then maximises the total score. When one person is
// left over they join the pair where they fit best.
//
// It returns an error for input it cannot trust: empty or duplicate IDs.
func Match(in Input, opt Options) (Result, error) {
	r, opt, rng, err := prepare(in, opt)
	if err != nil {
		return Result{}, err
	}
	var res Result
	var mate []int32
	switch {
	case r.n <= opt.ExactLimit:
		mate, res.Candidates, res.Exact = solveExact(r, opt, rng)
		res.Method = "sparse-exact"
		if res.Exact {
			res.Method = "exact"
		}
	default:
		mate, res.Candidates = solveScalable(r, opt, rng)
		res.Method = "scalable"
	}
	for v, m := range mate {
		if int32(v) < m {
			s, _, _ := r.pair(int32(v), m)
			res.MatchingScore += int(s)
		}
	}
	groups, unmatched := formGroups(r, mate)
	// Present groups in the input order of their first member, so the
	// output does not depend on the internal shuffle.
	first := func(g groupIdx) int32 { return min(r.perm[g.members[0]], r.perm[g.members[1]]) }
	slices.SortFunc(groups, func(a, b groupIdx) int { return int(first(a) - first(b)) })
	slices.SortFunc(unmatched, func(a, b int32) int { return int(r.perm[a] - r.perm[b]) })
	// Reasons are independent of each other; gather them in parallel into
	// fixed slots so the order never depends on scheduling.
	res.Groups = make([]Group, len(groups))
	var wg sync.WaitGroup
	step := (len(groups) + opt.Workers - 1) / max(1, opt.Workers)
	for lo := 0; lo < len(groups); lo += step {
		hi := min(len(groups), lo+step)
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				res.Groups[i] = r.describe(groups[i])
			}
		})
	}
	wg.Wait()
	for _, u := range unmatched {
		res.Unmatched = append(res.Unmatched, r.unmatched(u))
	}
	return res, nil
}

// prepare fills in the options' defaults, checks the weights, and compiles
// the round with the random stream the seed gives.
func prepare(in Input, opt Options) (*roster, Options, *rand.Rand, error) {
	opt = opt.withDefaults()
	if err := opt.Weights.validate(); err != nil {
		return nil, opt, nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(opt.Seed), 0x9e3779b97f4a7c15))
	r, err := compile(in, opt, rng)
	return r, opt, rng, err
}

// groupIdx is a group by roster index; members[2] is -1 for a pair.
type groupIdx struct {
	members [3]int32
	relaxed bool
}

func errorf(format string, args ...any) error {
	return fmt.Errorf("matcher: "+format, args...)
}
