package matcher

import "slices"

// trioSearchBudget bounds the pair checks spent placing leftovers in trios.
// Only pathological rounds (most members from one organisation) come near
// it; past it a leftover is tried against an even sample of pairs.
const trioSearchBudget = 20_000_000

// formGroups turns mates into pairs, then places each leftover in the pair
// where they fit best as a trio: first respecting every hard rule with both
// members, else relaxing the repeat window (oldest introduction first).
// Whoever still has no group is returned as unmatched.
func formGroups(r *roster, mate []int32) ([]groupIdx, []int32) {
	var groups []groupIdx
	var left []int32
	for v, m := range mate {
		switch {
		case m < 0:
			left = append(left, int32(v))
		case int32(v) < m:
			_, st, _ := r.pair(int32(v), m)
			groups = append(groups, groupIdx{members: [3]int32{int32(v), m, -1}, relaxed: st == pairRecent})
		}
	}
	// Place leftovers who have most recently been left out or in a trio
	// first, so they get the pick of the pairs and whoever stays out has
	// had the fewest turns.
	ordered := slices.Clone(left)
	slices.SortStableFunc(ordered, func(a, b int32) int { return int(r.turns[b] - r.turns[a]) })
	var unmatched []int32
	for _, u := range ordered {
		if g := r.bestTrio(u, groups); g >= 0 {
			groups[g].members[2] = u
			continue
		}
		unmatched = append(unmatched, u)
	}
	return groups, unmatched
}

// bestTrio picks the pair u joins, or -1. It prefers, in order: no relaxed
// repeat, members with the fewest recent turns left out or in a trio, the
// oldest relaxed introduction, the highest added score.
func (r *roster) bestTrio(u int32, groups []groupIdx) int {
	step := 1
	if checks := len(groups) * 2; checks > 0 && checks > trioSearchBudget/max(1, r.n/1000) {
		step = checks / (trioSearchBudget / max(1, r.n/1000))
	}
	type key struct {
		recent  int
		flagged int
		oldest  int64 // minus the most recent relaxed introduction round
		score   int64
	}
	better := func(a, b key) bool {
		if a.recent != b.recent {
			return a.recent < b.recent
		}
		if a.flagged != b.flagged {
			return a.flagged < b.flagged
		}
		if a.oldest != b.oldest {
			return a.oldest > b.oldest
		}
		return a.score > b.score
	}
	best, bestKey := -1, key{}
	for g := 0; g < len(groups); g += step {
		grp := groups[g]
		if grp.members[2] >= 0 {
			continue
		}
		a, b := grp.members[0], grp.members[1]
		if r.org[u] == r.org[a] || r.org[u] == r.org[b] {
			continue
		}
		sa, sta, la := r.pair(u, a)
		sb, stb, lb := r.pair(u, b)
		if sta == pairForbidden || stb == pairForbidden {
			continue
		}
		k := key{score: int64(sa) + int64(sb), oldest: 0}
		var latest int32 = noRound
		if sta == pairRecent {
			k.recent++
			latest = max(latest, la)
		}
		if stb == pairRecent {
			k.recent++
			latest = max(latest, lb)
		}
		if latest != noRound {
			k.oldest = -int64(latest)
		}
		k.flagged = int(r.turns[a] + r.turns[b])
		if best < 0 || better(k, bestKey) {
			best, bestKey = g, k
		}
	}
	return best
}

// unmatched says why the hard rules left u out, for a network admin.
func (r *roster) unmatched(u int32) Unmatched {
	other, allowed, recent := 0, 0, 0
	for v := int32(0); v < int32(r.n); v++ {
		if v == u || r.org[v] == r.org[u] {
			continue
		}
		other++
		switch _, st, _ := r.pair(u, v); st {
		case pairAllowed:
			allowed++
		case pairRecent:
			recent++
		}
	}
	out := Unmatched{ID: r.ids[u], Name: r.firstName(u)}
	switch {
	case r.n == 1:
		out.Why = UnmatchedAlone
	case other == 0:
		out.Why, out.Organisation = UnmatchedColleagues, r.orgNames[r.org[u]]
	case allowed == 0 && recent == 0:
		out.Why = UnmatchedBlocked
	default:
		out.Why = UnmatchedNoRoom
	}
	return out
}
