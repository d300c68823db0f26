package bot

import (
	"fmt"
	"strings"
)

// This file is the platform-neutral message model. Everything a member or
// an admin reads is built here, in bot, as a Message or a Form, from plain
// text: nothing in bot writes Slack mrkdwn, Markdown or HTML. Each platform
// renders the model in its own markup, escaping every piece of text as it
// goes, so text a member typed can never become markup anywhere.

// Span is a run of text in one style. Its Text is always plain text, shown
// as it is. At most one of URL, User and Channel is set.
type Span struct {
	Text string
	// Strong is emphasis: a name, a heading word, a count.
	Strong bool
	// Italic is for quoted words, such as a member's line about themselves.
	Italic bool
	// Strike strikes the text out (a cancelled meetup's time).
	Strike bool
	// Code is something to type exactly, such as a command.
	Code bool
	// URL makes the span a link labelled Text.
	URL string
	// User makes the span a reference to a platform user, which the
	// platform may show as a mention; Text is their name, for renderings
	// that cannot mention.
	User string
	// Channel makes the span a reference to a platform channel; Text is
	// its name when known.
	Channel string
}

// Text is a paragraph: spans in order. A line break is "\n" inside a span.
type Text []Span

// P builds Text from its parts: a string is plain text, a Span or a Text is
// kept as it is, and anything else (a number, say) is written as fmt.Sprint
// writes it.
func P(parts ...any) Text {
	var t Text
	for _, p := range parts {
		switch v := p.(type) {
		case nil:
		case string:
			if v != "" {
				t = append(t, Span{Text: v})
			}
		case Span:
			t = append(t, v)
		case Text:
			t = append(t, v...)
		case []Span:
			t = append(t, v...)
		default:
			t = append(t, Span{Text: fmt.Sprint(v)})
		}
	}
	return t
}

// Strong is emphasised text.
func Strong(s string) Span { return Span{Text: s, Strong: true} }

// Italic is quoted text.
func Italic(s string) Span { return Span{Text: s, Italic: true} }

// Struck is text struck out.
func Struck(s string) Span { return Span{Text: s, Strike: true} }

// Code is text to be typed exactly, such as a command.
func Code(s string) Span { return Span{Text: s, Code: true} }

// Cmd is the main command followed by words, to be typed exactly:
// Cmd("pause") is "/introduce-me pause".
func Cmd(words ...string) Span {
	return Code(strings.TrimSpace(CommandName + " " + strings.Join(words, " ")))
}

// MeetupCmd is the meetup command followed by words.
func MeetupCmd(words ...string) Span {
	return Code(strings.TrimSpace(MeetupCommandName + " " + strings.Join(words, " ")))
}

// Link is a link labelled label.
func Link(url, label string) Span { return Span{Text: label, URL: url} }

// Mention refers to a platform user by ID; name is shown where the
// platform cannot mention.
func Mention(userID, name string) Span { return Span{Text: name, User: userID} }

// ChannelLink refers to a platform channel by ID.
func ChannelLink(channelID string) Span { return Span{Text: channelID, Channel: channelID} }

// Plain returns the text as a person reads it, without styles: links show
// their label and mentions the name.
func (t Text) Plain() string {
	var b strings.Builder
	for _, s := range t {
		b.WriteString(s.Text)
	}
	return b.String()
}

// Empty reports whether the text has nothing to show.
func (t Text) Empty() bool { return strings.TrimSpace(t.Plain()) == "" }

// Join joins texts with a separator.
func Join(ts []Text, sep string) Text {
	var out Text
	for i, t := range ts {
		if i > 0 && sep != "" {
			out = append(out, Span{Text: sep})
		}
		out = append(out, t...)
	}
	return out
}

// AndList joins texts as "a, b and c"; none at all is "someone".
func AndList(ts []Text) Text {
	switch len(ts) {
	case 0:
		return P("someone")
	case 1:
		return ts[0]
	}
	return P(Join(ts[:len(ts)-1], ", "), " and ", ts[len(ts)-1])
}

// AndNames joins plain words as "a, b and c"; none at all is "someone".
func AndNames(words []string) string {
	switch len(words) {
	case 0:
		return "someone"
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// Field is a label and its value, such as "Organisation: Riverside Surgery".
type Field struct {
	Label string
	Value Text
}

// Section is one part of a message, shown in this order: a rule, the
// heading, the paragraph, the fields, the list, the preformatted text, the
// small print and the buttons. Any of them may be empty.
type Section struct {
	// Rule draws a dividing line before the section.
	Rule bool
	// Heading is a short line in bold at the top of the section.
	Heading string
	Text    Text
	Fields  []Field
	// Items is a bulleted list.
	Items []Text
	// Pre is preformatted text, shown in a fixed-width font as it is (a
	// table of figures, a JSON export).
	Pre string
	// Note is small print under the section.
	Note Text
	// Buttons are offered under the section.
	Buttons []Button
}

// Message is a message a member or an admin reads: an optional title, then
// sections in order.
type Message struct {
	Title    string
	Sections []Section
	// Summary is the message in one line, for notifications and for
	// platforms that show a preview; when empty, renderers make one from
	// the title and the first paragraph.
	Summary Text
}

// Say is a message of one paragraph.
func Say(parts ...any) *Message {
	return &Message{Sections: []Section{{Text: P(parts...)}}}
}

// Add appends sections to the message and returns it.
func (m *Message) Add(s ...Section) *Message {
	m.Sections = append(m.Sections, s...)
	return m
}

// SummaryText returns the message's one-line summary.
func (m *Message) SummaryText() Text {
	if len(m.Summary) > 0 {
		return m.Summary
	}
	var parts []Text
	if m.Title != "" {
		parts = append(parts, P(m.Title))
	}
	for _, s := range m.Sections {
		if s.Heading != "" && m.Title == "" {
			parts = append(parts, P(s.Heading))
		}
		if !s.Text.Empty() {
			parts = append(parts, s.Text)
			break
		}
	}
	return Join(parts, ". ")
}

// Button styles.
const (
	StyleDefault = ""
	StylePrimary = "primary"
	StyleDanger  = "danger"
)

// Button is something a person can press. Pressing it calls Chat.Action
// with its Action and Value, unless it has a URL, which it opens instead.
type Button struct {
	Action string
	Value  string
	Label  string
	Style  string
	URL    string
	// Confirm, when set, asks before the press counts.
	Confirm *Confirm
}

// Confirm is a question asked before a button's press counts.
type Confirm struct {
	Title, Text, Yes, No string
}

// InputKind is what an input of a form takes.
type InputKind int

// Kinds of input.
const (
	InputShortText InputKind = iota
	InputLongText
	InputChoice
	InputMultiChoice
	InputDate   // "2006-01-02"
	InputTime   // "15:04"
	InputNumber // a whole number
	InputURL
)

// Option is one choice of a choice input. Options with the same Group are
// shown together under that name.
type Option struct {
	Value, Label, Group string
}

// Input is one question of a form.
type Input struct {
	ID    string
	Label string
	Kind  InputKind
	// Options are the choices of a choice or multi-choice input.
	Options []Option
	// Expanded shows every option at once (radio buttons, checkboxes)
	// rather than in a drop-down.
	Expanded bool
	// Value is the initial value of a single-valued input.
	Value string
	// Values are the initial choices of a multi-choice input.
	Values []string
	// MaxLen is the most characters a text input takes; MaxItems the most
	// choices of a multi-choice input. Zero means no limit of ours.
	MaxLen, MaxItems int
	Optional         bool
	Hint             string
	Placeholder      string
	// Error is a problem with the value last submitted, shown beside it.
	Error string
}

// Form is a set of inputs a person fills in and submits. Submitting calls
// Chat.Submit with its ID, its Ref and the values by input ID.
type Form struct {
	ID string
	// Ref is carried through the form untouched (the meetup being edited).
	Ref    string
	Title  string
	Submit string // "" for a form that only shows Intro
	Cancel string
	// Intro is a paragraph above the inputs.
	Intro  Text
	Inputs []Input
}

// FormValues are a submitted form's values by input ID: one value for a
// text, choice, date, time, number or URL input, any number for a
// multi-choice input.
type FormValues map[string][]string

// Get returns an input's value, or "".
func (v FormValues) Get(id string) string {
	if len(v[id]) == 0 {
		return ""
	}
	return v[id][0]
}

// List returns a multi-choice input's values.
func (v FormValues) List(id string) []string { return v[id] }
