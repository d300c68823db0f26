package teams

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// hostile is text a member might type, meaning harm or not: Markdown,
// HTML, mentions, entities, date functions, and block syntax at the start
// of a line.
var hostile = []string{
	"**bold** and __bold__",
	"_italic_ and *italic*",
	"~~struck~~ and ~struck~",
	"`code` and ```fenced```",
	"[click me](https://evil.example/phish)",
	"![image](https://evil.example/pixel.png)",
	"[x] (https://evil.example) and [x](<https://evil.example>)",
	"<https://evil.example>",
	"<at>Everyone</at>",
	"<b>bold</b> <script>alert(1)</script>",
	"&lt;at&gt;Priya&lt;/at&gt; &amp; &#60; &#x3C; &copy;",
	"# heading",
	"### heading",
	"> quote",
	"- item",
	"+ item",
	"* item",
	"1. list",
	"12) list",
	"2026. A good year",
	"---",
	"===",
	"    indented code",
	"\tindented code",
	"| a | b |\n|---|---|\n| 1 | 2 |",
	"{{DATE(2017-02-14T06:08:00Z, SHORT)}}",
	"line one\nline two\r\nline three\rline four",
	"trailing backslash \\",
	"\\*escaped by the member\\*",
	"\\[not a link\\](https://evil.example)",
	"a  b   c",
	"  (aside)",
	"mixed: **[_x_](javascript:alert(1))**",
	"emoji 🎉 and ünïcödé",
	"",
}

// Member text shows exactly as typed: every hostile string comes out with
// no markup left in it and reads back as what was typed.
func TestEscapeMarkdownLeavesNoMarkup(t *testing.T) {
	for _, s := range hostile {
		t.Run(s, func(t *testing.T) {
			out := escapeMarkdown(s)
			if p := markupIn(out); p != "" {
				t.Errorf("escapeMarkdown(%q) = %q: %s", s, out, p)
			}
			if got, want := unescapeMarkdown(out), normalised(s); got != want {
				t.Errorf("escapeMarkdown(%q) = %q reads as %q", s, out, got)
			}
		})
	}
}

// A few escapes exactly, so that the rules read as they are.
func TestEscapeMarkdownExamples(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Priya Shah", "Priya Shah"},
		{"lunch & learn (12 going)", "lunch & learn (12 going)"},
		{"**x**", `\*\*x\*\*`},
		{"[x](https://evil.example)", `\[x\]\(https://evil.example)`},
		{"<at>x</at>", `\<at\>x\</at\>`},
		{"&amp;", `\&amp;`},
		{"# 1. - x", `\# 1. - x`},
		{"1. x", `1\. x`},
		{"a\nb", "a\n\nb"},
		{"  x", "\u00a0\u00a0x"},
		{"(aside)", `\(aside)`},
	}
	for _, c := range cases {
		if got := escapeMarkdown(c.in); got != c.want {
			t.Errorf("escapeMarkdown(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzEscapeMarkdown(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "?")
		}
		out := escapeMarkdown(s)
		if p := markupIn(out); p != "" {
			t.Fatalf("escapeMarkdown(%q) = %q: %s", s, out, p)
		}
		if got, want := unescapeMarkdown(out), normalised(s); got != want {
			t.Fatalf("escapeMarkdown(%q) = %q reads as %q, want %q", s, out, got, want)
		}
	})
}

// markupIn says what markup escaped text still holds, or "" for none: an
// unescaped character that can open emphasis, a link, code, HTML or an
// entity, block syntax at the start of a line, a "](" pair, indentation,
// or a line break Markdown would join.
func markupIn(s string) string {
	rs := []rune(s)
	lineStart := true
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r == '\r' {
			return "a carriage return"
		}
		if r == '\n' {
			if i+1 >= len(rs) || rs[i+1] != '\n' {
				return "a single line break"
			}
			i++
			lineStart = true
			continue
		}
		if lineStart {
			if r == nbsp {
				continue
			}
			if r == ' ' || r == '\t' {
				return "indentation"
			}
			if strings.ContainsRune("#-+=", r) {
				return fmt.Sprintf("unescaped %q at the start of a line", r)
			}
			j := i
			for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
				j++
			}
			if j > i && j < len(rs) && (rs[j] == '.' || rs[j] == ')') {
				return "an ordered list item"
			}
		}
		if i == 0 && r == '(' {
			return "an unescaped ( that could follow a ] before it"
		}
		lineStart = false
		switch {
		case r == '\\':
			if i+1 >= len(rs) || !isASCIIPunct(rs[i+1]) {
				return "a bare backslash"
			}
			i++
			if rs[i] == ']' && i+1 < len(rs) && rs[i+1] == '(' {
				return `"](" after an escaped bracket`
			}
		case strings.ContainsRune("*_~`[]<>{|", r):
			return fmt.Sprintf("unescaped %q", r)
		case r == '&' && i+1 < len(rs) && rs[i+1] < utf8.RuneSelf && isEntityStart(byte(rs[i+1])):
			return "an unescaped entity"
		case r == ' ' && i+1 < len(rs) && rs[i+1] == ' ':
			return "two spaces"
		}
	}
	return ""
}

func isASCIIPunct(r rune) bool {
	return r < utf8.RuneSelf && strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", r)
}

// unescapeMarkdown reads escaped text back as a person sees it: escapes
// drop their backslash, "\n\n" is one line break, no-break spaces are
// spaces.
func unescapeMarkdown(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '\\' && i+1 < len(rs) && isASCIIPunct(rs[i+1]):
			i++
			b.WriteRune(rs[i])
		case r == '\n' && i+1 < len(rs) && rs[i+1] == '\n':
			i++
			b.WriteByte('\n')
		case r == nbsp:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// normalised is typed text as a card shows it: one kind of line break,
// and indentation and no-break spaces as spaces.
func normalised(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lead := len(l) - len(strings.TrimLeft(l, " \t\u00a0"))
		lines[i] = strings.Repeat(" ", utf8.RuneCountInString(l[:lead])) + strings.ReplaceAll(l[lead:], "\u00a0", " ")
	}
	return strings.Join(lines, "\n")
}

// hostileMessage puts member text everywhere a message can hold it.
func hostileMessage(s string) *bot.Message {
	return &bot.Message{Title: s, Sections: []bot.Section{{
		Rule: true, Heading: s,
		Text:   bot.P(s, " ", bot.Strong(s), " ", bot.Italic(s), " ", bot.Struck(s), " ", bot.Code(s), " ", bot.Link("https://example.org/a_(b)", s), " ", bot.Mention("29:abc", s), " ", bot.ChannelLink(s)),
		Fields: []bot.Field{{Label: s, Value: bot.P(s)}},
		Items:  []bot.Text{bot.P(s), bot.P(bot.Strong(s))},
		Pre:    s,
		Note:   bot.P(s),
		Buttons: []bot.Button{{Action: "a", Value: s, Label: s + "x"},
			{Action: "b", Value: s, Label: "Sure?", Confirm: &bot.Confirm{Title: s, Text: s, Yes: "Yes", No: "No"}}},
	}}}
}

// A message made of hostile text renders as valid cards in which the only
// markup is Rapport's own: the card holds exactly as much markup as the
// same message with every character of the member's text a letter.
func TestHostileTextRendersAsText(t *testing.T) {
	for _, s := range hostile {
		t.Run(s, func(t *testing.T) {
			cards := messageCards(hostileMessage(s))
			for _, c := range cards {
				validateCard(t, c)
			}
			for _, text := range cardTexts(t, cards) {
				if strings.Contains(text, "<at>") {
					t.Errorf("a typed mention is in the card unescaped: %q", text)
				}
			}
			got := countMarkup(cardTexts(t, cards))
			want := countMarkup(cardTexts(t, messageCards(hostileMessage(letters(s)))))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("member text added markup: %v, want %v\n%s", got, want, cards[0].Content)
			}
		})
	}
}

// letters replaces every character that is not white space with "a".
func letters(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return r
		}
		return 'a'
	}, s)
}

// countMarkup counts the markup in Markdown texts: unescaped markup
// characters, "](" pairs, entities, and block syntax at line starts.
func countMarkup(texts []string) map[string]int {
	out := map[string]int{}
	for _, s := range texts {
		rs := []rune(s)
		lineStart := true
		for i := 0; i < len(rs); i++ {
			r := rs[i]
			if r == '\n' {
				lineStart = true
				continue
			}
			if lineStart && r != nbsp && r != ' ' {
				if strings.ContainsRune("#-+=>", r) {
					out["line "+string(r)]++
				}
				j := i
				for j < len(rs) && unicode.IsDigit(rs[j]) {
					j++
				}
				if j > i && j < len(rs) && (rs[j] == '.' || rs[j] == ')') {
					out["ordered list"]++
				}
				lineStart = false
			}
			switch {
			case r == '\\' && i+1 < len(rs):
				i++
			case strings.ContainsRune("*_~`[]<>{|", r):
				out[string(r)]++
				if r == ']' && i+1 < len(rs) && rs[i+1] == '(' {
					out["]("]++
				}
			case r == '&' && i+1 < len(rs) && rs[i+1] < utf8.RuneSelf && isEntityStart(byte(rs[i+1])):
				out["&"]++
			}
		}
	}
	return out
}

// cardTexts returns the Markdown of every TextBlock and Fact of cards.
func cardTexts(t *testing.T, cards []schema.Attachment) []string {
	t.Helper()
	var out []string
	var walk func(x any)
	walk = func(x any) {
		switch v := x.(type) {
		case map[string]any:
			if v["type"] == "TextBlock" {
				out = append(out, v["text"].(string))
			}
			if facts, ok := v["facts"].([]any); ok {
				for _, f := range facts {
					fm := f.(map[string]any)
					out = append(out, fm["title"].(string), fm["value"].(string))
				}
			}
			for _, y := range v {
				walk(y)
			}
		case []any:
			for _, y := range v {
				walk(y)
			}
		}
	}
	for _, c := range cards {
		var card any
		if err := json.Unmarshal(c.Content, &card); err != nil {
			t.Fatal(err)
		}
		walk(card)
	}
	return out
}

func decode(t *testing.T, a schema.Attachment) map[string]any {
	t.Helper()
	var card map[string]any
	if err := json.Unmarshal(a.Content, &card); err != nil {
		t.Fatal(err)
	}
	return card
}

