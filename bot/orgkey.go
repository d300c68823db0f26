package bot

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// OrganisationKey is an organisation's name as compared for sameness: two
// names with one key are one organisation, so its members are never
// paired with each other. The key is the name in Unicode NFKC, case
// folded, with punctuation, symbols and invisible characters removed, "&"
// read as "and", a leading "St" as "Saint", and spacing collapsed. So "St
// Mary's Surgery", "st marys surgery" and "Saint Mary’s Surgery." share a
// key, as do "Riverside Surgery" and "Riverside\u200b Surgery". It is ""
// for a name with no letters or digits.
func OrganisationKey(name string) string {
	// Folding can leave text that is no longer normalised, so normalise
	// again after it.
	s := norm.NFKC.String(cases.Fold().String(norm.NFKC.String(CleanText(name))))
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), unicode.IsMark(r):
			b.WriteRune(r)
		case r == '&':
			b.WriteString(" and ")
		case r == '.', r == '\'', r == '’', r == 'ʼ':
			// Full stops and apostrophes join: "Mary's" is "marys", "St." is
			// "st", "N.H.S." is "nhs".
		default:
			// Spaces, dashes, brackets, commas and symbols keep words apart:
			// "Health-care" is "health care".
			b.WriteByte(' ')
		}
	}
	words := strings.Fields(b.String())
	if len(words) > 1 && words[0] == "st" {
		words[0] = "saint"
	}
	return strings.Join(words, " ")
}

// listedWithKey returns the listed organisation whose name has key, or nil.
func listedWithKey(listed []Organisation, key string) *Organisation {
	if key == "" {
		return nil
	}
	for i := range listed {
		if OrganisationKey(listed[i].Name) == key {
			return &listed[i]
		}
	}
	return nil
}

// nearestListed returns the listed organisation that a typed name most
// likely means, or nil when none is close: one whose key is a letter or two
// away (a typo), or whose key starts with the typed one's words or the
// other way round ("Riverside" for "Riverside Surgery").
func nearestListed(listed []Organisation, name string) *Organisation {
	key := []rune(OrganisationKey(name))
	var best *Organisation
	bestDist := -1
	for i := range listed {
		other := []rune(OrganisationKey(listed[i].Name))
		d := editDistance(string(key), string(other))
		if d > typoAllowance(min(len(key), len(other))) && !wordPrefix(key, other) && !wordPrefix(other, key) {
			continue
		}
		if best == nil || d < bestDist {
			best, bestDist = &listed[i], d
		}
	}
	return best
}

// typoAllowance is how many edits still count as a typo in a key of n
// characters: none in a very short name, where one letter makes another
// name ("Ash" and "Oak"), and two in a long one.
func typoAllowance(n int) int {
	switch {
	case n < 4:
		return 0
	case n < 10:
		return 1
	}
	return 2
}

// wordPrefix reports whether short is the first whole words of long, and
// long enough to mean something.
func wordPrefix(short, long []rune) bool {
	return len(short) >= 4 && len(long) > len(short) && long[len(short)] == ' ' && string(long[:len(short)]) == string(short)
}
