package teams

import (
	"encoding/json"
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

// object is one JSON object of a card: an element, an action, a card.
type object = map[string]any

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
func newCard(body []object) object {
	if body == nil {
		body = []object{}
	}
	return object{
		"type":    "AdaptiveCard",
		"$schema": cardSchema,
		"version": cardVersion,
		"body":    body,
		"msteams": object{"width": "Full"},
	}
}

// attachment wraps a card for an activity.
func attachment(card object) schema.Attachment {
	b, err := json.Marshal(card)
	if err != nil {
		// Cards hold only strings, numbers, booleans, maps and slices.
		panic("teams: a card does not encode: " + err.Error())
	}
	return schema.Attachment{ContentType: schema.ContentTypeAdaptiveCard, Content: b}
}

// size is what some JSON measures, in bytes and in UTF-16 code units.
type size struct{ bytes, units int }

func measure(b []byte) size {
	s := size{bytes: len(b)}
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

func (s size) plus(t size) size { return size{s.bytes + t.bytes, s.units + t.units} }

// n is the size to hold against maxCardBytes: bytes, or two bytes a
// UTF-16 unit, whichever is larger, since Teams counts in UTF-16.
func (s size) n() int { return max(s.bytes, 2*s.units) }

func measureValue(v any) size {
	b, err := json.Marshal(v)
	if err != nil {
		panic("teams: a card element does not encode: " + err.Error())
	}
	return measure(b)
}

// cardSize measures an encoded card.
func cardSize(content []byte) int { return measure(content).n() }

// emptyCardSize is what a card measures with nothing in its body.
var emptyCardSize = measureValue(newCard(nil))

// elementBudget is the most one element may measure, leaving room in its
// card for the note that says it was cut and the commas between.
var elementBudget = maxCardBytes - emptyCardSize.n() - 2*measureValue(cutNote()).n() - 64

// textBlock is a TextBlock of Markdown that wraps.
func textBlock(md string) object {
	return object{"type": "TextBlock", "text": md, "wrap": true}
}

func cutNote() object {
	return noteBlock(escapeMarkdown(bot.CutShortNote))
}

func noteBlock(md string) object {
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
	var p packer
	if m != nil {
		if m.Title != "" {
			title := textBlock(escapeMarkdown(m.Title))
			title["size"], title["weight"] = "Large", "Bolder"
			p.section([]object{title})
		}
		for _, s := range m.Sections {
			p.section(sectionElements(s))
		}
	}
	return p.done()
}

// packer fills cards with elements, section by section.
type packer struct {
	cards [][]object
	body  []object
	used  size
}

func (p *packer) flush() {
	if len(p.body) > 0 {
		p.cards = append(p.cards, p.body)
	}
	p.body, p.used = nil, size{}
}

func (p *packer) fits(s size) bool {
	return emptyCardSize.plus(p.used).plus(s).n() <= maxCardBytes
}

func (p *packer) add(e object, s size) {
	p.body = append(p.body, e)
	p.used = p.used.plus(s).plus(size{1, 1}) // the comma before the next
}

// section adds a section's elements: to this card if they fit, else to a
// new one; a section larger than a card starts a card and runs on into
// as many more as it needs, one element at a time.
func (p *packer) section(elems []object) {
	if len(elems) == 0 {
		return
	}
	sizes := make([]size, len(elems))
	var total size
	for i, e := range elems {
		sizes[i] = measureValue(e)
		total = total.plus(sizes[i]).plus(size{1, 1})
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

func (p *packer) done() []schema.Attachment {
	p.flush()
	if len(p.cards) == 0 {
		p.cards = [][]object{nil}
	}
	out := make([]schema.Attachment, len(p.cards))
	for i, body := range p.cards {
		out[i] = attachment(newCard(body))
	}
	return out
}

// sectionElements renders a section: a rule, the heading, the paragraph,
// the fields, the list, the preformatted text, the small print and the
// buttons. A list or preformatted text too long for one card becomes
// several elements; any one part too long is cut, with a note.
func sectionElements(s bot.Section) []object {
	var out []object
	if s.Heading != "" {
		h := textBlock(escapeMarkdown(s.Heading))
		h["weight"] = "Bolder"
		out = append(out, fitted(h, s.Heading)...)
	}
	if !s.Text.Empty() {
		out = append(out, fitted(textBlock(renderText(s.Text)), s.Text.Plain())...)
	}
	if len(s.Fields) > 0 {
		out = append(out, factSets(s.Fields)...)
	}
	if len(s.Items) > 0 {
		lines := make([]string, len(s.Items))
		plain := make([]string, len(s.Items))
		for i, it := range s.Items {
			lines[i] = "- " + renderText(it)
			plain[i] = "- " + escapeMarkdown(it.Plain())
		}
		out = append(out, chunked(lines, plain, "\n", textBlock)...)
	}
	if s.Pre != "" {
		pre := func(md string) object {
			b := textBlock(md)
			b["fontType"] = "Monospace"
			return b
		}
		var lines []string
		for _, l := range splitLines(s.Pre) {
			lines = append(lines, escapeMarkdown(l))
		}
		out = append(out, chunked(lines, lines, "\n\n", pre)...)
	}
	if !s.Note.Empty() {
		out = append(out, fitted(noteBlock(renderText(s.Note)), s.Note.Plain())...)
	}
	if actions := renderButtons(s.Buttons); len(actions) > 0 {
		out = append(out, object{"type": "ActionSet", "actions": actions})
	}
	if len(out) > 0 {
		out[0]["spacing"] = "Medium"
		if s.Rule {
			out[0]["separator"] = true
		}
	}
	return out
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, trimCR(s[start:i]))
			start = i + 1
		}
	}
	return append(out, trimCR(s[start:]))
}

func trimCR(s string) string {
	if len(s) > 0 && s[len(s)-1] == '\r' {
		return s[:len(s)-1]
	}
	return s
}

// fitted returns a text element as it is when it fits in a card, or else
// cut: its plain text, shortened until it fits, then the note that says
// so. Styles go with the cut, which only a paragraph of tens of thousands
// of characters needs.
func fitted(e object, plain string) []object {
	if measureValue(e).n() <= elementBudget {
		return []object{e}
	}
	runes := utf8.RuneCountInString(plain)
	for {
		runes = runes * 9 / 10
		e["text"] = escapeMarkdown(bot.Truncate(plain, runes))
		if measureValue(e).n() <= elementBudget || runes == 0 {
			return []object{e, cutNote()}
		}
	}
}

// chunked joins lines into as few text elements as fit a card each. A
// line too long for a card of its own is cut (its plain form, shortened)
// and followed by the note that says so.
func chunked(lines, plain []string, sep string, build func(string) object) []object {
	var out []object
	var cur []string
	var used size
	base := measureValue(build(""))
	sepSize := measureValue(sep)
	sepSize = size{sepSize.bytes - 2, sepSize.units - 2} // without the quotes
	flush := func() {
		if len(cur) > 0 {
			out = append(out, build(joinLines(cur, sep)))
		}
		cur, used = nil, size{}
	}
	for i, l := range lines {
		ls := measureValue(l)
		ls = size{ls.bytes - 2, ls.units - 2}
		if base.plus(ls).n() > elementBudget {
			flush()
			out = append(out, fitted(build(l), plain[i])...)
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

func joinLines(lines []string, sep string) string {
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
func factSets(fields []bot.Field) []object {
	var out []object
	var facts []object
	var used size
	base := measureValue(object{"type": "FactSet", "facts": []object{}})
	flush := func() {
		if len(facts) > 0 {
			out = append(out, object{"type": "FactSet", "facts": facts})
		}
		facts, used = nil, size{}
	}
	for _, f := range fields {
		fact := object{"title": escapeMarkdown(f.Label), "value": renderText(f.Value)}
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
			out = append(out, object{"type": "FactSet", "facts": []object{fact}}, cutNote())
			continue
		}
		if len(facts) > 0 && base.plus(used).plus(fs).n() > elementBudget {
			flush()
		}
		facts = append(facts, fact)
		used = used.plus(fs).plus(size{1, 1})
	}
	flush()
	return out
}

// renderButtons renders buttons as actions. A button that opens an
// address Teams could not open safely (not http, https or mailto) is
// left out rather than shown broken.
func renderButtons(bs []bot.Button) []object {
	var out []object
	for _, b := range bs {
		if b.URL != "" {
			if u, ok := safeURL(b.URL); ok {
				out = append(out, object{"type": "Action.OpenUrl", "title": b.Label, "url": u})
			}
			continue
		}
		data := actionData{Action: b.Action, Value: b.Value}
		if c := b.Confirm; c != nil {
			yes := c.Yes
			if yes == "" {
				yes = b.Label
			}
			body := []object{}
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
			out = append(out, object{"type": "Action.ShowCard", "title": b.Label, "card": object{
				"type":    "AdaptiveCard",
				"body":    body,
				"actions": []object{execute(yes, verbAction, data, b.Style, "")},
			}})
			continue
		}
		out = append(out, execute(b.Label, verbAction, data, b.Style, ""))
	}
	return out
}

// execute is a Universal Action with an Action.Submit fallback carrying
// the same data, for clients older than Universal Actions.
func execute(title, verb string, data actionData, style, associatedInputs string) object {
	d := object{dataKey: data}
	submit := object{"type": "Action.Submit", "title": title, "data": d}
	a := object{"type": "Action.Execute", "title": title, "verb": verb, "data": d, "fallback": submit}
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
