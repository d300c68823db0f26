package matcher

import (
	"slices"
	"strings"
)

// ReasonKind is what a reason for an introduction is about. The matcher
// gives reasons as data; the bot words them.
type ReasonKind int

// Kinds of reason, with the Reason fields each one sets.
const (
	// ReasonRepeat: Names were introduced before, in Round, but nobody
	// else was free to meet them this time.
	ReasonRepeat ReasonKind = iota + 1
	// ReasonInterests: Names are all interested in Topics.
	ReasonInterests
	// ReasonOfferAsk: Names[0] can help with Topics, which Names[1] wants
	// to learn.
	ReasonOfferAsk
	// ReasonMentor: Names[0] is happy to mentor and Names[1] is looking
	// for a mentor.
	ReasonMentor
	// ReasonSectors: each of Names brings a view from their sector, in
	// Sectors.
	ReasonSectors
	// ReasonInPerson: Names all like to meet in person.
	ReasonInPerson
	// ReasonVideo: Names all prefer a video call.
	ReasonVideo
	// ReasonFirstMeeting: Names work at different organisations and have
	// not been introduced yet, and there is nothing more special to say.
	ReasonFirstMeeting
	// ReasonJoined: in a trio, Names[0] joined the pair so that nobody is
	// left out. It comes last.
	ReasonJoined
)

// Reason is one reason why members were put together.
type Reason struct {
	Kind ReasonKind
	// Names are the people the reason is about, in the order a sentence
	// names them: first names, or full names where the first names would
	// not tell them apart.
	Names []string
	// Topics are up to three tags (shared interests, or an offer that
	// meets an ask) as the first person named spelt them.
	Topics []string
	// Sectors are the sector codes of Names, in their order.
	Sectors []string
	// Round is the round of the earlier introduction (ReasonRepeat).
	Round int

	// tags are Topics as tag ids, to compare one pair's reason with
	// another's however each member spelt the topics.
	tags []int32
}

// shared reports whether the reason is one that a whole group can share
// ("both are interested in …"), as against one person's towards another.
func (k ReasonKind) shared() bool {
	return k == ReasonInterests || k == ReasonInPerson || k == ReasonVideo
}

// sameAs reports whether two reasons say the same of the same people.
func (a *Reason) sameAs(b *Reason) bool {
	return a.Kind == b.Kind && a.Round == b.Round && slices.Equal(a.Names, b.Names) &&
		slices.Equal(a.Topics, b.Topics) && slices.Equal(a.Sectors, b.Sectors)
}

// Most tags a reason names.
const (
	interestsNamed = 3
	offersNamed    = 2
)

// describe turns a group into its score and reasons.
func (r *roster) describe(g groupIdx) Group {
	a, b, c := g.members[0], g.members[1], g.members[2]
	// Keep the pair in input order so output is easy to follow.
	if r.perm[b] < r.perm[a] {
		a, b = b, a
	}
	out := Group{Members: []string{r.ids[a], r.ids[b]}, RelaxedRepeat: g.relaxed}
	s, st, last := r.pair(a, b)
	out.Score = int(s)
	if c < 0 {
		out.Why = r.reasons(a, b, st, last, true)
		return out
	}
	ab := r.reasons(a, b, st, last, false)
	out.Members = append(out.Members, r.ids[c])
	sa, sta, la := r.pair(c, a)
	sb, stb, lb := r.pair(c, b)
	out.Score += int(sa) + int(sb)
	out.RelaxedRepeat = out.RelaxedRepeat || sta == pairRecent || stb == pairRecent
	ca, cb := r.reasons(c, a, sta, la, false), r.reasons(c, b, stb, lb, false)
	// What all three share is said once, not once for each pair.
	out.Why = r.sharedByAll(a, b, c, &ab, &ca, &cb)
	out.Why = appendNew(out.Why, ab)
	out.Why = appendNew(out.Why, append(ca, cb...))
	if len(out.Why) == 0 {
		out.Why = []Reason{{Kind: ReasonFirstMeeting, Names: r.trioNames(a, b, c)}}
	}
	out.Why = append(out.Why, Reason{Kind: ReasonJoined, Names: []string{r.firstName(c)}})
	return out
}

// pairNames are the names two members go by in a reason: first names, or
// full names when the first names are the same.
func (r *roster) pairNames(i, j int32) []string {
	ni, nj := r.firstName(i), r.firstName(j)
	if ni == nj {
		ni, nj = r.fullName(i), r.fullName(j)
	}
	return []string{ni, nj}
}

// trioNames are the names three members go by: first names, or full names
// when any two first names are the same.
func (r *roster) trioNames(a, b, c int32) []string {
	na, nb, nc := r.firstName(a), r.firstName(b), r.firstName(c)
	if na == nb || nb == nc || na == nc {
		na, nb, nc = r.fullName(a), r.fullName(b), r.fullName(c)
	}
	return []string{na, nb, nc}
}

// sharedByAll finds the reasons the three pairs of a trio share (each pair
// is interested in the same topics, say), removes them from each pair's
// reasons, and returns them said once of all three.
func (r *roster) sharedByAll(a, b, c int32, ab, ca, cb *[]Reason) []Reason {
	has := func(rs []Reason, x *Reason) bool {
		return slices.ContainsFunc(rs, func(y Reason) bool { return y.Kind == x.Kind && slices.Equal(y.tags, x.tags) })
	}
	var out []Reason
	for i := range *ab {
		x := &(*ab)[i]
		if !x.Kind.shared() || !has(*ca, x) || !has(*cb, x) {
			continue
		}
		all := *x
		all.Names = r.trioNames(a, b, c)
		out = append(out, all)
	}
	for _, rs := range []*[]Reason{ab, ca, cb} {
		*rs = slices.DeleteFunc(*rs, func(y Reason) bool { return has(out, &y) })
	}
	return out
}

// reasons lists why i and j were introduced, strongest first. alone says
// the two make the whole group: only then does nothing special to say
// become a reason of its own.
func (r *roster) reasons(i, j int32, st pairStatus, last int32, alone bool) []Reason {
	names := r.pairNames(i, j)
	ni, nj := names[0], names[1]
	var out []Reason
	if st == pairRecent {
		out = append(out, Reason{Kind: ReasonRepeat, Names: names, Round: int(last)})
	}
	if t := common(r.interests(i), r.interests(j)); len(t) > 0 {
		out = append(out, r.topicReason(ReasonInterests, names, i, 0, t, interestsNamed))
	}
	if t := common(r.offers(i), r.asks(j)); len(t) > 0 {
		out = append(out, r.topicReason(ReasonOfferAsk, names, i, 1, t, offersNamed))
	}
	if t := common(r.offers(j), r.asks(i)); len(t) > 0 {
		out = append(out, r.topicReason(ReasonOfferAsk, []string{nj, ni}, j, 1, t, offersNamed))
	}
	switch {
	case r.mentors(i, j):
		out = append(out, Reason{Kind: ReasonMentor, Names: names})
	case r.mentors(j, i):
		out = append(out, Reason{Kind: ReasonMentor, Names: []string{nj, ni}})
	}
	if r.sector[i] != r.sector[j] {
		si, sj := strings.TrimSpace(r.members[i].Sector), strings.TrimSpace(r.members[j].Sector)
		if si != "" && sj != "" {
			out = append(out, Reason{Kind: ReasonSectors, Names: names, Sectors: []string{r.members[i].Sector, r.members[j].Sector}})
		}
	}
	switch {
	case r.meeting[i] == meetInPerson && r.meeting[j] == meetInPerson:
		out = append(out, Reason{Kind: ReasonInPerson, Names: names})
	case r.meeting[i] == meetVideo && r.meeting[j] == meetVideo:
		out = append(out, Reason{Kind: ReasonVideo, Names: names})
	}
	if len(out) == 0 && alone {
		out = append(out, Reason{Kind: ReasonFirstMeeting, Names: names})
	}
	return out
}

// topicReason is a reason about up to limit tags, as member i spelt them in
// list kind.
func (r *roster) topicReason(k ReasonKind, names []string, i int32, kind int, tags []int32, limit int) Reason {
	tags = tags[:min(len(tags), limit)]
	out := Reason{Kind: k, Names: names, tags: tags}
	for _, t := range tags {
		out.Topics = append(out.Topics, r.tagText(i, kind, t))
	}
	return out
}

// appendNew appends the reasons of add that have not been given yet.
func appendNew(have, add []Reason) []Reason {
	for i := range add {
		if !slices.ContainsFunc(have, func(h Reason) bool { return h.sameAs(&add[i]) }) {
			have = append(have, add[i])
		}
	}
	return have
}
