package teams

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// This file renders bot's forms as Adaptive Cards with inputs, and reads
// back what a pressed action carried.

// Words of a form card that Block Kit has built in and Adaptive Cards do
// not: the message under an unanswered required input, and a multi-choice
// input's limit.
const requiredMessage = bot.RequiredInputMessage

func maxItemsHint(n int) string { return bot.MaxItemsHint(n) }

// maxTextInput is the most characters a text input takes when the form
// sets no limit: Input.Text has none of its own, and a card must stay
// small.
const maxTextInput = 3000

// maxCompactChoices is the longest single choice shown as a plain
// drop-down; a longer one can be filtered by typing.
const maxCompactChoices = 15

var (
	datePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	timePattern = regexp.MustCompile(`^\d{2}:\d{2}$`)
)

// formCard renders a form as a card: inputs pre-filled from Input.Value
// and Input.Values, or from submitted when it is not nil; each error (errs
// by input ID, and Input.Error) in red under its input; and a Submit button
// and a Cancel button as Universal Actions, each with an Action.Submit
// fallback. Submit carries the form's ID and Ref with every input; Cancel
// carries them with no input. A form with no inputs is a message card of
// its title and intro.
func formCard(f *bot.Form, submitted bot.FormValues, errs map[string]string) schema.Attachment {
	if len(f.Inputs) == 0 {
		m := &bot.Message{Title: f.Title}
		if !f.Intro.Empty() {
			m.Sections = []bot.Section{{Text: f.Intro}}
		}
		return messageCards(m)[0]
	}
	var body []cardObject
	if strings.TrimSpace(f.Title) != "" {
		body = append(body, titleBlock(f.Title)...)
	}
	if !f.Intro.Empty() {
		body = append(body, textBlock(renderText(f.Intro)))
	}
	for _, in := range f.Inputs {
		value, values := in.Value, in.Values
		if submitted != nil {
			value, values = submitted.Get(in.ID), submitted.List(in.ID)
		}
		body = append(body, renderInput(in, value, values))
		hint := in.Hint
		if in.Kind == bot.InputMultiChoice && in.MaxItems > 0 {
			hint = strings.TrimSpace(hint + " " + maxItemsHint(in.MaxItems))
		}
		if hint != "" {
			h := noteBlock(escapeMarkdown(hint))
			h["spacing"] = "Small"
			body = append(body, h)
		}
		for _, msg := range inputErrors(in, errs) {
			e := textBlock(escapeMarkdown(msg))
			e["color"], e["size"], e["spacing"] = "Attention", "Small", "Small"
			body = append(body, e)
		}
	}
	var actions []cardObject
	if f.Submit != "" {
		actions = append(actions, executeAction(f.Submit, verbSubmit, actionData{Form: f.ID, Ref: f.Ref}, bot.StylePrimary, ""))
	}
	if f.Cancel != "" {
		actions = append(actions, executeAction(f.Cancel, verbCancel, actionData{Form: f.ID, Ref: f.Ref, Cancel: true}, "", "none"))
	}
	if len(actions) > 0 {
		body = append(body, cardObject{"type": "ActionSet", "actions": actions, "spacing": "Medium"})
	}
	return cardAttachment(newCard(body))
}

// inputErrors are the problems to show under an input: the one passed by
// ID, and the input's own when it says something else.
func inputErrors(in bot.Input, errs map[string]string) []string {
	var out []string
	if msg := errs[in.ID]; msg != "" {
		out = append(out, msg)
	}
	if in.Error != "" && in.Error != errs[in.ID] {
		out = append(out, in.Error)
	}
	return out
}

func renderInput(in bot.Input, value string, values []string) cardObject {
	o := cardObject{"id": in.ID, "label": in.Label}
	if !in.Optional {
		o["isRequired"], o["errorMessage"] = true, requiredMessage
	}
	if in.Placeholder != "" {
		o["placeholder"] = in.Placeholder
	}
	switch in.Kind {
	case bot.InputChoice, bot.InputMultiChoice:
		o["type"] = "Input.ChoiceSet"
		o["choices"] = cardChoices(in.Options)
		switch {
		case in.Expanded:
			o["style"] = "expanded"
		case in.Kind == bot.InputChoice && len(in.Options) > maxCompactChoices:
			// Teams filters a long list as the person types (one choice
			// only); older clients show it as a drop-down.
			o["style"] = "filtered"
		default:
			o["style"] = "compact"
		}
		if in.Kind == bot.InputMultiChoice {
			o["isMultiSelect"] = true
		} else {
			values = []string{value}
		}
		var chosen []string
		for _, v := range values {
			for _, opt := range in.Options {
				if opt.Value == v && v != "" {
					chosen = append(chosen, choiceValue(v))
					break
				}
			}
		}
		if len(chosen) > 0 {
			o["value"] = strings.Join(chosen, ",")
		}
	case bot.InputDate:
		o["type"] = "Input.Date"
		if datePattern.MatchString(value) {
			o["value"] = value
		}
	case bot.InputTime:
		o["type"] = "Input.Time"
		if timePattern.MatchString(value) {
			o["value"] = value
		}
	case bot.InputNumber:
		o["type"] = "Input.Number"
		if n, err := strconv.ParseInt(value, 10, 64); err == nil {
			o["value"] = n
		}
	default:
		o["type"] = "Input.Text"
		switch in.Kind {
		case bot.InputLongText:
			o["isMultiline"] = true
		case bot.InputURL:
			o["style"] = "Url"
		}
		value = bot.Truncate(value, maxTextInput)
		if value != "" {
			o["value"] = value
		}
		// A stored value longer than today's limit (saved under an older
		// one) widens the limit rather than being cut, so saving again
		// loses nothing.
		limit := maxTextInput
		if in.MaxLen > 0 {
			limit = min(max(in.MaxLen, utf8.RuneCountInString(value)), maxTextInput)
		}
		o["maxLength"] = limit
	}
	return o
}

// cardChoices are a choice input's options. Adaptive Cards 1.5 has no option
// groups: when a choice mixes groups, each grouped option's title starts
// with its group's name, so "Clinical: Diabetes" and "Personal: Sea
// swimming" still say where they belong.
func cardChoices(opts []bot.Option) []cardObject {
	groups := map[string]bool{}
	for _, o := range opts {
		groups[o.Group] = true
	}
	named := len(groups) > 1
	out := make([]cardObject, len(opts))
	for i, o := range opts {
		title := o.Label
		if named && o.Group != "" {
			title = o.Group + ": " + o.Label
		}
		out[i] = cardObject{"title": title, "value": choiceValue(o.Value)}
	}
	return out
}

// choiceValue encodes an option's value for a ChoiceSet. Teams sends the
// choices of a multi-select as one string joined with commas, so a comma
// in a value is percent-encoded, and so are "%" itself and spaces at either
// end, which a client might trim; readChoices reverses it.
func choiceValue(v string) string {
	v = strings.NewReplacer("%", "%25", ",", "%2C").Replace(v)
	if strings.HasPrefix(v, " ") {
		v = "%20" + v[1:]
	}
	if strings.HasSuffix(v, " ") {
		v = v[:len(v)-1] + "%20"
	}
	return v
}

// readChoices splits and decodes what a ChoiceSet sent.
func readChoices(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		out = append(out, strings.NewReplacer("%2C", ",", "%2c", ",", "%20", " ", "%25", "%").Replace(part))
	}
	return out
}

// cardData is what a pressed card action carried: a button's action and
// value, or a form's ID and Ref with its inputs, or a form's cancel.
type cardData struct {
	Action, Value string
	Form, Ref     string
	Cancel        bool
	Inputs        map[string]string
}

// Errors of parseCardData.
var (
	errNoCardData  = errors.New("teams: the action carries no Rapport data")
	errBadCardData = errors.New("teams: the action's data is malformed")
)

// parseCardData reads an Action.Execute's data or an Action.Submit's
// message value: Rapport's object under "rapport", and the inputs Teams
// merged in beside it, as strings. Teams' own "msteams" object is ignored.
// Data that is not an object, has no Rapport object, has keys Rapport never
// writes, or is neither a button's nor a form's, is an error.
func parseCardData(raw json.RawMessage) (cardData, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil || top == nil {
		return cardData{}, errBadCardData
	}
	ours, ok := top[dataKey]
	if !ok {
		return cardData{}, errNoCardData
	}
	dec := json.NewDecoder(bytes.NewReader(ours))
	dec.DisallowUnknownFields()
	var d actionData
	if err := dec.Decode(&d); err != nil || !bytes.HasPrefix(bytes.TrimSpace(ours), []byte("{")) {
		return cardData{}, errBadCardData
	}
	if (d.Action == "") == (d.Form == "") || d.Action != "" && (d.Ref != "" || d.Cancel) || d.Form != "" && d.Value != "" {
		return cardData{}, errBadCardData
	}
	out := cardData{Action: d.Action, Value: d.Value, Form: d.Form, Ref: d.Ref, Cancel: d.Cancel}
	for k, v := range top {
		if k == dataKey || k == "msteams" {
			continue
		}
		s, err := inputText(v)
		if err != nil {
			return cardData{}, err
		}
		if out.Inputs == nil {
			out.Inputs = map[string]string{}
		}
		out.Inputs[k] = s
	}
	return out, nil
}

// inputText reads one input's value: a string, or a number or a boolean as
// written (some clients send Input.Number and Input.Toggle so); null is
// empty.
func inputText(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	switch {
	case len(v) == 0:
		return "", errBadCardData
	case v[0] == '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", errBadCardData
		}
		return s, nil
	case string(v) == "null":
		return "", nil
	case string(v) == "true" || string(v) == "false":
		return string(v), nil
	case v[0] == '-' || v[0] >= '0' && v[0] <= '9':
		var n json.Number
		if err := json.Unmarshal(v, &n); err != nil {
			return "", errBadCardData
		}
		return n.String(), nil
	}
	return "", errBadCardData
}

// formValues turns submitted inputs into f's values: the choices of a
// multi-choice input arrive as one string joined with commas; an empty
// value is no value; inputs that are not f's are not read.
func formValues(f *bot.Form, inputs map[string]string) bot.FormValues {
	out := bot.FormValues{}
	for _, in := range f.Inputs {
		v, ok := inputs[in.ID]
		if !ok || v == "" {
			continue
		}
		switch in.Kind {
		case bot.InputMultiChoice:
			if vs := readChoices(v); len(vs) > 0 {
				out[in.ID] = vs
			}
		case bot.InputChoice:
			if vs := readChoices(v); len(vs) > 0 {
				out[in.ID] = vs[:1]
			}
		default:
			out[in.ID] = []string{v}
		}
	}
	return out
}
