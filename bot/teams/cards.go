package teams

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// This file turns bot's platform-neutral messages into Adaptive Cards. It
// is the only code that decides how a message looks in Teams; markdown.go
// beside it knows Teams' Markdown, and cardforms.go renders forms and reads
// what a pressed action carried.

// cardVersion is the Adaptive Card schema version of every card: the
// highest Teams renders, and the one its Universal Actions ask for.
const cardVersion = "1.5"

// cardSchema is the card's $schema.
const cardSchema = "http://adaptivecards.io/schemas/adaptive-card.json"

// maxCardBytes is the most a card may measure: Teams refuses a message of
// about 100 KB (counted in UTF-16) and asks bots to keep under 80 KB.
const maxCardBytes = 80 * 1024

// Verbs of the Action.Execute actions Rapport sends: a button's press, a
// form's submission and a form's cancel.
const (
	verbAction = "rapport"
	verbSubmit = "rapport.submit"
	verbCancel = "rapport.cancel"
)

// dataKey is the key of Rapport's own object in an action's data; Teams
// merges a card's input values beside it.
const dataKey = "rapport"

// cardObject is one JSON object of a card: an element, an action, a card.
type cardObject = map[string]any

// actionData is Rapport's object in an action's data, with short keys to
// keep cards small.
type actionData struct {
	Action string `json:"a,omitempty"`
	Value  string `json:"v,omitempty"`
	Form   string `json:"f,omitempty"`
	Ref    string `json:"r,omitempty"`
	Cancel bool   `json:"x,omitempty"`
}

// newCard is an Adaptive Card with the given body, as wide as the chat.
func newCard(body []cardObject) cardObject {
	if body == nil {
		body = []cardObject{}
	}
	return cardObject{
		"type":    "AdaptiveCard",
		"$schema": cardSchema,
		"version": cardVersion,
		"body":    body,
		"msteams": cardObject{"width": "Full"},
	}
}

// cardAttachment wraps a card for an activity.
func cardAttachment(card cardObject) schema.Attachment {
	b, err := json.Marshal(card)
	if err != nil {
		// Cards hold only strings, numbers, booleans, maps and slices.
		panic("teams: a card does not encode: " + err.Error())
	}
	return schema.Attachment{ContentType: schema.ContentTypeAdaptiveCard, Content: b}
}

// cardMeasure is what some JSON measures, in bytes and in UTF-16 code units.
type cardMeasure struct{ bytes, units int }

func measureJSON(b []byte) cardMeasure {
	s := cardMeasure{bytes: len(b)}
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		b = b[n:]
		s.units += utf16Len(r)
	}
	return s
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

func (s cardMeasure) plus(t cardMeasure) cardMeasure {
	return cardMeasure{s.bytes + t.bytes, s.units + t.units}
}

// n is the size to hold against maxCardBytes: bytes, or two bytes a
// UTF-16 unit, whichever is larger, since Teams counts in UTF-16.
func (s cardMeasure) n() int { return max(s.bytes, 2*s.units) }

func measureValue(v any) cardMeasure {
	b, err := json.Marshal(v)
	if err != nil {
		panic("teams: a card element does not encode: " + err.Error())
	}
	return measureJSON(b)
}

// cardSize measures an encoded card.
func cardSize(content []byte) int { return measureJSON(content).n() }

// emptyCardSize is what a card measures with nothing in its body.
var emptyCardSize = measureValue(newCard(nil))

// elementBudget is the most one element may measure, leaving room in its
// card for the note that says it was cut and the commas between.
var elementBudget = maxCardBytes - emptyCardSize.n() - 2*measureValue(cutNote()).n() - 256

// textBlock is a TextBlock of Markdown that wraps.
func textBlock(md string) cardObject {
	return cardObject{"type": "TextBlock", "text": md, "wrap": true}
}

// titleBlock is a message's or a form's title: large and bold.
func titleBlock(title string) []cardObject {
	t := textBlock(escapeMarkdown(title))
	t["size"], t["weight"] = "Large", "Bolder"
	return fittedText(t, "", title)
}

func cutNote() cardObject {
	return noteBlock(escapeMarkdown(bot.CutShortNote))
}

func noteBlock(md string) cardObject {
	b := textBlock(md)
	b["isSubtle"], b["size"] = true, "Small"
	return b
}

// messageCards renders m as one or more Adaptive Card attachments, each
// under maxCardBytes. A message too long for one card continues in the
// next at a section boundary; a section too long for a card of its own
// continues at the next of its parts (a paragraph, its fields, each list
// item, each line of preformatted text), and a part too long even for a
// card is cut and followed by bot.CutShortNote. The message's summary is
// not shown: the adapter sends it as the activity's summary.
func messageCards(m *bot.Message) []schema.Attachment {
	var p cardPacker
	if m != nil {
		if strings.TrimSpace(m.Title) != "" {
			p.section(titleBlock(m.Title))
		}
		for _, s := range m.Sections {
			p.section(sectionElements(s))
		}
	}
	return p.done()
}

// cardPacker fills cards with elements, section by section.
type cardPacker struct {
	cards [][]cardObject
	body  []cardObject
	used  cardMeasure
}

func (p *cardPacker) flush() {
	if len(p.body) > 0 {
		p.cards = append(p.cards, p.body)
	}
	p.body, p.used = nil, cardMeasure{}
}

func (p *cardPacker) fits(s cardMeasure) bool {
	return emptyCardSize.plus(p.used).plus(s).n() <= maxCardBytes
}

func (p *cardPacker) add(e cardObject, s cardMeasure) {
	p.body = append(p.body, e)
	p.used = p.used.plus(s).plus(cardMeasure{1, 1}) // the comma before the next
}

// section adds a section's elements: to this card if they fit, else to a
// new one; a section larger than a card starts a card and runs on into
// as many more as it needs, one element at a time.
func (p *cardPacker) section(elems []cardObject) {
	if len(elems) == 0 {
		return
	}
	sizes := make([]cardMeasure, len(elems))
	var total cardMeasure
	for i, e := range elems {
		sizes[i] = measureValue(e)
		total = total.plus(sizes[i]).plus(cardMeasure{1, 1})
	}
	if p.fits(total) {
		for i, e := range elems {
			p.add(e, sizes[i])
		}
		return
	}
	p.flush()
	for i, e := range elems {
		if !p.fits(sizes[i]) {
			p.flush()
		}
		p.add(e, sizes[i])
	}
}

func (p *cardPacker) done() []schema.Attachment {
	p.flush()
	if len(p.cards) == 0 {
		p.cards = [][]cardObject{nil}
	}
	out := make([]schema.Attachment, len(p.cards))
	for i, body := range p.cards {
		out[i] = cardAttachment(newCard(body))
	}
	return out
}

// sectionElements renders a section: a rule, the heading, the paragraph,
// the fields, the list, the preformatted text, the small print and the
// buttons. A list or preformatted text too long for one card becomes
// several elements; any one part too long is cut, with a note.
func sectionElements(s bot.Section) []cardObject {
	var out []cardObject
	if strings.TrimSpace(s.Heading) != "" {
		h := textBlock(escapeMarkdown(s.Heading))
		h["weight"] = "Bolder"
		out = append(out, fittedText(h, "", s.Heading)...)
	}
	if !s.Text.Empty() {
		out = append(out, fittedText(textBlock(renderText(s.Text)), "", s.Text.Plain())...)
	}
	if len(s.Fields) > 0 {
		out = append(out, factSets(s.Fields)...)
	}
	if len(s.Items) > 0 {
		lines := make([]string, len(s.Items))
		plain := make([]string, len(s.Items))
		for i, it := range s.Items {
			lines[i] = "- " + renderText(it)
			plain[i] = it.Plain()
		}
		out = append(out, chunkedText(lines, plain, "- ", "\n", textBlock)...)
	}
	if strings.TrimSpace(s.Pre) != "" {
		pre := func(md string) cardObject {
			b := textBlock(md)
			b["fontType"] = "Monospace"
			return b
		}
		plain := preLines(s.Pre)
		lines := make([]string, len(plain))
		for i, l := range plain {
			lines[i] = escapeMarkdown(l)
		}
		out = append(out, chunkedText(lines, plain, "", "\n\n", pre)...)
	}
	if !s.Note.Empty() {
		out = append(out, fittedText(noteBlock(renderText(s.Note)), "", s.Note.Plain())...)
	}
	if actions := renderButtons(s.Buttons); len(actions) > 0 {
		out = append(out, cardObject{"type": "ActionSet", "actions": actions})
	}
	if len(out) > 0 {
		out[0]["spacing"] = "Medium"
		if s.Rule {
			out[0]["separator"] = true
		}
	}
	return out
}

func preLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, trimCarriageReturn(s[start:i]))
			start = i + 1
		}
	}
	return append(out, trimCarriageReturn(s[start:]))
}

func trimCarriageReturn(s string) string {
	if len(s) > 0 && s[len(s)-1] == '\r' {
		return s[:len(s)-1]
	}
	return s
}

// fittedText returns a text element as it is when it fits in a card, or
// else cut: markup (a list bullet, or none) and its plain text, shortened
// until it fits, then the note that says so. Styles go with the cut, which
// only a paragraph of tens of thousands of characters needs.
func fittedText(e cardObject, markup, plain string) []cardObject {
	if measureValue(e).n() <= elementBudget {
		return []cardObject{e}
	}
	runes := utf8.RuneCountInString(plain)
	for {
		runes = runes * 9 / 10
		e["text"] = markup + escapeMarkdown(bot.Truncate(plain, runes))
		if measureValue(e).n() <= elementBudget || runes == 0 {
			return []cardObject{e, cutNote()}
		}
	}
}

// chunkedText joins lines of Markdown into as few text elements as fit a
// card each. A line too long for a card of its own is cut (markup and its
// plain form, shortened) and followed by the note that says so.
func chunkedText(lines, plain []string, markup, sep string, build func(string) cardObject) []cardObject {
	var out []cardObject
	var cur []string
	var used cardMeasure
	base := measureValue(build(""))
	sepSize := measureValue(sep)
	sepSize = cardMeasure{sepSize.bytes - 2, sepSize.units - 2} // without the quotes
	flush := func() {
		if len(cur) > 0 {
			out = append(out, build(joinMarkdown(cur, sep)))
		}
		cur, used = nil, cardMeasure{}
	}
	for i, l := range lines {
		ls := measureValue(l)
		ls = cardMeasure{ls.bytes - 2, ls.units - 2}
		if base.plus(ls).n() > elementBudget {
			flush()
			out = append(out, fittedText(build(l), markup, plain[i])...)
			continue
		}
		if len(cur) > 0 && base.plus(used).plus(sepSize).plus(ls).n() > elementBudget {
			flush()
		}
		if len(cur) > 0 {
			used = used.plus(sepSize)
		}
		cur = append(cur, l)
		used = used.plus(ls)
	}
	flush()
	return out
}

func joinMarkdown(lines []string, sep string) string {
	n := 0
	for _, l := range lines {
		n += len(l) + len(sep)
	}
	b := make([]byte, 0, n)
	for i, l := range lines {
		if i > 0 {
			b = append(b, sep...)
		}
		b = append(b, l...)
	}
	return string(b)
}

// factSets renders fields as facts, in as many sets as fit a card each.
func factSets(fields []bot.Field) []cardObject {
	var out []cardObject
	var facts []cardObject
	var used cardMeasure
	base := measureValue(cardObject{"type": "FactSet", "facts": []cardObject{}})
	flush := func() {
		if len(facts) > 0 {
			out = append(out, cardObject{"type": "FactSet", "facts": facts})
		}
		facts, used = nil, cardMeasure{}
	}
	for _, f := range fields {
		fact := cardObject{"title": escapeMarkdown(f.Label), "value": renderText(f.Value)}
		fs := measureValue(fact)
		if base.plus(fs).n() > elementBudget {
			plain := f.Value.Plain()
			runes := utf8.RuneCountInString(plain)
			for base.plus(fs).n() > elementBudget && runes > 0 {
				runes = runes * 9 / 10
				fact["value"] = escapeMarkdown(bot.Truncate(plain, runes))
				fs = measureValue(fact)
			}
			flush()
			out = append(out, cardObject{"type": "FactSet", "facts": []cardObject{fact}}, cutNote())
			continue
		}
		if len(facts) > 0 && base.plus(used).plus(fs).n() > elementBudget {
			flush()
		}
		facts = append(facts, fact)
		used = used.plus(fs).plus(cardMeasure{1, 1})
	}
	flush()
	return out
}

// renderButtons renders buttons as actions. A button that opens an
// address Teams could not open safely (not http, https or mailto) is
// left out rather than shown broken.
func renderButtons(bs []bot.Button) []cardObject {
	var out []cardObject
	for _, b := range bs {
		if b.URL != "" {
			if u, ok := safeURL(b.URL); ok {
				out = append(out, cardObject{"type": "Action.OpenUrl", "title": b.Label, "url": u})
			}
			continue
		}
		data := actionData{Action: b.Action, Value: b.Value}
		if c := b.Confirm; c != nil {
			yes := c.Yes
			if yes == "" {
				yes = b.Label
			}
			body := []cardObject{}
			if c.Title != "" {
				t := textBlock(escapeMarkdown(c.Title))
				t["weight"] = "Bolder"
				body = append(body, t)
			}
			if c.Text != "" {
				body = append(body, textBlock(escapeMarkdown(c.Text)))
			}
			// Teams shows the card under the button and hides it on a
			// second press, which is the way to say no.
			out = append(out, cardObject{"type": "Action.ShowCard", "title": b.Label, "card": cardObject{
				"type":    "AdaptiveCard",
				"body":    body,
				"actions": []cardObject{executeAction(yes, verbAction, data, b.Style, "")},
			}})
			continue
		}
		out = append(out, executeAction(b.Label, verbAction, data, b.Style, ""))
	}
	return out
}

// executeAction is a Universal Action with an Action.Submit fallback carrying
// the same data, for clients older than Universal Actions.
func executeAction(title, verb string, data actionData, style, associatedInputs string) cardObject {
	d := cardObject{dataKey: data}
	submit := cardObject{"type": "Action.Submit", "title": title, "data": d}
	a := cardObject{"type": "Action.Execute", "title": title, "verb": verb, "data": d, "fallback": submit}
	switch style {
	case bot.StylePrimary:
		a["style"], submit["style"] = "positive", "positive"
	case bot.StyleDanger:
		a["style"], submit["style"] = "destructive", "destructive"
	}
	if associatedInputs != "" {
		a["associatedInputs"], submit["associatedInputs"] = associatedInputs, associatedInputs
	}
	return a
}
