package slack

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

const hostileText = "<!channel> <https://evil.example/x|Open Rapport> & *bold*"

func TestEscapeAndFormat(t *testing.T) {
	tests := []struct {
		name string
		got  md
		want md
	}{
		{"plain text is escaped", esc("a & <b> <!here>"), "a &amp; &lt;b&gt; &lt;!here&gt;"},
		{"string arguments are escaped", mdf("*%s* said %q", "<!channel>", "x"), `*&lt;!channel&gt;* said "x"`},
		{"markup arguments are kept", mdf("%s: %s", md("*bold*"), "<i>"), "*bold*: &lt;i&gt;"},
		{"numbers are formatted", mdf("%d of %s", 3, "5 & more"), "3 of 5 &amp; more"},
		{"mentions of Slack IDs", mention("U0123ABC"), "<@U0123ABC>"},
		{"anything else is text", mention("<!channel>"), "&lt;!channel&gt;"},
		{"a link", link("https://x.example/a?b=1&c=2", "go <now>"), "<https://x.example/a?b=1&amp;c=2|go &lt;now&gt;>"},
		{"a link that would break out", link("https://x.example/|<!channel>", "go"), "https://x.example/|&lt;!channel&gt;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

// Cutting escaped text never leaves half an entity, half a reference or
// half a character, and never goes over the limit.
func TestSplitAndTruncateKeepEntitiesWhole(t *testing.T) {
	entity := regexp.MustCompile(`&(amp|lt|gt);`)
	whole := func(t *testing.T, s md) {
		t.Helper()
		if !utf8.ValidString(string(s)) {
			t.Errorf("invalid UTF-8: %q", s)
		}
		rest := entity.ReplaceAllString(string(s), "")
		rest = regexp.MustCompile(`<@[A-Z0-9]+>`).ReplaceAllString(rest, "")
		if strings.ContainsAny(rest, "&<>") {
			t.Errorf("a cut entity or reference in %q", s)
		}
	}
	inputs := map[string]md{
		"entities":   esc(strings.Repeat("&<>é", 2000)),
		"mentions":   md(strings.Repeat("<@U0123ABC> ", 700)),
		"one line":   esc(strings.Repeat("🚴&", 3000)),
		"many lines": esc(strings.Repeat("a line with & in it\n", 400)),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			parts := splitMD(in, maxSectionText)
			var joined int
			for _, p := range parts {
				if n := utf8.RuneCountInString(string(p)); n > maxSectionText || n == 0 {
					t.Errorf("a part of %d characters", n)
				}
				joined += utf8.RuneCountInString(string(p))
				whole(t, p)
			}
			if joined < utf8.RuneCountInString(string(in))-len(parts)*2 {
				t.Errorf("split lost text: %d of %d characters", joined, utf8.RuneCountInString(string(in)))
			}
			for _, n := range []int{1, 2, 3, 4, 5, 150, 3000} {
				cut := truncMD(in, n)
				if got := utf8.RuneCountInString(string(cut)); got > n {
					t.Errorf("truncMD(%d) gave %d characters", n, got)
				}
				whole(t, cut)
			}
		})
	}
}

// A message with more blocks than Slack allows is cut, keeping its buttons.
func TestBlocksKeepToTheLimit(t *testing.T) {
	b := messageBlocks()
	for range 60 {
		b.section("a line")
	}
	b.actions("answer", button("a", "1", strings.Repeat("long label ", 20)))
	got := b.done()
	if len(got) != maxMessageBlocks {
		t.Fatalf("%d blocks", len(got))
	}
	last, ok := got[len(got)-1].(*slack.ActionBlock)
	if !ok {
		t.Fatalf("the buttons were dropped")
	}
	if n := utf8.RuneCountInString(last.Elements.ElementSet[0].(*slack.ButtonBlockElement).Text.Text); n > maxButtonText {
		t.Errorf("button label of %d characters", n)
	}
	if empty := messageBlocks().section(" \n").done(); len(empty) != 0 {
		t.Errorf("empty section: %d blocks", len(empty))
	}
}

func collectMrkdwn(v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		if x["type"] == "mrkdwn" {
			if s, ok := x["text"].(string); ok {
				*out = append(*out, s)
			}
		}
		for _, c := range x {
			collectMrkdwn(c, out)
		}
	case []any:
		for _, c := range x {
			collectMrkdwn(c, out)
		}
	}
}

var ownMarkup = regexp.MustCompile(`<@[A-Z0-9]+>|<#[A-Z0-9]+>|<https://meet\.example\.org/[^|<> ]*\|[^<>]*>|&(amp|lt|gt);`)

// markupIn says how s lets member text act as markup, or returns "".
func markupIn(s string) string {
	rest := ownMarkup.ReplaceAllString(s, "")
	switch {
	case strings.Contains(s, "<!"):
		return "a <! mention"
	case strings.ContainsAny(rest, "<>"):
		return "an unescaped < or >"
	case strings.Contains(rest, "&"):
		return "an unescaped &"
	}
	return ""
}

// hostileMessage uses every part of the message model, each holding
// member text that would be markup if it were not escaped.
func hostileMessage() *bot.Message {
	long := strings.Repeat("&<>", 1200)
	return &bot.Message{
		Title: hostileText,
		Sections: []bot.Section{
			{Heading: hostileText, Text: bot.P(hostileText, bot.Strong(hostileText), " ", bot.Italic(hostileText), bot.Struck(hostileText),
				bot.Code(hostileText+"`"), bot.Link("https://meet.example.org/x?a=1&b=2", hostileText), bot.Mention("U0AAAAAAA1", hostileText),
				bot.Mention(hostileText, hostileText), bot.ChannelLink("C0MEETUPS1"), bot.ChannelLink(hostileText), bot.Link("https://x.example/|<!channel>", "go"))},
			{Fields: []bot.Field{{Label: hostileText, Value: bot.P(hostileText)}}, Items: []bot.Text{bot.P(hostileText), bot.P(long)}},
			{Pre: hostileText + "\n" + long, Note: bot.P(hostileText)},
			{Rule: true, Text: bot.P(long), Buttons: []bot.Button{{Action: "a", Value: hostileText, Label: hostileText + long, Style: bot.StyleDanger,
				Confirm: &bot.Confirm{Title: hostileText + long, Text: hostileText + long, Yes: hostileText, No: hostileText}}}},
		},
	}
}

// Whatever member text a message holds, in any part of the model, Slack
// shows it as text, and the message keeps within Slack's limits.
func TestModelRendersMemberTextAsText(t *testing.T) {
	text, blocks := renderMessage(hostileMessage())
	texts := []string{text}
	raw, _ := json.Marshal(blocks)
	var v any
	_ = json.Unmarshal(raw, &v)
	collectMrkdwn(v, &texts)
	shown := 0
	for _, s := range texts {
		if p := markupIn(s); p != "" {
			t.Errorf("%s in %q", p, s)
		}
		shown += strings.Count(s, "&lt;!channel&gt;")
	}
	if shown < 12 {
		t.Errorf("member text shown %d times, want every span", shown)
	}
	if len(blocks) > maxMessageBlocks {
		t.Errorf("%d blocks", len(blocks))
	}
	for _, s := range texts[1:] {
		if n := utf8.RuneCountInString(s); n > maxSectionText {
			t.Errorf("a text of %d characters", n)
		}
	}
	for _, b := range blocks {
		if a, ok := b.(*slack.ActionBlock); ok {
			btn := a.Elements.ElementSet[0].(*slack.ButtonBlockElement)
			if n := utf8.RuneCountInString(btn.Text.Text); n > maxButtonText {
				t.Errorf("a button label of %d characters", n)
			}
			if btn.Style != slack.StyleDanger || btn.Confirm == nil {
				t.Errorf("button style %q, confirm %v", btn.Style, btn.Confirm)
			}
		}
	}
	if !strings.Contains(text, "&lt;!channel&gt;") {
		t.Errorf("fallback text %q does not show the title", text)
	}
}

// Styles wrap the words, not the spaces around them, which Slack would
// not read as styles.
func TestStylesHugTheirWords(t *testing.T) {
	tests := []struct {
		span bot.Span
		want md
	}{
		{bot.Strong("paused"), "*paused*"},
		{bot.Strong(" two words "), " *two words* "},
		{bot.Strong("a\nb"), "*a*\n*b*"},
		{bot.Italic("<x>"), "_&lt;x&gt;_"},
		{bot.Struck("Tuesday"), "~Tuesday~"},
		{bot.Code("/introduce-me `pause`"), "`/introduce-me 'pause'`"},
		{bot.Strong(" "), " "},
	}
	for _, tt := range tests {
		if got := renderSpan(tt.span); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.span, got, tt.want)
		}
	}
}

// A message longer than one Slack message allows is sent in parts,
// nothing cut; a message rendered as one is cut with a note.
func TestLongMessagesContinue(t *testing.T) {
	m := &bot.Message{Sections: []bot.Section{{Pre: strings.Repeat("{\"key\": \"a value & more\"}\n", 9000)}}}
	parts := renderParts(m)
	if len(parts) < 2 {
		t.Fatalf("%d parts", len(parts))
	}
	var got strings.Builder
	for _, p := range parts {
		if len(p.blocks) > maxMessageBlocks {
			t.Errorf("a part of %d blocks", len(p.blocks))
		}
		for _, b := range p.blocks {
			s := b.(*slack.SectionBlock).Text.Text
			got.WriteString(strings.TrimSuffix(strings.TrimPrefix(s, "```\n"), "\n```") + "\n")
		}
	}
	if want := strings.Count(m.Sections[0].Pre, "a value &amp; more"); strings.Count(got.String(), "a value &amp; more") != 9000 || want != 0 {
		t.Errorf("parts hold %d of 9000 lines", strings.Count(got.String(), "a value &amp; more"))
	}
	if _, blocks := renderMessage(m); len(blocks) != maxMessageBlocks {
		t.Errorf("one message of %d blocks", len(blocks))
	}
}

// A form becomes a modal whose inputs keep to Slack's limits and read
// back as the values bot expects.
func TestFormsRenderAndReadBack(t *testing.T) {
	f := &bot.Form{ID: "profile", Ref: "42", Title: "A title longer than Slack allows", Submit: "Save", Cancel: "Cancel",
		Inputs: []bot.Input{
			{ID: "name", Label: "Name", Value: strings.Repeat("é", 120), MaxLen: 80},
			{ID: "when", Label: "When", Kind: bot.InputDate, Value: "2026-12-08"},
			{ID: "pick", Label: "Pick", Kind: bot.InputChoice, Options: []bot.Option{{Value: "a", Label: "A"}, {Value: "b", Label: "B"}}, Value: "b"},
			{ID: "many", Label: "Many", Kind: bot.InputMultiChoice, MaxItems: 2, Values: []string{"y"},
				Options: []bot.Option{{Value: "x", Label: "X", Group: "One"}, {Value: "y", Label: "Y", Group: "Two"}}},
			{ID: "radio", Label: "Radio", Kind: bot.InputChoice, Expanded: true, Options: []bot.Option{{Value: "a", Label: "A"}}, Value: "a"},
		}}
	v := renderModal(f)
	if v.CallbackID != "profile" || v.PrivateMetadata != "42" || utf8.RuneCountInString(v.Title.Text) > maxModalTitle {
		t.Errorf("modal %q %q %q", v.CallbackID, v.PrivateMetadata, v.Title.Text)
	}
	in := v.Blocks.BlockSet[0].(*slack.InputBlock).Element.(*slack.PlainTextInputBlockElement)
	if in.MaxLength != 120 {
		t.Errorf("a stored value of 120 characters got max_length %d", in.MaxLength)
	}
	sel := v.Blocks.BlockSet[2].(*slack.InputBlock).Element.(*slack.SelectBlockElement)
	if sel.InitialOption == nil || sel.InitialOption.Value != "b" || len(sel.OptionGroups) != 0 {
		t.Errorf("select %+v", sel)
	}
	multi := v.Blocks.BlockSet[3].(*slack.InputBlock).Element.(*slack.MultiSelectBlockElement)
	if len(multi.OptionGroups) != 2 || len(multi.InitialOptions) != 1 || *multi.MaxSelectedItems != 2 {
		t.Errorf("multi-select %+v", multi)
	}
	if _, ok := v.Blocks.BlockSet[4].(*slack.InputBlock).Element.(*slack.RadioButtonsBlockElement); !ok {
		t.Errorf("an expanded choice is not radio buttons")
	}
	state := &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
		"name":  {valueActionID: {Value: "Ann"}},
		"when":  {valueActionID: {SelectedDate: "2026-12-09"}},
		"pick":  {valueActionID: {SelectedOption: slack.OptionBlockObject{Value: "a"}}},
		"many":  {valueActionID: {SelectedOptions: []slack.OptionBlockObject{{Value: "x"}, {Value: "y"}}}},
		"empty": {valueActionID: {}},
	}}
	got := formValues(state)
	if got.Get("name") != "Ann" || got.Get("when") != "2026-12-09" || got.Get("pick") != "a" || strings.Join(got.List("many"), ",") != "x,y" || got.Get("empty") != "" {
		t.Errorf("values %v", got)
	}
}

// Organisations beyond Slack's 100 options a list go in alphabetical
// groups, with "not listed" first; a short list stays plain.
func TestLongChoicesAreGrouped(t *testing.T) {
	var opts []bot.Option
	for i := range 150 {
		opts = append(opts, bot.Option{Value: fmt.Sprintf("org %03d", i), Label: fmt.Sprintf("Org %03d", i)})
	}
	opts = append(opts, bot.Option{Value: "other", Label: "Another", Group: "Not listed"})
	groups := optionGroups(opts)
	if len(groups) != 3 || groups[0].Label.Text != "Not listed" || len(groups[1].Options) != 100 {
		t.Fatalf("groups %d", len(groups))
	}
	if optionGroups(opts[140:]) != nil {
		t.Errorf("a short list with one named option was grouped")
	}
}

// A link button whose address is longer than Slack takes is left out,
// rather than making Slack refuse the whole message.
func TestLinkButtonsKeepToSlacksLimit(t *testing.T) {
	m := &bot.Message{Sections: []bot.Section{{Text: bot.P("Add it to your calendar"), Buttons: []bot.Button{
		{Action: "long", Label: "Too long", URL: "https://calendar.example/" + strings.Repeat("a", maxButtonURL)},
		{Action: "short", Label: "Fine", URL: "https://calendar.example/x"},
	}}}}
	_, blocks := renderMessage(m)
	a := blocks[len(blocks)-1].(*slack.ActionBlock)
	if n := len(a.Elements.ElementSet); n != 1 || a.Elements.ElementSet[0].(*slack.ButtonBlockElement).ActionID != "short" {
		t.Errorf("%d buttons kept", n)
	}
}

// The Home tab holds twice a message's blocks; a Home longer than that is
// cut short with the note that says so, keeping its last buttons, and
// member text in it is escaped as in a message.
func TestHomeViewKeepsToTheLimit(t *testing.T) {
	m := &bot.Message{Title: "Your Rapport"}
	for i := range 120 {
		m.Add(bot.Section{Text: bot.P(fmt.Sprintf("<!channel> line %d", i))})
	}
	m.Add(bot.Section{Buttons: []bot.Button{{Action: bot.ActionHomePause, Label: "Pause"}}})
	v := renderHome(m)
	if v.Type != slack.VTHomeTab || len(v.Blocks.BlockSet) != maxHomeBlocks {
		t.Fatalf("home view of type %s with %d blocks", v.Type, len(v.Blocks.BlockSet))
	}
	if _, ok := v.Blocks.BlockSet[maxHomeBlocks-1].(*slack.ActionBlock); !ok {
		t.Errorf("the buttons were dropped")
	}
	b, _ := json.Marshal(v)
	if !strings.Contains(string(b), bot.CutShortNote) {
		t.Errorf("no note that the Home tab was cut short")
	}
	if strings.Contains(string(b), "<!channel>") {
		t.Errorf("member text reached the Home tab as markup")
	}
	short := renderHome(bot.Say("Hello"))
	if len(short.Blocks.BlockSet) != 1 || strings.Contains(mustMarshal(short), bot.CutShortNote) {
		t.Errorf("a short Home: %s", mustMarshal(short))
	}
}

func mustMarshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
