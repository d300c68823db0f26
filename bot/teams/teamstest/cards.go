package teamstest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// MaxCardVersion is the newest Adaptive Card version Teams renders.
const MaxCardVersion = "1.5"

// checkCardsLocked records card problems Teams would show rather than
// refuse.
func (s *Server) checkCardsLocked(act *schema.Activity) {
	for i, a := range act.Attachments {
		switch a.ContentType {
		case schema.ContentTypeAdaptiveCard:
		case schema.ContentTypeAdaptiveCardOld:
			s.problemLocked("attachment %d: content type %s is not one Teams renders; use %s", i, a.ContentType, schema.ContentTypeAdaptiveCard)
			continue
		default:
			continue
		}
		var card map[string]any
		if err := json.Unmarshal(a.Content, &card); err != nil {
			s.problemLocked("attachment %d: the card is not a JSON object: %v", i, err)
			continue
		}
		s.checkCardLocked(fmt.Sprintf("attachment %d", i), card)
	}
}

func (s *Server) checkCardLocked(where string, card map[string]any) {
	if card["type"] != "AdaptiveCard" {
		s.problemLocked("%s: card type is %v, not AdaptiveCard", where, card["type"])
	}
	v, _ := card["version"].(string)
	if v == "" {
		s.problemLocked("%s: the card has no version", where)
	} else if versionAbove(v, MaxCardVersion) {
		s.problemLocked("%s: card version %s is above %s, the newest Teams renders", where, v, MaxCardVersion)
	}
}

// versionAbove compares "major.minor" versions.
func versionAbove(v, limit string) bool {
	parse := func(x string) (int, int) {
		a, b, _ := strings.Cut(x, ".")
		ma, _ := strconv.Atoi(a)
		mi, _ := strconv.Atoi(b)
		return ma, mi
	}
	ma, mi := parse(v)
	la, li := parse(limit)
	return ma > la || (ma == la && mi > li)
}

// Button is an action of a card, as a user sees it.
type Button struct {
	// Title is the button's text.
	Title string
	// Type is the action type: Action.Execute, Action.Submit,
	// Action.OpenUrl, Action.ShowCard or Action.ToggleVisibility.
	Type string
	// Verb is an Action.Execute's verb.
	Verb string
	// ID is the action's id.
	ID string
	// URL is an Action.OpenUrl's link.
	URL string
	// Data is the action's data as JSON.
	Data json.RawMessage
	// FallbackType is the type of an Action.Execute's fallback action, or
	// "drop", or "".
	FallbackType string

	raw  map[string]any
	path []map[string]any // the cards from the root to the one holding the action
}

// Input is an input element of a card: its id, type (Input.Text, …),
// label, current value (for a toggle its valueOn or valueOff), whether it
// is required, its maxLength (0: none), its choices (a choice set's, or a
// toggle's on and off values) and whether several may be chosen.
type Input struct {
	ID, Type, Label, Value string
	Required               bool
	MaxLength              int
	Choices                []Choice
	Multi                  bool
}

// Choice is one choice of an Input.ChoiceSet.
type Choice struct{ Title, Value string }

// walkCard calls el for each element of card's body (depth first,
// including containers, columns and action sets) and act for each action
// with the card path leading to it, descending into Action.ShowCard cards.
func walkCard(card map[string]any, path []map[string]any, el func(map[string]any, []map[string]any), act func(map[string]any, []map[string]any)) {
	path = append(path[:len(path):len(path)], card)
	var items func([]any)
	var actions func([]any)
	actions = func(list []any) {
		for _, a := range list {
			am, _ := a.(map[string]any)
			if am == nil {
				continue
			}
			act(am, path)
			if am["type"] == "Action.ShowCard" {
				if sub, ok := am["card"].(map[string]any); ok {
					walkCard(sub, path, el, act)
				}
			}
		}
	}
	items = func(list []any) {
		for _, it := range list {
			m, _ := it.(map[string]any)
			if m == nil {
				continue
			}
			el(m, path)
			for _, key := range []string{"items", "columns"} {
				if sub, ok := m[key].([]any); ok {
					items(sub)
				}
			}
			if m["type"] == "ActionSet" {
				if sub, ok := m["actions"].([]any); ok {
					actions(sub)
				}
			}
		}
	}
	body, _ := card["body"].([]any)
	items(body)
	top, _ := card["actions"].([]any)
	actions(top)
}

// buttons lists every action of a card.
func buttons(card map[string]any) []Button {
	var out []Button
	walkCard(card, nil, func(map[string]any, []map[string]any) {}, func(a map[string]any, path []map[string]any) {
		out = append(out, toButton(a, path))
	})
	return out
}

func toButton(a map[string]any, path []map[string]any) Button {
	b := Button{raw: a, path: path}
	b.Title, _ = a["title"].(string)
	b.Type, _ = a["type"].(string)
	b.Verb, _ = a["verb"].(string)
	b.ID, _ = a["id"].(string)
	b.URL, _ = a["url"].(string)
	if d, ok := a["data"]; ok {
		b.Data, _ = json.Marshal(d)
	}
	switch f := a["fallback"].(type) {
	case string:
		b.FallbackType = f
	case map[string]any:
		b.FallbackType, _ = f["type"].(string)
	}
	return b
}

// inputsOf lists the inputs of the cards on a path (the root card and the
// shown cards that lead to an action), as Teams gathers them.
func inputsOf(path []map[string]any) []Input {
	var out []Input
	for _, card := range path {
		body, _ := card["body"].([]any)
		collectInputs(body, &out)
	}
	return out
}

func collectInputs(list []any, out *[]Input) {
	for _, it := range list {
		m, _ := it.(map[string]any)
		if m == nil {
			continue
		}
		if t, _ := m["type"].(string); strings.HasPrefix(t, "Input.") {
			*out = append(*out, toInput(m))
		}
		for _, key := range []string{"items", "columns"} {
			if sub, ok := m[key].([]any); ok {
				collectInputs(sub, out)
			}
		}
	}
}

func toInput(m map[string]any) Input {
	in := Input{}
	in.ID, _ = m["id"].(string)
	in.Type, _ = m["type"].(string)
	in.Label, _ = m["label"].(string)
	in.Required, _ = m["isRequired"].(bool)
	in.Multi, _ = m["isMultiSelect"].(bool)
	if n, ok := m["maxLength"].(float64); ok {
		in.MaxLength = int(n)
	}
	switch v := m["value"].(type) {
	case string:
		in.Value = v
	case float64:
		in.Value = strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		in.Value = strconv.FormatBool(v)
	}
	if in.Type == "Input.Toggle" {
		on, off := "true", "false"
		if v, ok := m["valueOn"].(string); ok {
			on = v
		}
		if v, ok := m["valueOff"].(string); ok {
			off = v
		}
		if in.Value != on {
			in.Value = off
		}
		in.Choices = []Choice{{Title: "on", Value: on}, {Title: "off", Value: off}}
		if in.Label == "" {
			in.Label, _ = m["title"].(string)
		}
	}
	if cs, ok := m["choices"].([]any); ok {
		for _, c := range cs {
			cm, _ := c.(map[string]any)
			t, _ := cm["title"].(string)
			v, _ := cm["value"].(string)
			in.Choices = append(in.Choices, Choice{Title: t, Value: v})
		}
	}
	return in
}

// checkInput says why value cannot be entered in the input, or "".
func checkInput(in Input, value string) string {
	if in.MaxLength > 0 && len([]rune(value)) > in.MaxLength {
		return fmt.Sprintf("input %q takes at most %d characters, got %d", in.ID, in.MaxLength, len([]rune(value)))
	}
	if len(in.Choices) > 0 && value != "" {
		vals := []string{value}
		if in.Multi {
			vals = strings.Split(value, ",")
		}
		for _, v := range vals {
			found := false
			for _, c := range in.Choices {
				found = found || c.Value == v
			}
			if !found {
				return fmt.Sprintf("input %q has no choice %q", in.ID, v)
			}
		}
	}
	return ""
}

// CardText renders a card as plain text, one line per element, for
// assertions: TextBlocks and rich text, facts as "Title: value", inputs
// as "Label: value" (choice titles for choice sets), images by alt text,
// and actions as "[Title]"; shown cards follow their action, indented.
func CardText(card map[string]any) string {
	var b strings.Builder
	writeCard(&b, card, "")
	return strings.TrimRight(b.String(), "\n")
}

func writeCard(b *strings.Builder, card map[string]any, indent string) {
	line := func(s string) {
		if s != "" {
			b.WriteString(indent + s + "\n")
		}
	}
	var items func([]any)
	var actions func([]any)
	actions = func(list []any) {
		for _, a := range list {
			am, _ := a.(map[string]any)
			if am == nil {
				continue
			}
			t, _ := am["title"].(string)
			line("[" + t + "]")
			if sub, ok := am["card"].(map[string]any); ok && am["type"] == "Action.ShowCard" {
				writeCard(b, sub, indent+"  ")
			}
		}
	}
	items = func(list []any) {
		for _, it := range list {
			m, _ := it.(map[string]any)
			if m == nil {
				continue
			}
			t, _ := m["type"].(string)
			switch {
			case t == "TextBlock":
				s, _ := m["text"].(string)
				line(s)
			case t == "RichTextBlock":
				var parts []string
				inl, _ := m["inlines"].([]any)
				for _, x := range inl {
					switch v := x.(type) {
					case string:
						parts = append(parts, v)
					case map[string]any:
						s, _ := v["text"].(string)
						parts = append(parts, s)
					}
				}
				line(strings.Join(parts, ""))
			case t == "FactSet":
				facts, _ := m["facts"].([]any)
				for _, f := range facts {
					fm, _ := f.(map[string]any)
					ft, _ := fm["title"].(string)
					fv, _ := fm["value"].(string)
					line(ft + ": " + fv)
				}
			case t == "Image":
				alt, _ := m["altText"].(string)
				line("(image: " + alt + ")")
			case strings.HasPrefix(t, "Input."):
				in := toInput(m)
				label := in.Label
				if label == "" {
					label = in.ID
				}
				val := in.Value
				if len(in.Choices) > 0 && t == "Input.ChoiceSet" {
					var titles, all []string
					sel := map[string]bool{}
					for _, v := range strings.Split(in.Value, ",") {
						sel[v] = true
					}
					for _, c := range in.Choices {
						all = append(all, c.Title)
						if sel[c.Value] {
							titles = append(titles, c.Title)
						}
					}
					val = strings.Join(titles, ", ") + " (choices: " + strings.Join(all, ", ") + ")"
				}
				line(label + ": " + val)
			}
			for _, key := range []string{"items", "columns"} {
				if sub, ok := m[key].([]any); ok {
					items(sub)
				}
			}
			if t == "ActionSet" {
				sub, _ := m["actions"].([]any)
				actions(sub)
			}
		}
	}
	body, _ := card["body"].([]any)
	items(body)
	top, _ := card["actions"].([]any)
	actions(top)
}

// mergeData merges input values over an action's data object, as Teams
// does for Action.Execute and Action.Submit. Data that is not an object
// is kept only when there are no inputs.
func mergeData(data any, values map[string]string) any {
	m, ok := data.(map[string]any)
	if !ok {
		if len(values) == 0 && data != nil {
			return data
		}
		m = map[string]any{}
	} else {
		cp := make(map[string]any, len(m)+len(values))
		for k, v := range m {
			cp[k] = v
		}
		m = cp
	}
	for k, v := range values {
		m[k] = v
	}
	return m
}
