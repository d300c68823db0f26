package teams

import (
	"net/url"
	"strings"

	"github.com/rapport-pcn/rapport/bot"
)

// This file is the one place that knows how text becomes the Markdown a
// Teams TextBlock or Fact shows. Teams documents a small subset for
// Adaptive Cards (bold, italic, lists and links; no headers, tables,
// images, preformatted text or block quotes), but its clients parse more
// than they document, differently on desktop and mobile. So every piece of
// text, ours or a member's, goes through escapeMarkdown, and the only
// markup in a card is the few markers written below around escaped text.

// nbsp stands in for a space that Markdown would drop or read as
// indentation: at the start of a line, and after another space.
const nbsp = '\u00a0'

// escapeMarkdown turns plain text into Markdown that shows exactly that
// text. It is the one function that does so; every piece of text in a
// card's TextBlocks and Facts goes through it.
//   - A backslash goes before every ASCII punctuation mark that can open or
//     close markup anywhere in a line: \ * _ ~ ` [ ] < > { and |, so no
//     emphasis, link, image, autolink, HTML tag, <at> mention, inline code,
//     table or {{DATE()}} function can form.
//   - "(" is escaped after "]" and at the start, so "](" never stands
//     together: the parser of Teams' mobile clients reads "[x](y)" as a
//     link even when the brackets are escaped, but not "[x]\(y)".
//   - "&" is escaped before a letter, a digit or "#", so a typed entity
//     (&amp;, &#60;) shows as typed.
//   - At the start of a line, which is where any span may land, "#", "-",
//     "+" and "=" are escaped (headings, lists, rules), and so is the "."
//     or ")" after a number (ordered lists).
//   - Spaces at the start of a line, and a space after a space, become
//     no-break spaces, so indentation cannot make a code block and
//     preformatted text keeps its columns.
//   - A line break becomes "\n\n", the only break Teams documents outside
//     lists; "\r\n" and "\r" count as one break.
//
// CommonMark lets any ASCII punctuation be escaped with a backslash, which
// is then not shown. Marks that are markup nowhere else (".", "(" in a
// sentence, ")", "!") are left alone, so that a client that shows
// backslashes (older mobile clients did) shows few.
func escapeMarkdown(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	lineStart := true
	digits := false // the line so far is only digits
	prevSpace := false
	prev := rune(0)
	for i, r := range s {
		if r == '\n' {
			b.WriteString("\n\n")
			lineStart, digits, prevSpace = true, false, false
			continue
		}
		if lineStart && (r == ' ' || r == '\t' || r == nbsp) || r == ' ' && prevSpace {
			b.WriteRune(nbsp)
			prevSpace = true
			continue
		}
		switch {
		case strings.ContainsRune("\\*_~`[]<>{|", r):
			b.WriteByte('\\')
		case r == '(' && (prev == ']' || i == 0):
			b.WriteByte('\\')
		case r == '&' && i+1 < len(s) && isEntityStart(s[i+1]):
			b.WriteByte('\\')
		case lineStart && strings.ContainsRune("#-+=", r):
			b.WriteByte('\\')
		case digits && (r == '.' || r == ')'):
			b.WriteByte('\\')
		}
		b.WriteRune(r)
		prev = r
		digits = (lineStart || digits) && r >= '0' && r <= '9'
		lineStart = false
		prevSpace = r == ' '
	}
	return b.String()
}

func isEntityStart(c byte) bool {
	return c == '#' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// renderText turns text into Teams Markdown, escaping every span.
//
// A name in bold followed by a mention of the same name in brackets, as
// in an introduction ("Priya Shah (@Priya Shah)"), is the name once: a
// mention in a card is the name in bold, and twice would read oddly.
func renderText(t bot.Text) string {
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		if i+3 < len(t) && isPlainSpan(t[i+1]) && t[i+1].Text == " (" && t[i+2].User != "" && t[i+2].Text == t[i].Text &&
			t[i].Strong && t[i].URL == "" && t[i].User == "" && t[i].Channel == "" &&
			isPlainSpan(t[i+3]) && strings.HasPrefix(t[i+3].Text, ")") {
			b.WriteString(renderSpan(t[i]))
			b.WriteString(renderSpan(bot.Span{Text: t[i+3].Text[1:]}))
			i += 3
			continue
		}
		b.WriteString(renderSpan(t[i]))
	}
	return b.String()
}

// isPlainSpan reports whether a span is text without style or reference.
func isPlainSpan(s bot.Span) bool { return s == bot.Span{Text: s.Text} }

// renderSpan renders one span. Teams' Markdown has no strikethrough and no
// inline code that every client shows, so struck and code text is plain.
// A mention is the person's name in bold: a real Teams mention needs an
// entity with the user's Teams ID, and it would notify them. A channel
// is named in words, and a command loses its leading slash.
func renderSpan(s bot.Span) string {
	switch {
	case s.User != "":
		return styled(s.Text, true, false)
	case s.Channel != "":
		// A Teams channel ID means nothing to a reader, and a card cannot
		// link to a channel by ID.
		return styled(bot.ChannelWords, s.Strong, s.Italic)
	case s.Code:
		// Commands are typed without the slash in Teams, where "/" opens
		// Teams' own commands.
		return styled(strings.TrimPrefix(s.Text, "/"), s.Strong, s.Italic)
	case s.URL != "":
		return mdLink(s.URL, s.Text)
	}
	return styled(s.Text, s.Strong, s.Italic)
}

// styled wraps escaped text in bold and italic markers, line by line,
// with the markers against the words: "** x**" is not bold.
func styled(text string, strong, italic bool) string {
	var open, close string
	if strong {
		open, close = open+"**", "**"+close
	}
	if italic {
		open, close = open+"_", "_"+close
	}
	if open == "" {
		return escapeMarkdown(text)
	}
	lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n"), "\n")
	for i, l := range lines {
		word := strings.TrimSpace(l)
		if word == "" {
			lines[i] = escapeMarkdown(l)
			continue
		}
		at := strings.Index(l, word)
		lines[i] = escapeMarkdown(l[:at]) + open + escapeMarkdown(word) + close + escapeMarkdown(l[at+len(word):])
	}
	return strings.Join(lines, "\n\n")
}

// mdLink is a Markdown link labelled label. Only web and mail addresses are
// links; anything else (a javascript: address, one with spaces) is shown
// as text, so a link can never run code or break out of its brackets.
func mdLink(address, label string) string {
	u, ok := safeURL(address)
	if !ok {
		if label == "" || label == address {
			return escapeMarkdown(address)
		}
		return escapeMarkdown(label + " (" + address + ")")
	}
	if label == "" {
		label = address
	}
	return "[" + escapeMarkdown(label) + "](" + markdownURL(u) + ")"
}

// safeURL returns the address when it is fit for a link or an
// Action.OpenUrl: http or https with a host, or mailto, with no spaces.
func safeURL(address string) (string, bool) {
	if address == "" || len(address) > 2048 || strings.ContainsAny(address, " \t\r\n") {
		return "", false
	}
	u, err := url.Parse(address)
	if err != nil {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "https", "http":
		if u.Host == "" {
			return "", false
		}
	case "mailto":
	default:
		return "", false
	}
	return address, true
}

// markdownURL percent-encodes the characters of an address that could end
// a Markdown link's parentheses early or read as emphasis; encoded, they
// mean the same to the server.
func markdownURL(address string) string {
	return strings.NewReplacer("(", "%28", ")", "%29", "<", "%3C", ">", "%3E", "\\", "%5C", "`", "%60",
		"*", "%2A", "_", "%5F", "[", "%5B", "]", "%5D", "~", "%7E").Replace(address)
}
