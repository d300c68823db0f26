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
			want := countMarkup(cardTexts(t, messageCards(hostileMessage(lettersOnly(s)))))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("member text added markup: %v, want %v\n%s", got, want, cards[0].Content)
			}
		})
	}
}

// lettersOnly replaces every character that is not white space with "a".
func lettersOnly(s string) string {
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
	var walkCard func(x any)
	walkCard = func(x any) {
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
				walkCard(y)
			}
		case []any:
			for _, y := range v {
				walkCard(y)
			}
		}
	}
	for _, c := range cards {
		var card any
		if err := json.Unmarshal(c.Content, &card); err != nil {
			t.Fatal(err)
		}
		walkCard(card)
	}
	return out
}

func decodeCard(t *testing.T, a schema.Attachment) map[string]any {
	t.Helper()
	var card map[string]any
	if err := json.Unmarshal(a.Content, &card); err != nil {
		t.Fatal(err)
	}
	return card
}

func catalogueExample(t *testing.T, name string) bot.Example {
	t.Helper()
	for _, ex := range bot.Examples() {
		if ex.Name == name {
			return ex
		}
	}
	t.Fatalf("no example %q", name)
	return bot.Example{}
}

// walkCard calls fn on every object of a decoded card, in document order.
func walkCard(x any, fn func(map[string]any)) {
	switch v := x.(type) {
	case map[string]any:
		fn(v)
		for _, k := range []string{"body", "actions", "card", "fallback"} {
			if y, ok := v[k]; ok {
				walkCard(y, fn)
			}
		}
	case []any:
		for _, y := range v {
			walkCard(y, fn)
		}
	}
}

// pressCard is what Teams sends for a press of the card's action with the
// given verb: the action's data, with every input's value as a string
// merged in beside it (and, as Action.Submit does, Teams' own object).
func pressCard(t *testing.T, a schema.Attachment, verb string, change map[string]string) json.RawMessage {
	t.Helper()
	card := decodeCard(t, a)
	data := map[string]any{"msteams": map[string]any{"type": "messageBack"}}
	found := false
	walkCard(card, func(o map[string]any) {
		typ, _ := o["type"].(string)
		if strings.HasPrefix(typ, "Input.") {
			v := ""
			if x, ok := o["value"]; ok {
				v = fmt.Sprint(x)
			}
			data[o["id"].(string)] = v
		}
		if typ == "Action.Execute" && o["verb"] == verb {
			for k, v := range o["data"].(map[string]any) {
				data[k] = v
			}
			found = true
		}
	})
	if !found {
		t.Fatalf("no action with verb %q", verb)
	}
	for k, v := range change {
		data[k] = v
	}
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// initialValues are a form's values as its inputs hold them.
func initialValues(f *bot.Form) bot.FormValues {
	out := bot.FormValues{}
	for _, in := range f.Inputs {
		switch {
		case in.Value != "":
			out[in.ID] = []string{in.Value}
		case len(in.Values) > 0:
			out[in.ID] = in.Values
		}
	}
	return out
}

// Saving the profile form unchanged gives back exactly what it showed.
func TestProfileFormRoundTrip(t *testing.T) {
	f := catalogueExample(t, "profile_form_saved").Form
	card := formCard(f, nil, nil)
	validateCard(t, card)
	d, err := parseCardData(pressCard(t, card, verbSubmit, nil))
	if err != nil {
		t.Fatal(err)
	}
	if d.Form != f.ID || d.Ref != f.Ref || d.Cancel || d.Action != "" {
		t.Errorf("the submission reads as %+v", d)
	}
	if got, want := formValues(f, d.Inputs), initialValues(f); !reflect.DeepEqual(got, want) {
		t.Errorf("values read back:\n%v\nwant\n%v", got, want)
	}
	if len(initialValues(f)[bot.FieldInterests]) == 0 || initialValues(f).Get(bot.FieldBio) == "" {
		t.Fatal("the example no longer has the values this test is about")
	}
}

// The meetup form round-trips too: dates, times and a number.
func TestMeetupFormRoundTrip(t *testing.T) {
	f := catalogueExample(t, "meetup_form_edit").Form
	card := formCard(f, nil, nil)
	d, err := parseCardData(pressCard(t, card, verbSubmit, nil))
	if err != nil {
		t.Fatal(err)
	}
	if d.Ref != f.Ref || d.Ref == "" {
		t.Errorf("ref %q, want %q", d.Ref, f.Ref)
	}
	if got, want := formValues(f, d.Inputs), initialValues(f); !reflect.DeepEqual(got, want) {
		t.Errorf("values read back:\n%v\nwant\n%v", got, want)
	}
}

// A form shown again after a refused submission shows what was submitted,
// not what it started with.
func TestSubmittedValuesTakePrecedence(t *testing.T) {
	f := catalogueExample(t, "profile_form_saved").Form
	submitted := bot.FormValues{bot.FieldOrganisation: {"Northfield Pharmacy"}, bot.FieldBio: {"**new** bio"}, bot.FieldInterests: {"Frailty", "Diabetes"}}
	values := map[string]any{}
	walkCard(decodeCard(t, formCard(f, submitted, nil)), func(o map[string]any) {
		if v, ok := o["value"]; ok {
			values[o["id"].(string)] = v
		}
	})
	if values[bot.FieldOrganisation] != "Northfield Pharmacy" || values[bot.FieldBio] != "**new** bio" || values[bot.FieldInterests] != "Frailty,Diabetes" {
		t.Errorf("the card shows %v", values)
	}
	if _, ok := values[bot.FieldSector]; ok {
		t.Errorf("an input missing from the submission shows its old value %v", values[bot.FieldSector])
	}
}

// Each error shows under its own input, before the next one, in red.
func TestFormErrorsShowUnderTheirInput(t *testing.T) {
	f := *catalogueExample(t, "profile_form_saved").Form
	f.Inputs = append([]bot.Input(nil), f.Inputs...)
	f.Inputs[0].Error = "Choose your organisation"
	errs := map[string]string{bot.FieldBio: "Keep it to 150 characters <please>", bot.FieldSector: "Choose a sector"}
	card := decodeCard(t, formCard(&f, nil, errs))
	under := map[string][]string{}
	last := ""
	for _, e := range card["body"].([]any) {
		o := e.(map[string]any)
		if id, ok := o["id"].(string); ok {
			last = id
		}
		if o["color"] == "Attention" {
			under[last] = append(under[last], unescapeMarkdown(o["text"].(string)))
		}
	}
	want := map[string][]string{
		bot.FieldOrganisation: {"Choose your organisation"},
		bot.FieldSector:       {"Choose a sector"},
		bot.FieldBio:          {"Keep it to 150 characters <please>"},
	}
	if !reflect.DeepEqual(under, want) {
		t.Errorf("errors under inputs: %v, want %v", under, want)
	}
}

// Cancel sends no inputs, and reads back as a cancel of the form.
func TestFormCancel(t *testing.T) {
	f := catalogueExample(t, "meetup_form_edit").Form
	card := decodeCard(t, formCard(f, nil, nil))
	var cancel map[string]any
	walkCard(card, func(o map[string]any) {
		if o["verb"] == verbCancel {
			cancel = o
		}
	})
	if cancel == nil || cancel["associatedInputs"] != "none" || cancel["fallback"].(map[string]any)["associatedInputs"] != "none" {
		t.Fatalf("cancel action %v", cancel)
	}
	b, _ := json.Marshal(cancel["data"])
	d, err := parseCardData(b)
	if err != nil || !d.Cancel || d.Form != f.ID || d.Ref != f.Ref {
		t.Errorf("cancel reads as %+v, %v", d, err)
	}
}

// Option values with commas survive a multi-select, which Teams sends as
// one string joined with commas.
func TestMultiChoiceValuesWithCommas(t *testing.T) {
	f := &bot.Form{ID: "f", Submit: "Save", Inputs: []bot.Input{{ID: "pick", Label: "Pick", Kind: bot.InputMultiChoice,
		Options: []bot.Option{{Value: "a,b", Label: "A and B"}, {Value: "100%", Label: "All"}, {Value: " spaced ", Label: "Spaced"}, {Value: "%2C", Label: "Literal"}},
		Values:  []string{"a,b", "100%", " spaced ", "%2C"}}}}
	card := formCard(f, nil, nil)
	validateCard(t, card)
	d, err := parseCardData(pressCard(t, card, verbSubmit, nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := formValues(f, d.Inputs).List("pick"); !reflect.DeepEqual(got, []string{"a,b", "100%", " spaced ", "%2C"}) {
		t.Errorf("values read back %q", got)
	}
}

// Only the form's own inputs are read; empty inputs have no value.
func TestFormValuesReadsOnlyTheFormsInputs(t *testing.T) {
	f := catalogueExample(t, "profile_form_saved").Form
	got := formValues(f, map[string]string{bot.FieldBio: "hello", "is_admin": "true", bot.FieldOrgOther: "", bot.FieldInterests: "Frailty,,Diabetes"})
	want := bot.FormValues{bot.FieldBio: {"hello"}, bot.FieldInterests: {"Frailty", "Diabetes"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("formValues = %v, want %v", got, want)
	}
}

// Data Rapport never wrote is refused.
func TestParseCardDataRefusesForeignData(t *testing.T) {
	for name, raw := range map[string]string{
		"not JSON":              `{"rapport":`,
		"not an object":         `["rapport"]`,
		"null":                  `null`,
		"no rapport object":     `{"action":"leave_confirm"}`,
		"rapport not an object": `{"rapport":"leave_confirm"}`,
		"rapport null":          `{"rapport":null}`,
		"unknown key":           `{"rapport":{"a":"x","admin":true}}`,
		"neither":               `{"rapport":{"v":"1"}}`,
		"both":                  `{"rapport":{"a":"x","f":"profile"}}`,
		"a cancelled button":    `{"rapport":{"a":"x","x":true}}`,
		"a button with a ref":   `{"rapport":{"a":"x","r":"1"}}`,
		"a form with a value":   `{"rapport":{"f":"profile","v":"1"}}`,
		"wrong type":            `{"rapport":{"a":1}}`,
		"cancel not a boolean":  `{"rapport":{"f":"profile","x":"yes"}}`,
		"an input object":       `{"rapport":{"f":"profile"},"bio":{"text":"x"}}`,
		"an input list":         `{"rapport":{"f":"profile"},"bio":["x"]}`,
	} {
		t.Run(name, func(t *testing.T) {
			if d, err := parseCardData(json.RawMessage(raw)); err == nil {
				t.Errorf("parseCardData(%s) = %+v, want an error", raw, d)
			}
		})
	}
}

// A submission's inputs are read as strings; Teams' own object is not an
// input.
func TestParseCardDataReadsInputs(t *testing.T) {
	d, err := parseCardData(json.RawMessage(`{"rapport":{"f":"meetup_edit","r":"12"},"msteams":{"type":"messageBack"},"title":"Lunch","capacity":20,"food":true,"place":null}`))
	if err != nil {
		t.Fatal(err)
	}
	want := cardData{Form: "meetup_edit", Ref: "12", Inputs: map[string]string{"title": "Lunch", "capacity": "20", "food": "true", "place": ""}}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("parseCardData = %+v, want %+v", d, want)
	}
}

// Every button carries its action and value, through Action.Execute and
// its Action.Submit fallback alike, and a confirm only through its
// confirming press; a link opens its address; a link Teams could not open
// safely is left out.
func TestButtonsParseBack(t *testing.T) {
	m := &bot.Message{Sections: []bot.Section{{Text: bot.P("Choose"), Buttons: []bot.Button{
		{Action: "go", Value: "1", Label: "Go", Style: bot.StylePrimary},
		{Action: "stop", Value: "a \"quoted\" <value>", Label: "Stop", Style: bot.StyleDanger},
		{Action: "leave", Value: "7", Label: "Leave", Confirm: &bot.Confirm{Title: "Sure?", Text: "It can't be undone.", Yes: "Leave", No: "Stay"}},
		{Label: "Open", URL: "https://teams.microsoft.com/l/chat/0/0?users=a@x.nhs.net,b@x.nhs.net&topicName=Hi%20there"},
		{Label: "Evil", URL: "javascript:alert(1)"},
	}}}}
	cards := messageCards(m)
	validateCard(t, cards[0])
	type press struct{ typ, action, value, style string }
	var got []press
	var urls []string
	walkCard(decodeCard(t, cards[0]), func(o map[string]any) {
		switch o["type"] {
		case "Action.Execute", "Action.Submit":
			b, _ := json.Marshal(o["data"])
			d, err := parseCardData(b)
			if err != nil {
				t.Errorf("%s: %v", b, err)
			}
			style, _ := o["style"].(string)
			got = append(got, press{o["type"].(string), d.Action, d.Value, style})
		case "Action.OpenUrl":
			urls = append(urls, o["url"].(string))
		case "Action.ShowCard":
			if o["title"] != "Leave" {
				t.Errorf("the confirm button is titled %v", o["title"])
			}
		}
	})
	want := []press{
		{"Action.Execute", "go", "1", "positive"}, {"Action.Submit", "go", "1", "positive"},
		{"Action.Execute", "stop", "a \"quoted\" <value>", "destructive"}, {"Action.Submit", "stop", "a \"quoted\" <value>", "destructive"},
		{"Action.Execute", "leave", "7", ""}, {"Action.Submit", "leave", "7", ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("presses:\n%v\nwant\n%v", got, want)
	}
	if len(urls) != 1 || urls[0] != m.Sections[0].Buttons[3].URL {
		t.Errorf("links %q", urls)
	}
}

// A link in text goes only to a web or mail address; any other is shown
// as text.
func TestLinksOnlyToWebAddresses(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"https://example.org/a_(b)", "[label](https://example.org/a%5F%28b%29)"},
		{"mailto:pcn@example.nhs.net", "[label](mailto:pcn@example.nhs.net)"},
		{"javascript:alert(1)", "label (javascript:alert(1))"},
		{"data:text/html,hi", "label (data:text/html,hi)"},
		{"https://x.org/a b", "label (https://x.org/a b)"},
		{"https:///nohost", "label (https:///nohost)"},
	} {
		if got := renderText(bot.P(bot.Link(c.url, "label"))); got != c.want {
			t.Errorf("link to %q = %q, want %q", c.url, got, c.want)
		}
	}
}

// A mention is the name in bold, never a Teams mention.
func TestMentionIsTheNameInBold(t *testing.T) {
	if got := renderText(bot.P("Hi ", bot.Mention("29:abc", "<at>Priya</at>"))); got != `Hi **\<at\>Priya\</at\>**` {
		t.Errorf("mention = %q", got)
	}
	if got := renderText(bot.P(bot.Strong("Priya"), " (", bot.Mention("29:abc", "Priya"), ")\nNurse")); got != "**Priya**\n\nNurse" {
		t.Errorf("name and mention = %q", got)
	}
}

// A form with nothing to fill in is a message.
func TestFormWithoutInputsIsAMessage(t *testing.T) {
	card := formCard(&bot.Form{ID: "x", Title: "Saved", Intro: bot.P("Your profile is saved.")}, nil, nil)
	validateCard(t, card)
	texts := cardTexts(t, []schema.Attachment{card})
	if !reflect.DeepEqual(texts, []string{"Saved", "Your profile is saved."}) {
		t.Errorf("texts %q", texts)
	}
}

// plainOf is every text of cards as a person reads it, in order.
func plainOf(t *testing.T, cards []schema.Attachment) string {
	var out []string
	for _, s := range cardTexts(t, cards) {
		out = append(out, unescapeMarkdown(s))
	}
	return strings.Join(out, "\n")
}

// A message too long for one card goes in several, each under the limit,
// with nothing lost and nothing out of order.
func TestHugeMessageSplitsWithNothingLost(t *testing.T) {
	m := &bot.Message{Title: "Everything we store about you"}
	var want []string
	for i := range 200 {
		w := fmt.Sprintf("Section %d says %s", i, strings.Repeat("words <and> *marks* ", 20))
		m.Add(bot.Section{Heading: fmt.Sprintf("Heading %d", i), Text: bot.P(w)})
		want = append(want, fmt.Sprintf("Heading %d", i), w)
	}
	var items []bot.Text
	for i := range 3000 {
		s := fmt.Sprintf("item %d: Riverside Surgery & [Northfield](x)", i)
		items = append(items, bot.P(s))
		want = append(want, s)
	}
	var pre []string
	for i := range 4000 {
		pre = append(pre, fmt.Sprintf(`    {"line": %d, "text": "x_y"},`, i))
	}
	m.Add(bot.Section{Heading: "Your list", Items: items, Pre: strings.Join(pre, "\n"), Note: bot.P("The end."), Buttons: []bot.Button{{Action: "done", Label: "Done"}}})
	want = append(want, pre...)
	want = append(want, "The end.")

	cards := messageCards(m)
	if len(cards) < 3 {
		t.Fatalf("%d cards", len(cards))
	}
	for _, c := range cards {
		validateCard(t, c)
	}
	plain := plainOf(t, cards)
	at := 0
	for _, w := range want {
		i := strings.Index(plain[at:], normalised(w))
		if i < 0 {
			t.Fatalf("%q is lost, or out of order", w)
		}
		at += i
	}
	if strings.Contains(plain, bot.CutShortNote) {
		t.Error("a message that could be split was cut")
	}
	last := decodeCard(t, cards[len(cards)-1])["body"].([]any)
	if last[len(last)-1].(map[string]any)["type"] != "ActionSet" {
		t.Error("the buttons are not at the end of the last card")
	}
}

// A part too long even for a card of its own is cut, and says so.
func TestOversizedParagraphIsCut(t *testing.T) {
	long := strings.Repeat("a very long paragraph (with marks) ", 6000)
	for name, c := range map[string]struct {
		s      bot.Section
		beside []string
	}{
		"paragraph": {bot.Section{Text: bot.P(bot.Strong(long)), Note: bot.P("small print")}, []string{"small print"}},
		"item":      {bot.Section{Items: []bot.Text{bot.P("short"), bot.P(long), bot.P("after")}}, []string{"short", "after"}},
		"pre line":  {bot.Section{Pre: "first\n" + long + "\nlast"}, []string{"first", "last"}},
		"field":     {bot.Section{Fields: []bot.Field{{Label: "Role", Value: bot.P("Nurse")}, {Label: "Bio", Value: bot.P(long)}}}, []string{"Role", "Nurse", "Bio"}},
	} {
		t.Run(name, func(t *testing.T) {
			cards := messageCards(&bot.Message{Title: "Long", Sections: []bot.Section{c.s}})
			for _, card := range cards {
				validateCard(t, card)
			}
			plain := plainOf(t, cards)
			if !strings.Contains(plain, bot.CutShortNote) {
				t.Errorf("no note that it was cut")
			}
			cut := false
			for _, text := range cardTexts(t, cards) {
				if strings.Contains(text, "a very long paragraph (with marks) a very long") {
					cut = true
					if strings.Contains(text, `\`) && name != "paragraph" {
						t.Errorf("the cut part is escaped twice: %q…", text[:40])
					}
					if name == "item" && !strings.HasPrefix(text, "- a very long") {
						t.Errorf("the cut item is not a list item: %q…", text[:40])
					}
				}
			}
			if !cut {
				t.Errorf("the cut part is not shown at all")
			}
			for _, w := range c.beside {
				if !strings.Contains(plain, w) {
					t.Errorf("%q, beside the long part, is lost", w)
				}
			}
		})
	}
}

// Teams counts a message in UTF-16, so plain English text is held to half
// the bytes: 60 KB of ASCII goes in two cards, not one.
func TestSizeCountsUTF16(t *testing.T) {
	var items []bot.Text
	for range 600 {
		items = append(items, bot.P(strings.Repeat("x", 99)))
	}
	cards := messageCards(&bot.Message{Sections: []bot.Section{{Items: items}}})
	if len(cards) < 2 {
		t.Errorf("60 KB of ASCII went in %d card of %d bytes", len(cards), len(cards[0].Content))
	}
	for _, c := range cards {
		validateCard(t, c)
	}
}

// A long single choice can be filtered by typing; a multi-select cannot,
// in Teams, and stays a drop-down.
func TestLongChoiceIsFiltered(t *testing.T) {
	var opts []bot.Option
	for i := range 30 {
		opts = append(opts, bot.Option{Value: fmt.Sprint(i), Label: fmt.Sprintf("Practice %d", i)})
	}
	f := &bot.Form{ID: "f", Submit: "Save", Inputs: []bot.Input{
		{ID: "one", Label: "One", Kind: bot.InputChoice, Options: opts},
		{ID: "many", Label: "Many", Kind: bot.InputMultiChoice, Options: opts},
	}}
	card := formCard(f, nil, nil)
	validateCard(t, card)
	styles := map[string]any{}
	walkCard(decodeCard(t, card), func(o map[string]any) {
		if id, ok := o["id"].(string); ok {
			styles[id] = o["style"]
		}
	})
	if styles["one"] != "filtered" || styles["many"] != "compact" {
		t.Errorf("styles %v", styles)
	}
}

// Blank headings, titles and preformatted text make no element: Adaptive
// Cards refuse a TextBlock without text.
func TestBlankPartsMakeNoElement(t *testing.T) {
	cards := messageCards(&bot.Message{Title: " ", Sections: []bot.Section{{Heading: "\t", Pre: "  \n ", Text: bot.P("Hello")}}})
	validateCard(t, cards[0])
	if texts := cardTexts(t, cards); !reflect.DeepEqual(texts, []string{"Hello"}) {
		t.Errorf("texts %q", texts)
	}
}

// A title too long for a card is cut, and says so.
func TestOversizedTitleIsCut(t *testing.T) {
	cards := messageCards(&bot.Message{Title: strings.Repeat("Meetup ", 20000), Sections: []bot.Section{{Text: bot.P("Body")}}})
	for _, c := range cards {
		validateCard(t, c)
	}
	if plain := plainOf(t, cards); !strings.Contains(plain, bot.CutShortNote) || !strings.Contains(plain, "Body") {
		t.Errorf("cards read %q…", plain[len(plain)-200:])
	}
}

// BenchmarkMessageCardsExport measures rendering a long export: 20,000
// lines of preformatted text, split over cards.
func BenchmarkMessageCardsExport(b *testing.B) {
	var lines []string
	for i := range 20000 {
		lines = append(lines, fmt.Sprintf(`  {"line": %d, "text": "Practice nurse & diabetes lead <she/her>"},`, i))
	}
	m := &bot.Message{Title: "Your data", Sections: []bot.Section{{Pre: strings.Join(lines, "\n")}}}
	for b.Loop() {
		messageCards(m)
	}
}
