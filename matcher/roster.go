package matcher

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
)

// roster is a round compiled into flat arrays indexed by a shuffled member
// index, so scoring a pair touches a few contiguous slices and no maps. At
// 100,000 members scoring dominates the cost, and cache misses dominate
// scoring.
type roster struct {
	n      int
	round  int
	window int
	w      Weights

	members []*Member        // roster index -> member
	ids     []string         // roster index -> ID
	perm    []int32          // roster index -> input index
	index   map[string]int32 // ID -> roster index

	org       []int32
	orgNames  []string // interned organisation -> first spelling seen
	sector    []int32
	mentoring []int8
	meeting   []int8
	// turns ranks how much each member has recently been left out or put
	// in a trio (see Input.Sidelined); the higher, the more they are kept
	// in pairs. maxTurns is the highest.
	turns    []int32
	maxTurns int32

	// Tags of member i: interests tags[tagOff[3i]:tagOff[3i+1]], offers up
	// to tagOff[3i+2], asks up to tagOff[3i+3]; each run sorted.
	tagOff   []int32
	tags     []int32
	tagNames []string
	tagKeys  []string

	// Past introductions and blocks of member i, sorted by peer:
	// peer[histOff[i]:histOff[i+1]].
	histOff   []int32
	histPeer  []int32
	histRound []int32 // last round introduced, or noRound
	histFlags []uint8

	// hot[i] repeats what scoring a pair reads of member i, packed into
	// one cache line: at 100,000 members the arrays above no longer fit in
	// a core's cache, and each would cost a miss per pair scored.
	hot []hotMember

	maxScore int64 // an upper bound on any pair's score
}

// hotMember is one member's scoring data; see roster.hot.
type hotMember struct {
	// sig[k] has bit t%64 set for each tag t in list k: two lists with no
	// common bit share no tag, which settles most pairs without merging
	// the lists.
	sig       [3]uint64
	tagOff    [4]int32 // interests, offers and asks are tags[tagOff[k]:tagOff[k+1]]
	histLo    int32    // history is histPeer[histLo:histHi]
	histHi    int32
	org       int32
	sector    int32
	stage     int8
	mentoring int8
	meeting   int8
}

// noRound marks a history entry that is only a block.
const noRound = math.MinInt32

const (
	flagBlocked uint8 = 1 << iota
	flagMet
)

const (
	mentorNeither int8 = iota
	mentorMentor
	mentorMentee
)

const (
	meetEither int8 = iota
	meetInPerson
	meetVideo
)

var stageRank = map[string]int8{"in_training": 0, "first_five": 1, "established": 2, "senior": 3}

// normalise folds case and runs of spaces so "St  Mary's" equals "st mary's".
func normalise(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

type interner struct {
	keys  []string // normalised form of each id
	ids   map[string]int32
	raw   map[string]int32 // spellings already seen, to skip normalising
	names []string
}

func (t *interner) id(raw string) int32 {
	if id, ok := t.raw[raw]; ok {
		return id
	}
	if t.raw == nil {
		t.raw = map[string]int32{}
	}
	id := t.idSlow(raw)
	t.raw[raw] = id
	return id
}

func (t *interner) idSlow(raw string) int32 {
	return t.idNamed(normalise(raw), raw)
}

// idNamed interns a key the caller has already normalised, remembering
// name as its first spelling.
func (t *interner) idNamed(key, name string) int32 {
	if id, ok := t.ids[key]; ok {
		return id
	}
	id := int32(len(t.names))
	t.ids[key] = id
	t.keys = append(t.keys, key)
	t.names = append(t.names, strings.Join(strings.Fields(name), " "))
	return id
}

func compile(in Input, opt Options, rng *rand.Rand) (*roster, error) {
	n := len(in.Members)
	r := &roster{n: n, round: in.Round, window: opt.RepeatWindow, w: opt.Weights}
	r.perm = make([]int32, n)
	for i := range r.perm {
		r.perm[i] = int32(i)
	}
	rng.Shuffle(n, func(a, b int) { r.perm[a], r.perm[b] = r.perm[b], r.perm[a] })

	r.members = make([]*Member, n)
	r.ids = make([]string, n)
	r.index = make(map[string]int32, n)
	r.org = make([]int32, n)
	r.sector = make([]int32, n)
	stage := make([]int8, n) // career stage rank, -1 unknown
	r.mentoring = make([]int8, n)
	r.meeting = make([]int8, n)
	r.turns = make([]int32, n)
	// Tags are interned while the rest is compiled; they touch separate
	// fields.
	var tagsDone sync.WaitGroup
	tagsDone.Go(func() { r.compileTags(in) })
	defer tagsDone.Wait()
	orgs := interner{ids: map[string]int32{}}
	sectors := interner{ids: map[string]int32{}}
	for i, src := range r.perm {
		m := &in.Members[src]
		if m.ID == "" {
			return nil, errorf("member %d has no ID", src)
		}
		if _, dup := r.index[m.ID]; dup {
			return nil, errorf("member ID %q appears twice", m.ID)
		}
		r.members[i] = m
		r.ids[i] = m.ID
		r.index[m.ID] = int32(i)
		switch {
		case m.OrganisationKey != "":
			r.org[i] = orgs.idNamed("\x01"+m.OrganisationKey, m.Organisation)
		case normalise(m.Organisation) == "":
			// Without an organisation nobody can be sure who is a colleague,
			// so each such member counts as an organisation of their own.
			r.org[i] = orgs.id("\x00" + m.ID)
		default:
			r.org[i] = orgs.id(m.Organisation)
		}
		r.sector[i] = sectors.id(m.Sector)
		if rank, ok := stageRank[m.CareerStage]; ok {
			stage[i] = rank
		} else {
			stage[i] = -1
		}
		switch m.Mentoring {
		case "mentor":
			r.mentoring[i] = mentorMentor
		case "mentee":
			r.mentoring[i] = mentorMentee
		}
		switch m.Meeting {
		case "in_person":
			r.meeting[i] = meetInPerson
		case "video":
			r.meeting[i] = meetVideo
		}
	}
	r.orgNames = orgs.names
	r.compileTurns(in)
	r.compileHistory(in)
	r.maxScore = r.w.maxScore()
	tagsDone.Wait()
	r.hot = make([]hotMember, n)
	for i := range r.hot {
		r.hot[i] = hotMember{
			tagOff:    [4]int32{r.tagOff[3*i], r.tagOff[3*i+1], r.tagOff[3*i+2], r.tagOff[3*i+3]},
			histLo:    r.histOff[i],
			histHi:    r.histOff[i+1],
			org:       r.org[i],
			sector:    r.sector[i],
			stage:     stage[i],
			mentoring: r.mentoring[i],
			meeting:   r.meeting[i],
		}
		h := &r.hot[i]
		for k := range h.sig {
			for _, t := range r.tags[h.tagOff[k]:h.tagOff[k+1]] {
				h.sig[k] |= 1 << (uint(t) % 64)
			}
		}
	}
	return r, nil
}

// maxSidelined caps Input.Sidelined, so the fairness bonus stays far from
// overflowing whatever a caller passes.
const maxSidelined = 8

// compileTurns ranks members by recent turns left out or in a trio: two
// steps for each recent round, and one more for the last round, so that
// among members sidelined equally often the latest goes first.
func (r *roster) compileTurns(in Input) {
	for id, k := range in.Sidelined {
		if i, ok := r.index[id]; ok {
			r.turns[i] += 2 * int32(min(max(k, 0), maxSidelined))
		}
	}
	last := make([]bool, r.n)
	for _, list := range [][]string{in.LastLeftOut, in.LastInTrio} {
		for _, id := range list {
			if i, ok := r.index[id]; ok && !last[i] {
				last[i] = true
				r.turns[i]++
			}
		}
	}
	for _, t := range r.turns {
		r.maxTurns = max(r.maxTurns, t)
	}
}

// compileTags interns every member's interests, offers and asks into sorted
// runs of tag numbers.
func (r *roster) compileTags(in Input) {
	r.tagOff = make([]int32, 3*r.n+1)
	tags := interner{ids: map[string]int32{}}
	tags.id("") // tag 0 stands for blank tags, which are skipped
	for i, src := range r.perm {
		m := &in.Members[src]
		for k, list := range [3][]string{m.Interests, m.Offers, m.Asks} {
			start := len(r.tags)
			for _, t := range list {
				if id := tags.id(t); id != 0 {
					r.tags = append(r.tags, id)
				}
			}
			run := r.tags[start:]
			slices.Sort(run)
			r.tags = r.tags[:start+len(slices.Compact(run))]
			r.tagOff[3*i+k+1] = int32(len(r.tags))
		}
	}
	r.tagNames = tags.names
	r.tagKeys = tags.keys
}

type histEntry struct {
	a, b  int32
	round int32
	flags uint8
}

// compileHistory keeps, for each pair of this round's members, their latest
// introduction, whether they ever said they met, and whether either blocked
// the other.
func (r *roster) compileHistory(in Input) {
	es := make([]histEntry, 0, 2*(len(in.History)+len(in.NotAGoodMatch)))
	add := func(a, b string, round int32, flags uint8) {
		i, ok1 := r.index[a]
		j, ok2 := r.index[b]
		if !ok1 || !ok2 || i == j {
			return
		}
		es = append(es, histEntry{i, j, round, flags}, histEntry{j, i, round, flags})
	}
	for _, m := range in.History {
		var f uint8
		if m.Met {
			f = flagMet
		}
		round := int32(max(min(m.Round, math.MaxInt32), math.MinInt32+1))
		add(m.A, m.B, round, f)
	}
	for _, b := range in.NotAGoodMatch {
		add(b[0], b[1], noRound, flagBlocked)
	}
	// Counting sort by member, then sort each member's short run by peer.
	r.histOff = make([]int32, r.n+1)
	for _, e := range es {
		r.histOff[e.a+1]++
	}
	for i := 0; i < r.n; i++ {
		r.histOff[i+1] += r.histOff[i]
	}
	sorted := make([]histEntry, len(es))
	fill := slices.Clone(r.histOff[:r.n])
	for _, e := range es {
		sorted[fill[e.a]] = e
		fill[e.a]++
	}
	r.histPeer = make([]int32, 0, len(es))
	r.histRound = make([]int32, 0, len(es))
	r.histFlags = make([]uint8, 0, len(es))
	off := make([]int32, r.n+1)
	for i := 0; i < r.n; i++ {
		run := sorted[r.histOff[i]:r.histOff[i+1]]
		slices.SortFunc(run, func(x, y histEntry) int { return int(x.b) - int(y.b) })
		for k, e := range run {
			if k > 0 && run[k-1].b == e.b {
				last := len(r.histPeer) - 1
				r.histRound[last] = max(r.histRound[last], e.round)
				r.histFlags[last] |= e.flags
				continue
			}
			r.histPeer = append(r.histPeer, e.b)
			r.histRound = append(r.histRound, e.round)
			r.histFlags = append(r.histFlags, e.flags)
		}
		off[i+1] = int32(len(r.histPeer))
	}
	r.histOff = off
}

// historyOf returns the latest introduction round of two members (noRound
// if never) and its flags, from their scoring data.
func (r *roster) historyOf(a, b *hotMember, j, i int32) (int32, uint8) {
	// Search the shorter list; most are a dozen entries or fewer.
	if b.histHi-b.histLo < a.histHi-a.histLo {
		a, j = b, i
	}
	lo, hi := a.histLo, a.histHi
	for lo < hi {
		mid := int32(uint32(lo+hi) >> 1)
		if r.histPeer[mid] < j {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < a.histHi && r.histPeer[lo] == j {
		return r.histRound[lo], r.histFlags[lo]
	}
	return noRound, 0
}

func (r *roster) interests(i int32) []int32 { return r.tags[r.tagOff[3*i]:r.tagOff[3*i+1]] }
func (r *roster) offers(i int32) []int32    { return r.tags[r.tagOff[3*i+1]:r.tagOff[3*i+2]] }
func (r *roster) asks(i int32) []int32      { return r.tags[r.tagOff[3*i+2]:r.tagOff[3*i+3]] }

// firstName is how reasons name a member: the first name the
// caller gave, or the first word of their name.
func (r *roster) firstName(i int32) string {
	if f := strings.TrimSpace(r.members[i].FirstName); f != "" {
		return f
	}
	if f := strings.Fields(r.members[i].Name); len(f) > 0 {
		return f[0]
	}
	return r.ids[i]
}

// fullName is the member's name with spacing tidied, or their ID.
func (r *roster) fullName(i int32) string {
	if f := strings.Fields(r.members[i].Name); len(f) > 0 {
		return strings.Join(f, " ")
	}
	return r.ids[i]
}

// tagText is how member i spelt tag t in list kind (0 interests, 1 offers,
// 2 asks), so reasons quote people's own words.
func (r *roster) tagText(i int32, kind int, t int32) string {
	m := r.members[i]
	for _, raw := range [3][]string{m.Interests, m.Offers, m.Asks}[kind] {
		if normalise(raw) == r.tagKeys[t] {
			return strings.Join(strings.Fields(raw), " ")
		}
	}
	return r.tagNames[t]
}
