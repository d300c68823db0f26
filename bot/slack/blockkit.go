package slack

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/rapport-pcn/rapport/bot"
)

// This file turns bot's platform-neutral messages and forms into Block Kit.
// It is the only code that decides how a message looks in Slack; render.go
// beside it knows Slack's markup and limits.

// valueActionID is the action ID of every input of a modal: the block ID
// is the input's ID, so values and errors map straight onto inputs.
const valueActionID = "value"

// Slack's limits on modals and options, in characters.
const (
	maxModalTitle    = 24
	maxSelectOptions = 100
	maxOptionValue   = 150
	maxInputLen      = 3000
	maxPlaceholder   = 150
	maxLabel         = 2000
	maxHint          = 2000
)

// renderText turns text into mrkdwn, escaping every span.
func renderText(t bot.Text) md {
	var b strings.Builder
	for _, s := range t {
		b.WriteString(string(renderSpan(s)))
	}
	return md(b.String())
}

func renderSpan(s bot.Span) md {
	switch {
	case s.User != "":
		if isSlackID(s.User) {
			return mention(s.User)
		}
		return styled(s)
	case s.Channel != "":
		return channelRef(s.Channel)
	case s.URL != "":
		return link(s.URL, s.Text)
	}
	return styled(s)
}

// styled wraps a span's escaped text in Slack's style markers, line by
// line, with the markers against the words: Slack ignores "* bold*".
func styled(s bot.Span) md {
	var open, close string
	if s.Code {
		// Slack has no way to escape a backquote inside code.
		return md("`") + esc(strings.ReplaceAll(s.Text, "`", "'")) + "`"
	}
	if s.Strong {
		open, close = open+"*", "*"+close
	}
	if s.Italic {
		open, close = open+"_", "_"+close
	}
	if s.Strike {
		open, close = open+"~", "~"+close
	}
	if open == "" {
		return esc(s.Text)
	}
	lines := strings.Split(s.Text, "\n")
	for i, l := range lines {
		word := strings.TrimSpace(l)
		if word == "" {
			continue
		}
		at := strings.Index(l, word)
		lines[i] = l[:at] + open + string(esc(word)) + close + l[at+len(word):]
	}
	return md(strings.Join(lines, "\n"))
}

// sectionText is the mrkdwn of a section's heading, paragraph, fields,
// list and preformatted text.
func sectionText(s bot.Section) md {
	var parts []md
	if s.Heading != "" {
		parts = append(parts, md("*")+esc(s.Heading)+"*")
	}
	if !s.Text.Empty() {
		parts = append(parts, renderText(s.Text))
	}
	for _, f := range s.Fields {
		parts = append(parts, md("*")+esc(f.Label)+":* "+renderText(f.Value))
	}
	for _, it := range s.Items {
		parts = append(parts, "• "+renderText(it))
	}
	if s.Pre != "" {
		parts = append(parts, md("```\n")+esc(s.Pre)+"\n```")
	}
	return joinMD(parts, "\n")
}

// renderMessage renders a message as Block Kit, with its fallback text
// for notifications. A message longer than Slack allows is cut short, with
// a note that says so.
func renderMessage(m *bot.Message) (string, []slack.Block) {
	return fallback(renderText(m.SummaryText())), buildBlocks(m).done()
}

// renderedPart is one Slack message of a message too long for one.
type renderedPart struct {
	text   string
	blocks []slack.Block
}

// renderParts renders a message as as many Slack messages as its blocks
// need, so that nothing is cut (an export, say).
func renderParts(m *bot.Message) []renderedPart {
	text := fallback(renderText(m.SummaryText()))
	all := buildBlocks(m).list
	var out []renderedPart
	for len(all) > maxMessageBlocks {
		out = append(out, renderedPart{text, all[:maxMessageBlocks]})
		all = all[maxMessageBlocks:]
	}
	return append(out, renderedPart{text, all})
}

func buildBlocks(m *bot.Message) *blocks {
	b := messageBlocks()
	if m.Title != "" {
		b.header(m.Title)
	}
	for _, s := range m.Sections {
		if s.Rule {
			b.divider()
		}
		if s.Pre != "" && utf8.RuneCountInString(string(sectionText(s))) > maxSectionText {
			// A long preformatted text (an export) goes in pieces, each
			// its own code block.
			head := s
			head.Pre = ""
			b.section(sectionText(head))
			for _, piece := range splitMD(esc(s.Pre), maxSectionText-10) {
				b.section(md("```\n") + piece + "\n```")
			}
		} else {
			b.section(sectionText(s))
		}
		if !s.Note.Empty() {
			b.context("", renderText(s.Note))
		}
		if len(s.Buttons) > 0 {
			b.actions("", renderButtons(s.Buttons)...)
		}
	}
	return b
}

func renderButtons(bs []bot.Button) []slack.BlockElement {
	out := make([]slack.BlockElement, 0, len(bs))
	for _, x := range bs {
		if len(x.URL) > maxButtonURL {
			// Slack refuses the whole message for one link too long.
			continue
		}
		el := button(x.Action, x.Value, x.Label)
		switch x.Style {
		case bot.StylePrimary:
			el.Style = slack.StylePrimary
		case bot.StyleDanger:
			el.Style = slack.StyleDanger
		}
		if x.URL != "" {
			el = el.WithURL(x.URL)
		}
		if c := x.Confirm; c != nil {
			el.Confirm = slack.NewConfirmationBlockObject(plainN(c.Title, 100), plainN(c.Text, 300), plainN(c.Yes, 30), plainN(c.No, 30))
		}
		out = append(out, el)
	}
	return out
}

// renderHome renders a message as the Home tab's view, which holds up to
// 100 blocks: a longer one is cut short, with a note that says so.
func renderHome(m *bot.Message) slack.HomeTabViewRequest {
	b := buildBlocks(m)
	b.max = maxHomeBlocks
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: homeCallbackID, Blocks: slack.Blocks{BlockSet: b.done()}}
}

// renderModal renders a form as a modal: its ID is the callback ID and its
// Ref the private metadata, which come back with the submission.
func renderModal(f *bot.Form) slack.ModalViewRequest {
	b := modalBlocks()
	if !f.Intro.Empty() {
		b.section(renderText(f.Intro))
	}
	for _, in := range f.Inputs {
		b.add(renderInput(in))
	}
	v := slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      f.ID,
		Title:           plainN(f.Title, maxModalTitle),
		PrivateMetadata: f.Ref,
		Blocks:          slack.Blocks{BlockSet: b.done()},
	}
	if f.Submit != "" {
		v.Submit = plainN(f.Submit, maxModalTitle)
	}
	if f.Cancel != "" {
		v.Close = plainN(f.Cancel, maxModalTitle)
	}
	return v
}

func renderInput(in bot.Input) *slack.InputBlock {
	var el slack.BlockElement
	placeholder := func() *slack.TextBlockObject {
		if in.Placeholder == "" {
			return nil
		}
		return plainN(in.Placeholder, maxPlaceholder)
	}
	switch in.Kind {
	case bot.InputShortText, bot.InputLongText:
		t := slack.NewPlainTextInputBlockElement(placeholder(), valueActionID)
		t.Multiline = in.Kind == bot.InputLongText
		// Slack refuses an initial value longer than max_length: a stored
		// value longer than today's limit (saved under an older one)
		// widens the limit rather than being cut, so saving again loses
		// nothing.
		t.InitialValue = bot.Truncate(in.Value, maxInputLen)
		if in.MaxLen > 0 {
			t.MaxLength = min(max(in.MaxLen, utf8.RuneCountInString(t.InitialValue)), maxInputLen)
		}
		el = t
	case bot.InputURL:
		t := slack.NewURLTextInputBlockElement(placeholder(), valueActionID)
		t.InitialValue = in.Value
		el = t
	case bot.InputNumber:
		t := slack.NewNumberInputBlockElement(placeholder(), valueActionID, false)
		t.InitialValue = in.Value
		el = t
	case bot.InputDate:
		t := slack.NewDatePickerBlockElement(valueActionID)
		t.InitialDate = in.Value
		el = t
	case bot.InputTime:
		t := slack.NewTimePickerBlockElement(valueActionID)
		t.InitialTime = in.Value
		el = t
	case bot.InputChoice:
		opts := options(in.Options)
		if in.Expanded {
			t := slack.NewRadioButtonsBlockElement(valueActionID, opts...)
			t.InitialOption = initialOption(opts, in.Value)
			el = t
			break
		}
		t := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, placeholder(), valueActionID)
		if groups := optionGroups(in.Options); groups != nil {
			t.OptionGroups = groups
			t.InitialOption = initialOption(groupedOptions(groups), in.Value)
		} else {
			t.Options = opts
			t.InitialOption = initialOption(opts, in.Value)
		}
		el = t
	case bot.InputMultiChoice:
		opts := options(in.Options)
		if in.Expanded {
			t := slack.NewCheckboxGroupsBlockElement(valueActionID, opts...)
			t.InitialOptions = initialOptions(opts, in.Values)
			el = t
			break
		}
		var t *slack.MultiSelectBlockElement
		if groups := optionGroups(in.Options); groups != nil {
			t = slack.NewOptionsGroupMultiSelectBlockElement(slack.MultiOptTypeStatic, placeholder(), valueActionID, groups...)
			t.InitialOptions = initialOptions(groupedOptions(groups), in.Values)
		} else {
			t = slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, placeholder(), valueActionID, opts...)
			t.InitialOptions = initialOptions(opts, in.Values)
		}
		if in.MaxItems > 0 {
			n := in.MaxItems
			t.MaxSelectedItems = &n
		}
		el = t
	}
	block := slack.NewInputBlock(in.ID, plainN(in.Label, maxLabel), nil, el)
	block.Optional = in.Optional
	if in.Hint != "" {
		block.Hint = plainN(in.Hint, maxHint)
	}
	return block
}

func option(value, label string) *slack.OptionBlockObject {
	return slack.NewOptionBlockObject(bot.Truncate(value, maxOptionValue), plainN(label, maxOptionText), nil)
}

func options(os []bot.Option) []*slack.OptionBlockObject {
	out := make([]*slack.OptionBlockObject, len(os))
	for i, o := range os {
		out[i] = option(o.Value, o.Label)
	}
	return out
}

func initialOption(opts []*slack.OptionBlockObject, value string) *slack.OptionBlockObject {
	if value == "" {
		return nil
	}
	for _, o := range opts {
		if o.Value == value {
			return o
		}
	}
	return nil
}

func initialOptions(opts []*slack.OptionBlockObject, values []string) []*slack.OptionBlockObject {
	var out []*slack.OptionBlockObject
	for _, o := range opts {
		for _, v := range values {
			if o.Value == v {
				out = append(out, o)
				break
			}
		}
	}
	return out
}

func groupedOptions(groups []*slack.OptionGroupBlockObject) []*slack.OptionBlockObject {
	var out []*slack.OptionBlockObject
	for _, g := range groups {
		out = append(out, g.Options...)
	}
	return out
}

// optionGroups groups a choice's options as Slack shows them, or returns
// nil for a plain list. When every option has a group, they go under
// their groups' names. When only some have, the list is shown plain while
// it fits in one (100 options); a longer one keeps the named groups first
// and splits the rest into alphabetical groups.
func optionGroups(os []bot.Option) []*slack.OptionGroupBlockObject {
	var groups []*slack.OptionGroupBlockObject
	byName := map[string]*slack.OptionGroupBlockObject{}
	var loose []*slack.OptionBlockObject
	for _, o := range os {
		if o.Group == "" {
			loose = append(loose, option(o.Value, o.Label))
			continue
		}
		g, ok := byName[o.Group]
		if !ok {
			g = slack.NewOptionGroupBlockElement(plainN(o.Group, maxOptionText))
			byName[o.Group] = g
			groups = append(groups, g)
		}
		if len(g.Options) < maxSelectOptions {
			g.Options = append(g.Options, option(o.Value, o.Label))
		}
	}
	if len(loose) == 0 {
		if len(groups) == 0 {
			return nil
		}
		return groups[:min(len(groups), maxSelectOptions)]
	}
	if len(os) <= maxSelectOptions {
		return nil
	}
	sort.SliceStable(loose, func(i, j int) bool {
		return strings.ToLower(loose[i].Text.Text) < strings.ToLower(loose[j].Text.Text)
	})
	for i := 0; i < len(loose) && len(groups) < maxSelectOptions; i += maxSelectOptions {
		chunk := loose[i:min(i+maxSelectOptions, len(loose))]
		label := bot.OptionRange(firstRune(chunk[0].Text.Text), firstRune(chunk[len(chunk)-1].Text.Text))
		groups = append(groups, slack.NewOptionGroupBlockElement(plain(label), chunk...))
	}
	return groups
}

func firstRune(s string) string {
	for _, r := range s {
		return strings.ToUpper(string(r))
	}
	return "?"
}

// formValues reads a submitted modal's values by input ID.
func formValues(state *slack.ViewState) bot.FormValues {
	out := bot.FormValues{}
	if state == nil {
		return out
	}
	for block, actions := range state.Values {
		a, ok := actions[valueActionID]
		if !ok {
			continue
		}
		switch {
		case a.SelectedOption.Value != "":
			out[block] = []string{a.SelectedOption.Value}
		case len(a.SelectedOptions) > 0:
			for _, o := range a.SelectedOptions {
				out[block] = append(out[block], o.Value)
			}
		case a.SelectedDate != "":
			out[block] = []string{a.SelectedDate}
		case a.SelectedTime != "":
			out[block] = []string{a.SelectedTime}
		case a.Value != "":
			out[block] = []string{a.Value}
		}
	}
	return out
}
