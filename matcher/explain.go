package matcher

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// sectorNames turns the bot's sector codes into words for explanations;
// other codes are shown with underscores as spaces.
var sectorNames = map[string]string{
	"gp_practice":        "general practice",
	"community_pharmacy": "community pharmacy",
	"pcn_team":           "the PCN team",
	"hospital":           "hospital services",
	"community_services": "community services",
	"mental_health":      "mental health",
	"social_care":        "social care",
	"education_training": "education and training",
	"education":          "education and training",
	"housing":            "housing",
	"voluntary_sector":   "the voluntary sector",
	"voluntary":          "the voluntary sector",
	"local_authority":    "the local authority and public health",
	"public_health":      "public health",
	"other":              "another sector",
}

// MidSentence lower-cases a tag's first letter for the middle of a
// sentence ("interested in frailty", "éthique médicale"), leaving acronyms
// and names that start with two capitals ("QI", "CQC and compliance") as
// they are. It works on characters, so a tag may start with any letter or
// symbol.
func MidSentence(tag string) string {
	r := []rune(tag)
	if len(r) == 0 || (len(r) > 1 && unicode.IsUpper(r[1])) {
		return tag
	}
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

func sectorName(code string) string {
	if s, ok := sectorNames[code]; ok {
		return s
	}
	return strings.ReplaceAll(strings.TrimSpace(code), "_", " ")
}

// describe turns a group into its score, reasons and explanation.
func (r *roster) describe(g groupIdx) Group {
	a, b, c := g.members[0], g.members[1], g.members[2]
	// Keep the pair in input order so output is easy to follow.
	if r.perm[b] < r.perm[a] {
		a, b = b, a
	}
	out := Group{Members: []string{r.ids[a], r.ids[b]}, RelaxedRepeat: g.relaxed}
	s, st, last := r.pair(a, b)
	out.Score = int(s)
	out.Reasons = r.reasons(a, b, st, last)
	if c >= 0 {
		// In a group of three "both" is unclear, so name the two.
		ab := r.trioReasons(a, b, st, last)
		out.Members = append(out.Members, r.ids[c])
		sa, sta, la := r.pair(c, a)
		sb, stb, lb := r.pair(c, b)
		out.Score += int(sa) + int(sb)
		out.RelaxedRepeat = out.RelaxedRepeat || sta == pairRecent || stb == pairRecent
		ca, cb := r.trioReasons(c, a, sta, la), r.trioReasons(c, b, stb, lb)
		// What all three share is said once, not once for each pair.
		out.Reasons = r.sharedByAll(a, b, c, &ab, &ca, &cb)
		out.Reasons = append(out.Reasons, dedupe(ab, out.Reasons)...)
		out.Reasons = append(out.Reasons, dedupe(append(ca, cb...), out.Reasons)...)
		if len(out.Reasons) == 0 {
			out.Reasons = []string{"Three people from different organisations who have not been introduced yet"}
		}
		out.Explanation = joinReasons(out.Reasons[:min(len(out.Reasons), 4)])
		out.Explanation += fmt.Sprintf(" %s joins to make a group of three, so nobody is left out.", r.firstName(c))
		return out
	}
	out.Explanation = joinReasons(out.Reasons[:min(len(out.Reasons), 4)])
	return out
}

// pairNames are the names two members go by in a reason: first names, or
// full names when the first names are the same.
func (r *roster) pairNames(i, j int32) (string, string) {
	ni, nj := r.firstName(i), r.firstName(j)
	if ni == nj {
		ni, nj = r.fullName(i), r.fullName(j)
	}
	return ni, nj
}

// sharedByAll finds what the three pairs of a trio say in the same words
// ("X and Y are both interested in cycling" for each pair), removes it from
// each pair's reasons, and returns it said once of all three.
func (r *roster) sharedByAll(a, b, c int32, ab, ca, cb *[]string) []string {
	type pair struct {
		rs     *[]string
		ni, nj string
	}
	pairs := []pair{{rs: ab}, {rs: ca}, {rs: cb}}
	pairs[0].ni, pairs[0].nj = r.pairNames(a, b)
	pairs[1].ni, pairs[1].nj = r.pairNames(c, a)
	pairs[2].ni, pairs[2].nj = r.pairNames(c, b)
	// rest returns what follows "X and Y are both " or "X and Y both ".
	rest := func(p pair, s string) (string, bool) {
		for _, verb := range []string{" are both ", " both "} {
			if after, ok := strings.CutPrefix(s, p.ni+" and "+p.nj+verb); ok {
				return verb + after, true
			}
		}
		return "", false
	}
	na, nb, nc := r.firstName(a), r.firstName(b), r.firstName(c)
	if na == nb || nb == nc || na == nc {
		na, nb, nc = r.fullName(a), r.fullName(b), r.fullName(c)
	}
	var out, sharedAll []string
	for _, s := range *ab {
		shared, ok := rest(pairs[0], s)
		if !ok {
			continue
		}
		inAll := true
		for _, p := range pairs[1:] {
			found := false
			for _, t := range *p.rs {
				if x, ok := rest(p, t); ok && x == shared {
					found = true
				}
			}
			inAll = inAll && found
		}
		if !inAll {
			continue
		}
		verb := " are all "
		if strings.HasPrefix(shared, " both ") {
			verb = " all "
		}
		out = append(out, na+", "+nb+" and "+nc+verb+strings.TrimPrefix(strings.TrimPrefix(shared, " are both "), " both "))
		sharedAll = append(sharedAll, shared)
	}
	for _, p := range pairs {
		*p.rs = slices.DeleteFunc(*p.rs, func(t string) bool {
			x, ok := rest(p, t)
			return ok && slices.Contains(sharedAll, x)
		})
	}
	return out
}

// trioReasons are the reasons for the member who joins a pair: the same as
// reasons, but naming both people wherever "both" would be unclear in a
// group of three, and without the fallback when there is nothing special.
func (r *roster) trioReasons(i, j int32, st pairStatus, last int32) []string {
	ni, nj := r.firstName(i), r.firstName(j)
	if ni == nj {
		ni, nj = r.fullName(i), r.fullName(j)
	}
	var out []string
	for _, s := range r.reasons(i, j, st, last) {
		switch {
		case strings.HasPrefix(s, "Both are "):
			s = ni + " and " + nj + " are both " + strings.TrimPrefix(s, "Both are ")
		case strings.HasPrefix(s, "Both "):
			s = ni + " and " + nj + " both " + strings.TrimPrefix(s, "Both ")
		case strings.HasSuffix(s, "have not been introduced yet"):
			continue
		}
		out = append(out, s)
	}
	return out
}

// reasons lists why i and j were introduced, strongest first.
func (r *roster) reasons(i, j int32, st pairStatus, last int32) []string {
	ni, nj := r.firstName(i), r.firstName(j)
	if ni == nj {
		// Two people with one first name need their full names to be told apart.
		ni, nj = r.fullName(i), r.fullName(j)
	}
	var out []string
	if st == pairRecent {
		out = append(out, fmt.Sprintf("%s and %s were introduced in round %d, but nobody else was free to meet them this time", ni, nj, last))
	}
	if t := common(r.interests(i), r.interests(j)); len(t) > 0 {
		out = append(out, "Both are interested in "+r.tagList(i, 0, t, 3))
	}
	if t := common(r.offers(i), r.asks(j)); len(t) > 0 {
		out = append(out, fmt.Sprintf("%s can help with %s, which %s wants to learn", ni, r.tagList(i, 1, t, 2), nj))
	}
	if t := common(r.offers(j), r.asks(i)); len(t) > 0 {
		out = append(out, fmt.Sprintf("%s can help with %s, which %s wants to learn", nj, r.tagList(j, 1, t, 2), ni))
	}
	switch {
	case r.mentors(i, j):
		out = append(out, fmt.Sprintf("%s is happy to mentor and %s is looking for a mentor", ni, nj))
	case r.mentors(j, i):
		out = append(out, fmt.Sprintf("%s is happy to mentor and %s is looking for a mentor", nj, ni))
	}
	if r.sector[i] != r.sector[j] {
		si, sj := sectorName(r.members[i].Sector), sectorName(r.members[j].Sector)
		if si != "" && sj != "" {
			out = append(out, fmt.Sprintf("%s brings a view from %s and %s from %s", ni, si, nj, sj))
		}
	}
	switch {
	case r.meeting[i] == meetInPerson && r.meeting[j] == meetInPerson:
		out = append(out, "Both like to meet in person")
	case r.meeting[i] == meetVideo && r.meeting[j] == meetVideo:
		out = append(out, "Both prefer a video call")
	}
	if len(out) == 0 {
		out = append(out, fmt.Sprintf("%s and %s work at different organisations and have not been introduced yet", ni, nj))
	}
	return out
}

// tagList names up to limit tags, as member i spelt them in list kind: "QI", "QI and frailty", "QI, frailty and
// cycling".
func (r *roster) tagList(i int32, kind int, tags []int32, limit int) string {
	var names []string
	for _, t := range tags[:min(len(tags), limit)] {
		names = append(names, MidSentence(r.tagText(i, kind, t)))
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func dedupe(add, have []string) []string {
	seen := map[string]bool{}
	for _, s := range have {
		seen[s] = true
	}
	var out []string
	for _, s := range add {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// joinReasons makes one sentence: "Both are interested in frailty; Sam can
// help with QI, which Priya wants to learn."
func joinReasons(rs []string) string {
	if len(rs) == 0 {
		return ""
	}
	parts := make([]string, len(rs))
	for i, s := range rs {
		if i > 0 && strings.HasPrefix(s, "Both ") {
			// Mid-sentence, after a semicolon.
			s = "both " + strings.TrimPrefix(s, "Both ")
		}
		parts[i] = s
	}
	return strings.Join(parts, "; ") + "."
}
