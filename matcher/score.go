package matcher

// Weights are the preferences between two members, in points. A pair's
// score is the sum of the weights that apply to it; the matcher maximises
// the total over all groups. All weights must be non-negative.
type Weights struct {
	// Base is given to every allowed pair, so that any introduction beats
	// none.
	Base int
	// OfferAsk applies when one member can help with something the other
	// wants to learn; it is the strongest reason to introduce two people.
	OfferAsk int
	// BothWays is added on top when each can help the other.
	BothWays int
	// DifferentSector applies to members from different sectors.
	DifferentSector int
	// SharedInterests[k] is the gain from the (k+1)th shared interest;
	// interests beyond the list add nothing, so a few count and many add
	// little.
	SharedInterests []int
	// Mentoring applies when a member willing to mentor meets a member at
	// an earlier career stage who wants a mentor.
	Mentoring int
	// Meeting applies when the meeting preferences are compatible (not one
	// in person only and the other video only).
	Meeting int
	// NeverIntroduced applies to a pair never introduced before; pairs
	// introduced long ago who said they never met get IntroducedNotMet.
	NeverIntroduced  int
	IntroducedNotMet int
}

// DefaultWeights are the weights used when Options.Weights is zero.
func DefaultWeights() Weights {
	return Weights{
		Base:             1,
		OfferAsk:         40,
		BothWays:         20,
		DifferentSector:  25,
		SharedInterests:  []int{12, 6, 3},
		Mentoring:        20,
		Meeting:          6,
		NeverIntroduced:  10,
		IntroducedNotMet: 5,
	}
}

func (w Weights) isZero() bool {
	return w.Base == 0 && w.OfferAsk == 0 && w.BothWays == 0 && w.DifferentSector == 0 &&
		len(w.SharedInterests) == 0 && w.Mentoring == 0 && w.Meeting == 0 &&
		w.NeverIntroduced == 0 && w.IntroducedNotMet == 0
}

func (w Weights) maxScore() int64 {
	s := int64(w.Base) + 2*int64(w.OfferAsk) + int64(w.BothWays) + int64(w.DifferentSector) +
		int64(w.Mentoring) + int64(w.Meeting) + int64(max(w.NeverIntroduced, w.IntroducedNotMet))
	for _, x := range w.SharedInterests {
		s += int64(x)
	}
	return s
}

func (w Weights) validate() error {
	for _, x := range append([]int{w.Base, w.OfferAsk, w.BothWays, w.DifferentSector, w.Mentoring,
		w.Meeting, w.NeverIntroduced, w.IntroducedNotMet}, w.SharedInterests...) {
		if x < 0 || x > 1<<20 {
			return errorf("weights must be between 0 and %d, got %d", 1<<20, x)
		}
	}
	if m := w.maxScore(); m > 1<<28 {
		return errorf("weights add up to %d; keep the total under %d", m, 1<<28)
	}
	return nil
}

// pairStatus says whether the hard rules allow a pair.
type pairStatus uint8

const (
	pairAllowed   pairStatus = iota
	pairForbidden            // same organisation or blocked: never
	pairRecent               // introduced within the repeat window: only when relaxed
)

// pair scores members i and j and checks the hard rules. For a recent pair
// it also returns the round of their last introduction.
func (r *roster) pair(i, j int32) (score int32, status pairStatus, lastRound int32) {
	a, b := &r.hot[i], &r.hot[j]
	if i == j || a.org == b.org {
		return 0, pairForbidden, noRound
	}
	last, flags := r.historyOf(a, b, j, i)
	if flags&flagBlocked != 0 {
		return 0, pairForbidden, noRound
	}
	if last != noRound && int64(r.round)-int64(last) <= int64(r.window) {
		status = pairRecent
	}
	return r.scoreOf(a, b, last, flags), status, last
}

func (r *roster) scoreOf(a, b *hotMember, last int32, flags uint8) int32 {
	w := &r.w
	ab := a.sig[1]&b.sig[2] != 0 && intersects(r.tags[a.tagOff[1]:a.tagOff[2]], r.tags[b.tagOff[2]:b.tagOff[3]])
	ba := b.sig[1]&a.sig[2] != 0 && intersects(r.tags[b.tagOff[1]:b.tagOff[2]], r.tags[a.tagOff[2]:a.tagOff[3]])
	shared := 0
	if a.sig[0]&b.sig[0] != 0 {
		shared = countCommon(r.tags[a.tagOff[0]:a.tagOff[1]], r.tags[b.tagOff[0]:b.tagOff[1]], len(w.SharedInterests))
	}
	s := r.terms(a, b, ab, ba, shared)
	switch {
	case last == noRound:
		s += w.NeverIntroduced
	case flags&flagMet == 0:
		s += w.IntroducedNotMet
	}
	return int32(s)
}

// upperScore bounds scoreOf from above without looking at history
// or merging tag lists: a list pair whose signatures overlap is taken to
// match.
func (r *roster) upperScore(i, j int32) int32 {
	a, b := &r.hot[i], &r.hot[j]
	w := &r.w
	shared := 0
	if a.sig[0]&b.sig[0] != 0 {
		shared = min(len(w.SharedInterests), int(a.tagOff[1]-a.tagOff[0]), int(b.tagOff[1]-b.tagOff[0]))
	}
	s := r.terms(a, b, a.sig[1]&b.sig[2] != 0, b.sig[1]&a.sig[2] != 0, shared)
	return int32(s + max(w.NeverIntroduced, w.IntroducedNotMet))
}

// terms adds up the weights that do not depend on history: ab and ba say
// whether each can help with something the other wants to learn, and
// shared is how many interests they share (at most len(SharedInterests)).
func (r *roster) terms(a, b *hotMember, ab, ba bool, shared int) int {
	w := &r.w
	s := w.Base
	if ab {
		s += w.OfferAsk
	}
	if ba {
		s += w.OfferAsk
	}
	if ab && ba {
		s += w.BothWays
	}
	if a.sector != b.sector {
		s += w.DifferentSector
	}
	for _, x := range w.SharedInterests[:shared] {
		s += x
	}
	if mentorsOf(a, b) || mentorsOf(b, a) {
		s += w.Mentoring
	}
	if a.meeting|b.meeting != meetInPerson|meetVideo {
		s += w.Meeting
	}
	return s
}

// mentors reports whether i can mentor j: i offers, j asks, and i is at a
// later career stage when both stages are known.
func (r *roster) mentors(i, j int32) bool {
	return mentorsOf(&r.hot[i], &r.hot[j])
}

func mentorsOf(a, b *hotMember) bool {
	if a.mentoring != mentorMentor || b.mentoring != mentorMentee {
		return false
	}
	return a.stage < 0 || b.stage < 0 || a.stage > b.stage
}

// intersects reports whether two sorted tag runs share an element.
func intersects(a, b []int32) bool {
	for len(a) > 0 && len(b) > 0 {
		switch {
		case a[0] == b[0]:
			return true
		case a[0] < b[0]:
			a = a[1:]
		default:
			b = b[1:]
		}
	}
	return false
}

// countCommon counts shared elements of two sorted runs, stopping at limit.
func countCommon(a, b []int32, limit int) int {
	k := 0
	for len(a) > 0 && len(b) > 0 && k < limit {
		switch {
		case a[0] == b[0]:
			k++
			a, b = a[1:], b[1:]
		case a[0] < b[0]:
			a = a[1:]
		default:
			b = b[1:]
		}
	}
	return k
}

// common lists shared elements of two sorted runs.
func common(a, b []int32) []int32 {
	var out []int32
	for len(a) > 0 && len(b) > 0 {
		switch {
		case a[0] == b[0]:
			out = append(out, a[0])
			a, b = a[1:], b[1:]
		case a[0] < b[0]:
			a = a[1:]
		default:
			b = b[1:]
		}
	}
	return out
}
