package teams

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files from what the code renders now")

// Every kind of message renders as the Adaptive Cards its golden file in
// testdata/golden shows, and every form as its card; every card is one
// Teams can render.
func TestAdaptiveCardGoldenFiles(t *testing.T) {
	for _, ex := range bot.Examples() {
		t.Run(ex.Name, func(t *testing.T) {
			var cards []schema.Attachment
			if ex.Message != nil {
				cards = messageCards(ex.Message)
			} else {
				cards = []schema.Attachment{formCard(ex.Form, nil, nil)}
			}
			for _, c := range cards {
				validateCard(t, c)
			}
			got, err := json.MarshalIndent(cards, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "golden", ex.Name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./bot/teams -run Golden -update to write it)", err)
			}
			if string(want) != string(got)+"\n" {
				t.Errorf("%s differs from what the code renders:\n%s", path, got)
			}
		})
	}
}

// The validator itself refuses what Teams would refuse.
func TestValidatorRefusesBrokenCards(t *testing.T) {
	good := func() map[string]any {
		return map[string]any{"type": "AdaptiveCard", "$schema": cardSchema, "version": "1.5", "msteams": map[string]any{"width": "Full"},
			"body": []any{map[string]any{"type": "TextBlock", "text": "hi", "wrap": true}}}
	}
	if problems := cardProblems(good()); len(problems) > 0 {
		t.Fatalf("a good card is refused: %v", problems)
	}
	cases := map[string]func(c map[string]any){
		"version 1.6":     func(c map[string]any) { c["version"] = "1.6" },
		"no type":         func(c map[string]any) { delete(c, "type") },
		"unknown element": func(c map[string]any) { c["body"] = []any{map[string]any{"type": "CodeBlock", "text": "x"}} },
		"unknown property": func(c map[string]any) {
			c["body"] = []any{map[string]any{"type": "TextBlock", "text": "x", "isSubtile": true}}
		},
		"text block without text": func(c map[string]any) { c["body"] = []any{map[string]any{"type": "TextBlock"}} },
		"execute without verb": func(c map[string]any) {
			c["body"] = []any{map[string]any{"type": "ActionSet", "actions": []any{map[string]any{"type": "Action.Execute", "title": "Go"}}}}
		},
		"duplicate input IDs": func(c map[string]any) {
			c["body"] = []any{map[string]any{"type": "Input.Text", "id": "a", "label": "A"}, map[string]any{"type": "Input.Text", "id": "a", "label": "B"}}
		},
		"required input without message": func(c map[string]any) {
			c["body"] = []any{map[string]any{"type": "Input.Text", "id": "a", "label": "A", "isRequired": true}}
		},
		"bad size": func(c map[string]any) {
			c["body"] = []any{map[string]any{"type": "TextBlock", "text": "x", "size": "Huge"}}
		},
		"too big": func(c map[string]any) {
			c["body"] = []any{map[string]any{"type": "TextBlock", "text": strings.Repeat("x", maxCardBytes)}}
		},
	}
	for name, breakIt := range cases {
		t.Run(name, func(t *testing.T) {
			c := good()
			breakIt(c)
			if len(cardProblems(c)) == 0 {
				t.Errorf("the validator accepts a card with %s", name)
			}
		})
	}
}

// validateCard fails the test when an attachment is not an Adaptive Card
// that Teams renders.
func validateCard(t *testing.T, a schema.Attachment) {
	t.Helper()
	if a.ContentType != schema.ContentTypeAdaptiveCard {
		t.Errorf("content type %q", a.ContentType)
	}
	var card map[string]any
	dec := json.NewDecoder(bytes.NewReader(a.Content))
	dec.UseNumber()
	if err := dec.Decode(&card); err != nil {
		t.Fatalf("the card is not JSON: %v", err)
	}
	if n := cardSize(a.Content); n > maxCardBytes {
		t.Errorf("the card measures %d, over %d", n, maxCardBytes)
	}
	for _, p := range cardProblems(card) {
		t.Error(p)
	}
}

// Adaptive Cards 1.5 as Teams renders it: the element and action types,
// and the properties of each that Rapport may use.
var (
	commonElementKeys = []string{"type", "id", "spacing", "separator", "isVisible", "height", "fallback", "requires"}
	inputCommon       = []string{"label", "isRequired", "errorMessage", "value"}
	actionCommon      = []string{"type", "id", "title", "iconUrl", "style", "fallback", "tooltip", "isEnabled", "mode", "requires"}

	elementProps = map[string][]string{
		"TextBlock":       {"text", "color", "fontType", "horizontalAlignment", "isSubtle", "maxLines", "size", "weight", "wrap", "style"},
		"RichTextBlock":   {"inlines", "horizontalAlignment"},
		"FactSet":         {"facts"},
		"ActionSet":       {"actions"},
		"Container":       {"items", "selectAction", "style", "verticalContentAlignment", "bleed", "minHeight", "rtl", "backgroundImage"},
		"ColumnSet":       {"columns", "selectAction", "style", "bleed", "minHeight", "horizontalAlignment"},
		"Image":           {"url", "altText", "size", "style", "width", "horizontalAlignment", "selectAction", "backgroundColor"},
		"ImageSet":        {"images", "imageSize"},
		"Table":           {"columns", "rows", "firstRowAsHeader", "showGridLines", "gridStyle"},
		"Input.Text":      {"isMultiline", "maxLength", "placeholder", "regex", "style", "inlineAction"},
		"Input.Number":    {"max", "min", "placeholder"},
		"Input.Date":      {"max", "min", "placeholder"},
		"Input.Time":      {"max", "min", "placeholder"},
		"Input.Toggle":    {"title", "valueOff", "valueOn", "wrap"},
		"Input.ChoiceSet": {"choices", "isMultiSelect", "style", "wrap", "placeholder"},
	}
	actionProps = map[string][]string{
		"Action.OpenUrl":          {"url"},
		"Action.Submit":           {"data", "associatedInputs"},
		"Action.Execute":          {"verb", "data", "associatedInputs"},
		"Action.ShowCard":         {"card"},
		"Action.ToggleVisibility": {"targetElements"},
	}
	enums = map[string][]string{
		"size":             {"Small", "Default", "Medium", "Large", "ExtraLarge"},
		"weight":           {"Lighter", "Default", "Bolder"},
		"color":            {"Default", "Dark", "Light", "Accent", "Good", "Warning", "Attention"},
		"fontType":         {"Default", "Monospace"},
		"spacing":          {"None", "Small", "Default", "Medium", "Large", "ExtraLarge", "Padding"},
		"associatedInputs": {"auto", "none"},
	}
	styleEnums = map[string][]string{
		"Input.Text":      {"Text", "Tel", "Url", "Email", "Password"},
		"Input.ChoiceSet": {"compact", "expanded", "filtered"},
		"action":          {"default", "positive", "destructive"},
	}
)

func allowedKeys(lists ...[]string) map[string]bool {
	out := map[string]bool{}
	for _, l := range lists {
		for _, k := range l {
			out[k] = true
		}
	}
	return out
}

// cardProblems lists what is wrong with a card for Teams.
func cardProblems(card map[string]any) []string {
	v := &cardValidator{ids: map[string]bool{}}
	v.card(card, true, "card")
	if b, err := json.Marshal(card); err == nil && cardSize(b) > maxCardBytes {
		v.fail("card", "measures %d, over %d", cardSize(b), maxCardBytes)
	}
	return v.problems
}

type cardValidator struct {
	problems []string
	ids      map[string]bool
}

func (v *cardValidator) fail(at, format string, args ...any) {
	v.problems = append(v.problems, at+": "+fmt.Sprintf(format, args...))
}

func (v *cardValidator) card(c map[string]any, top bool, at string) {
	if c["type"] != "AdaptiveCard" {
		v.fail(at, "type %v, want AdaptiveCard", c["type"])
	}
	keys := allowedKeys([]string{"type", "body", "actions", "version", "$schema", "msteams", "fallbackText", "speak", "lang", "minHeight", "selectAction", "verticalContentAlignment", "refresh", "authentication", "rtl", "backgroundImage"})
	for k := range c {
		if !keys[k] {
			v.fail(at, "unknown card property %q", k)
		}
	}
	if top {
		if c["version"] != cardVersion {
			v.fail(at, "version %v, want %s", c["version"], cardVersion)
		}
		if c["$schema"] != cardSchema {
			v.fail(at, "$schema %v", c["$schema"])
		}
	}
	if body, ok := c["body"]; ok {
		v.elements(body, at+".body")
	}
	if actions, ok := c["actions"]; ok {
		v.actions(actions, at+".actions")
	}
}

func (v *cardValidator) elements(x any, at string) {
	list, ok := x.([]any)
	if !ok {
		if l, ok2 := x.([]map[string]any); ok2 {
			for _, e := range l {
				list = append(list, e)
			}
		} else {
			v.fail(at, "not a list")
			return
		}
	}
	for i, e := range list {
		v.element(e, fmt.Sprintf("%s[%d]", at, i))
	}
}

func asObject(x any) (map[string]any, bool) {
	m, ok := x.(map[string]any)
	return m, ok
}

func (v *cardValidator) element(x any, at string) {
	e, ok := asObject(x)
	if !ok {
		v.fail(at, "not an object")
		return
	}
	typ, _ := e["type"].(string)
	props, known := elementProps[typ]
	if !known {
		v.fail(at, "element type %q is not in Adaptive Cards 1.5", typ)
		return
	}
	at += "(" + typ + ")"
	keys := allowedKeys(commonElementKeys, props)
	if strings.HasPrefix(typ, "Input.") {
		keys = allowedKeys(commonElementKeys, props, inputCommon)
		id, _ := e["id"].(string)
		if id == "" {
			v.fail(at, "an input without an id")
		}
		if v.ids[id] {
			v.fail(at, "input id %q is used twice", id)
		}
		if id == dataKey || id == "msteams" {
			v.fail(at, "input id %q would clash with the action's data", id)
		}
		v.ids[id] = true
		if l, _ := e["label"].(string); l == "" {
			v.fail(at, "an input without a label")
		}
		if e["isRequired"] == true {
			if m, _ := e["errorMessage"].(string); m == "" {
				v.fail(at, "a required input without an errorMessage")
			}
		}
		if s, ok := e["style"].(string); ok && !oneOfFold(s, styleEnums[typ]) {
			v.fail(at, "style %q", s)
		}
	}
	for k := range e {
		if !keys[k] {
			v.fail(at, "unknown property %q", k)
		}
	}
	for k, vals := range enums {
		if s, ok := e[k]; ok && !oneOfFold(fmt.Sprint(s), vals) {
			v.fail(at, "%s %v is not one of %v", k, s, vals)
		}
	}
	switch typ {
	case "TextBlock":
		if s, _ := e["text"].(string); strings.TrimSpace(s) == "" {
			v.fail(at, "no text")
		}
	case "FactSet":
		facts, _ := e["facts"].([]any)
		if len(facts) == 0 {
			v.fail(at, "no facts")
		}
		for i, f := range facts {
			fm, _ := asObject(f)
			_, t := fm["title"].(string)
			_, val := fm["value"].(string)
			if !t || !val || len(fm) != 2 {
				v.fail(fmt.Sprintf("%s.facts[%d]", at, i), "a fact is a title and a value")
			}
		}
	case "ActionSet":
		acts, _ := e["actions"].([]any)
		if len(acts) == 0 {
			v.fail(at, "no actions")
		}
		v.actions(e["actions"], at+".actions")
	case "Input.ChoiceSet":
		cs, _ := e["choices"].([]any)
		if len(cs) == 0 {
			v.fail(at, "no choices")
		}
		values := map[string]bool{}
		for i, c := range cs {
			cm, _ := asObject(c)
			t, _ := cm["title"].(string)
			val, ok := cm["value"].(string)
			if t == "" || !ok || len(cm) != 2 {
				v.fail(fmt.Sprintf("%s.choices[%d]", at, i), "a choice is a title and a value")
			}
			if strings.Contains(val, ",") {
				v.fail(fmt.Sprintf("%s.choices[%d]", at, i), "a value with a comma breaks a multi-select")
			}
			values[val] = true
		}
		if s, ok := e["value"].(string); ok {
			for _, part := range strings.Split(s, ",") {
				if !values[part] {
					v.fail(at, "value %q is not a choice", part)
				}
			}
		}
	case "Input.Text":
		if s, ok := e["value"].(string); ok {
			if n, ok := e["maxLength"].(json.Number); ok {
				if max, _ := n.Int64(); int64(len([]rune(s))) > max {
					v.fail(at, "value longer than maxLength")
				}
			}
		}
	case "Input.Date":
		if s, ok := e["value"].(string); ok && !datePattern.MatchString(s) {
			v.fail(at, "date %q", s)
		}
	case "Input.Time":
		if s, ok := e["value"].(string); ok && !timePattern.MatchString(s) {
			v.fail(at, "time %q", s)
		}
	}
	if fb, ok := e["fallback"]; ok && fb != "drop" {
		v.element(fb, at+".fallback")
	}
}

func (v *cardValidator) actions(x any, at string) {
	list, ok := x.([]any)
	if !ok {
		v.fail(at, "not a list")
		return
	}
	for i, a := range list {
		v.action(a, fmt.Sprintf("%s[%d]", at, i), true)
	}
}

func (v *cardValidator) action(x any, at string, fallbackAllowed bool) {
	a, ok := asObject(x)
	if !ok {
		v.fail(at, "not an object")
		return
	}
	typ, _ := a["type"].(string)
	props, known := actionProps[typ]
	if !known {
		v.fail(at, "action type %q is not in Adaptive Cards 1.5", typ)
		return
	}
	at += "(" + typ + ")"
	keys := allowedKeys(actionCommon, props)
	for k := range a {
		if !keys[k] {
			v.fail(at, "unknown property %q", k)
		}
	}
	if t, _ := a["title"].(string); t == "" {
		v.fail(at, "an action without a title")
	}
	if s, ok := a["style"].(string); ok && !oneOfFold(s, styleEnums["action"]) {
		v.fail(at, "style %q", s)
	}
	if s, ok := a["associatedInputs"].(string); ok && !oneOfFold(s, enums["associatedInputs"]) {
		v.fail(at, "associatedInputs %q", s)
	}
	switch typ {
	case "Action.Execute":
		if verb, _ := a["verb"].(string); verb == "" {
			v.fail(at, "an Action.Execute without a verb")
		}
		if _, ok := a["fallback"]; !ok {
			v.fail(at, "an Action.Execute without a fallback for older clients")
		}
		v.data(a["data"], at)
	case "Action.Submit":
		v.data(a["data"], at)
	case "Action.OpenUrl":
		if u, _ := a["url"].(string); !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "mailto:") {
			v.fail(at, "url %q", u)
		}
	case "Action.ShowCard":
		c, ok := asObject(a["card"])
		if !ok {
			v.fail(at, "no card")
			break
		}
		v.card(c, false, at+".card")
	}
	if fb, ok := a["fallback"]; ok && fb != "drop" {
		if !fallbackAllowed {
			v.fail(at, "a fallback's fallback")
		}
		v.action(fb, at+".fallback", false)
	}
}

// data checks that an action's data is Rapport's and parses back.
func (v *cardValidator) data(x any, at string) {
	b, err := json.Marshal(x)
	if err != nil {
		v.fail(at, "data: %v", err)
		return
	}
	if _, err := parseCardData(b); err != nil {
		v.fail(at, "data %s does not parse back: %v", b, err)
	}
}

func oneOfFold(s string, list []string) bool {
	for _, x := range list {
		if strings.EqualFold(s, x) {
			return true
		}
	}
	return false
}
