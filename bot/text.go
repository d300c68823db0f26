package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// CleanText removes the characters that change how text looks without
// being seen: bidirectional embeddings, overrides and isolates (which can
// make "gro.elpmaxe" read as "example.org"), zero-width spaces and joiners,
// word joiners, byte order marks and soft hyphens. Every piece of member
// text goes through it on the way in, so what is stored is what people see.
// A zero-width joiner between two pictographs is kept, because it is what
// makes a family or a profession into one emoji.
func CleanText(s string) string {
	if !strings.ContainsFunc(s, invisible) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	var prev rune
	for i, r := range s {
		if invisible(r) {
			if r == zwj && emojiPart(prev) {
				next, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
				if emojiPart(next) {
					b.WriteRune(r)
					prev = r
					continue
				}
			}
			continue
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

const zwj = '\u200D'

// cleanName is a name from the platform as Rapport keeps it: valid UTF-8,
// without control or invisible characters, spacing tidied. The platform
// lets people type anything in their names, and no form checks them.
func cleanName(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return oneLine(CleanText(s))
}

// invisible reports the characters CleanText removes.
func invisible(r rune) bool {
	switch {
	case r >= '\u202A' && r <= '\u202E', // embeddings and overrides
		r >= '\u2066' && r <= '\u2069',              // isolates
		r == '\u200E', r == '\u200F', r == '\u061C', // directional marks
		r >= '\u200B' && r <= '\u200D', // zero-width space, non-joiner, joiner
		r == '\u2060', r == '\uFEFF', r == '\u00AD':
		return true
	}
	return false
}

// emojiPart reports whether r can sit either side of the joiner in an
// emoji sequence: a pictograph, a skin tone, or the variation selector
// that asks for emoji presentation.
func emojiPart(r rune) bool {
	return r == '\uFE0F' || (r >= 0x1F3FB && r <= 0x1F3FF) || (r > 0x2000 && unicode.Is(unicode.So, r))
}

// Truncate shortens s to at most max characters, ending with "…" when it
// cuts, and never splits a character.
func Truncate(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return strings.TrimRightFunc(string(r[:max-1]), unicode.IsSpace) + "…"
}

// titles are the honorifics a name may start with, lower case and without
// a full stop. They are skipped when taking someone's first name, so "Dr
// Helen Ashworth" is greeted as Helen.
var titles = map[string]bool{
	"dr": true, "doctor": true, "prof": true, "professor": true,
	"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true, "mstr": true, "master": true,
	"sister": true, "sr": true, "nurse": true, "matron": true,
	"rev": true, "revd": true, "reverend": true, "fr": true, "father": true,
	"pastor": true, "rabbi": true, "imam": true,
	"sir": true, "dame": true, "lady": true, "lord": true,
	"cllr": true, "councillor": true,
}

// FirstName is how Rapport addresses a member in every message: the
// platform's own first name when it gave one, otherwise the first word of
// their name that is not a title. It is "" when neither has one.
func FirstName(m Member) string {
	if f := firstWord(m.FirstName); f != "" {
		return f
	}
	return firstWord(m.Name)
}

// firstWord is the first word of name that is not a title.
func firstWord(name string) string {
	words := strings.Fields(CleanText(name))
	for _, w := range words {
		if !titles[strings.ToLower(strings.TrimRight(w, "."))] {
			return w
		}
	}
	return ""
}

// lowerTopic lower-cases a topic's first letter for the middle of a
// sentence ("interested in frailty", "éthique médicale"), leaving acronyms
// and names that start with two capitals ("QI", "CQC and compliance") as
// they are. It works on characters, so a topic may start with any letter
// or symbol; questions and explanations both spell topics with it.
func lowerTopic(tag string) string {
	r := []rune(tag)
	if len(r) == 0 || (len(r) > 1 && unicode.IsUpper(r[1])) {
		return tag
	}
	r[0] = unicode.ToLower(r[0])
	return string(r)
}
