package slack

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/rapport-pcn/rapport/bot"
)

// This file is the one place that knows how text becomes Slack markup and
// what Block Kit allows. Everything else builds messages from md values,
// which can only come from the adapter's own constant markup or from esc,
// mdf and the few helpers below: a plain string (member text, a message
// written in bot) cannot reach a section, a context or a message's text
// without being escaped, because the compiler refuses a string where md is
// expected.

// Slack's documented Block Kit and message limits, in characters.
const (
	maxMessageBlocks = 50
	maxModalBlocks   = 100
	maxHomeBlocks    = 100
	maxSectionText   = 3000
	maxContextText   = 3000
	maxHeaderText    = 150
	maxButtonText    = 75
	maxButtonValue   = 2000
	maxOptionText    = 75
	maxMessageText   = 40000
	maxButtonURL     = 3000
)

// md is text in Slack's mrkdwn, safe to send as it is.
type md string

// esc turns plain text into mrkdwn that shows exactly that text: Slack reads
// &, < and > as control sequences, so "<!channel>" typed into a bio would
// otherwise ping everyone and "<https://x|y>" would be a live link.
func esc(s string) md {
	return md(strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s))
}

// mdf formats mrkdwn: string arguments are plain text and are escaped, md
// arguments are markup and are kept, anything else is formatted as fmt
// does.
func mdf(format md, args ...any) md {
	for i, a := range args {
		switch v := a.(type) {
		case md:
			args[i] = string(v)
		case string:
			args[i] = string(esc(v))
		case fmt.Stringer:
			args[i] = string(esc(v.String()))
		}
	}
	return md(fmt.Sprintf(string(format), args...))
}

// joinMD joins markup with a separator.
func joinMD(parts []md, sep md) md {
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = string(p)
	}
	return md(strings.Join(s, string(sep)))
}

// mention is a reference to a Slack user, which Slack shows as their name.
// Anything that is not a Slack ID is shown as text.
func mention(userID string) md {
	if !isSlackID(userID) {
		return esc(userID)
	}
	return md("<@" + userID + ">")
}

// channelRef is a reference to a Slack channel.
func channelRef(channelID string) md {
	if !isSlackID(channelID) {
		return esc(channelID)
	}
	return md("<#" + channelID + ">")
}

// link is a link with a label. A URL that could break out of the link
// syntax is shown as text instead.
func link(url, label string) md {
	if url == "" || strings.ContainsAny(url, "<>| \t\n") {
		return esc(url)
	}
	return md("<") + esc(url) + "|" + esc(label) + ">"
}

func isSlackID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// truncMD shortens markup to at most n characters, ending it with "…",
// without cutting an entity (&amp;) or a link or mention in two.
func truncMD(t md, n int) md {
	if utf8.RuneCountInString(string(t)) <= n {
		return t
	}
	cut := safeCut(string(t), n-1)
	return md(strings.TrimRight(string(t)[:cut], " \n")) + "…"
}

// safeCut returns a byte offset at or before the n-th character of s that
// is not inside an entity or a <…> reference, nor inside a character.
func safeCut(s string, n int) int {
	end, count := len(s), 0
	for i := range s {
		if count == n {
			end = i
			break
		}
		count++
	}
	// Step back out of an unfinished &…; or <…>.
	for _, open := range []struct{ start, stop string }{{"&", ";"}, {"<", ">"}} {
		if i := strings.LastIndex(s[:end], open.start); i >= 0 && !strings.Contains(s[i:end], open.stop) {
			if j := strings.Index(s[i:], open.stop); j >= 0 && i+j >= end {
				end = i
			}
		}
	}
	return end
}

// splitMD cuts markup into pieces of at most n characters, at line breaks
// where it can, else at spaces, else where it must (never inside an entity
// or a reference).
func splitMD(t md, n int) []md {
	s := string(t)
	var out []md
	for utf8.RuneCountInString(s) > n {
		cut := safeCut(s, n)
		if i := strings.LastIndex(s[:cut], "\n"); i > 0 {
			cut = i
		} else if i := strings.LastIndex(s[:cut], " "); i > 0 {
			cut = i
		}
		if cut == 0 {
			cut = safeCut(s, n) // a reference longer than n: cut it anyway
			if cut == 0 {
				_, size := utf8.DecodeRuneInString(s)
				cut = size
			}
		}
		out = append(out, md(strings.TrimRight(s[:cut], " \n")))
		s = strings.TrimLeft(s[cut:], " \n")
	}
	if s != "" || len(out) == 0 {
		out = append(out, md(s))
	}
	return out
}

// truncateRunes shortens plain text to at most n characters, ending it with
// "…".
func truncateRunes(s string, n int) string { return bot.Truncate(s, n) }

// mdObj is a mrkdwn text object of at most n characters.
func mdObj(t md, n int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, string(truncMD(t, n)), false, false)
}

// plain is a plain_text object. Slack shows plain text as it is, so it is
// not escaped; callers that have a limit use plainN.
func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// plainN is a plain_text object of at most n characters.
func plainN(s string, n int) *slack.TextBlockObject { return plain(truncateRunes(s, n)) }

// fallback is a message's top-level text: mrkdwn too, shown in
// notifications, and at most 40,000 characters.
func fallback(t md) string { return string(truncMD(t, maxMessageText)) }

// button is a button whose label and value keep to Slack's limits.
func button(actionID, value, label string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, truncateRunes(value, maxButtonValue), plainN(label, maxButtonText))
}

// blocks builds a message's or a modal's blocks within Slack's limits:
// long sections are split into several, headers and context are
// shortened, and a list longer than the surface allows ends with a note
// that it was cut.
type blocks struct {
	max  int
	list []slack.Block
}

func messageBlocks() *blocks { return &blocks{max: maxMessageBlocks} }
func modalBlocks() *blocks   { return &blocks{max: maxModalBlocks} }

// section adds t as one or more sections; empty text, which Slack
// refuses, adds none.
func (b *blocks) section(t md) *blocks {
	if strings.TrimSpace(string(t)) == "" {
		return b
	}
	for _, part := range splitMD(t, maxSectionText) {
		b.list = append(b.list, slack.NewSectionBlock(mdObj(part, maxSectionText), nil, nil))
	}
	return b
}

// context adds small print, shortened to fit.
func (b *blocks) context(blockID string, t md) *blocks {
	b.list = append(b.list, slack.NewContextBlock(blockID, mdObj(t, maxContextText)))
	return b
}

// header adds a header, shortened to fit.
func (b *blocks) header(s string) *blocks {
	b.list = append(b.list, slack.NewHeaderBlock(plainN(s, maxHeaderText)))
	return b
}

func (b *blocks) divider() *blocks {
	b.list = append(b.list, slack.NewDividerBlock())
	return b
}

func (b *blocks) actions(blockID string, els ...slack.BlockElement) *blocks {
	b.list = append(b.list, slack.NewActionBlock(blockID, els...))
	return b
}

// add adds a block built elsewhere (an input).
func (b *blocks) add(bl ...slack.Block) *blocks {
	b.list = append(b.list, bl...)
	return b
}

// done returns the blocks, cut to the surface's limit. When some must go,
// the last block (a message's buttons, usually) is kept and a note says
// what happened.
func (b *blocks) done() []slack.Block {
	if len(b.list) <= b.max {
		return b.list
	}
	last := b.list[len(b.list)-1]
	_, isActions := last.(*slack.ActionBlock)
	keep := b.max - 1
	if isActions {
		keep--
	}
	out := append([]slack.Block{}, b.list[:keep]...)
	out = append(out, slack.NewContextBlock("", mdObj(esc(bot.CutShortNote), maxContextText)))
	if isActions {
		out = append(out, last)
	}
	return out
}
