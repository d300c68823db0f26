package slacktest

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrInvalidInput is returned by SubmitView when values name no input of
// the view, give the wrong kind of value, or leave a required input empty.
var ErrInvalidInput = errors.New("slacktest: invalid view input")

// stateField names the field of state.values that holds each element's
// value, and whether it takes a list.
var stateField = map[string]struct {
	field string
	multi bool
}{
	"plain_text_input":           {"value", false},
	"email_text_input":           {"value", false},
	"url_text_input":             {"value", false},
	"number_input":               {"value", false},
	"rich_text_input":            {"rich_text_value", false},
	"static_select":              {"selected_option", false},
	"external_select":            {"selected_option", false},
	"radio_buttons":              {"selected_option", false},
	"multi_static_select":        {"selected_options", true},
	"multi_external_select":      {"selected_options", true},
	"checkboxes":                 {"selected_options", true},
	"datepicker":                 {"selected_date", false},
	"timepicker":                 {"selected_time", false},
	"datetimepicker":             {"selected_date_time", false},
	"users_select":               {"selected_user", false},
	"multi_users_select":         {"selected_users", true},
	"conversations_select":       {"selected_conversation", false},
	"multi_conversations_select": {"selected_conversations", true},
	"channels_select":            {"selected_channel", false},
	"multi_channels_select":      {"selected_channels", true},
}

// initialField names where an element keeps its initial value.
var initialField = map[string]string{
	"value":                  "initial_value",
	"rich_text_value":        "initial_value",
	"selected_option":        "initial_option",
	"selected_options":       "initial_options",
	"selected_date":          "initial_date",
	"selected_time":          "initial_time",
	"selected_date_time":     "initial_date_time",
	"selected_user":          "initial_user",
	"selected_users":         "initial_users",
	"selected_conversation":  "initial_conversation",
	"selected_conversations": "initial_conversations",
	"selected_channel":       "initial_channel",
	"selected_channels":      "initial_channels",
}

// stateValues builds state.values (block_id -> action_id -> {type, value
// field}) for the stateful elements of blocks, from initial values only.
func (ws *Workspace) stateValues(blocks []any) obj {
	st, _ := ws.buildState(blocks, nil, false)
	return st
}

// submissionState builds state.values for a view_submission from the
// test's values, checking them as Slack's client would.
func (ws *Workspace) submissionState(blocks []any, values map[string]any) (obj, error) {
	return ws.buildState(blocks, values, true)
}

func (ws *Workspace) buildState(blocks []any, values map[string]any, submitting bool) (obj, error) {
	used := map[string]bool{}
	state := obj{}
	for _, b := range blocks {
		bm, _ := b.(map[string]any)
		blockID, _ := bm["block_id"].(string)
		for _, el := range blockElements(bm) {
			typ, _ := el["type"].(string)
			sf, ok := stateField[typ]
			if !ok {
				continue
			}
			actionID, _ := el["action_id"].(string)
			entry := obj{"type": typ}
			value, key, given := lookupValue(values, blockID, actionID)
			if given {
				used[key] = true
				v, err := elementValue(el, typ, sf.field, sf.multi, value)
				if err != nil {
					return nil, fmt.Errorf("%w: %s: %v", ErrInvalidInput, key, err)
				}
				entry[sf.field] = v
			} else {
				entry[sf.field] = initialValue(el, sf.field, sf.multi)
			}
			if submitting && bm["type"] == "input" && bm["optional"] != true && isEmpty(entry[sf.field]) {
				return nil, fmt.Errorf("%w: required input %s/%s is empty", ErrInvalidInput, blockID, actionID)
			}
			if state[blockID] == nil {
				state[blockID] = obj{}
			}
			state[blockID].(obj)[actionID] = entry
		}
	}
	var unknown []string
	for k := range values {
		if !used[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("%w: no input %s in the view", ErrInvalidInput, strings.Join(unknown, ", "))
	}
	return state, nil
}

// lookupValue finds the test's value for an element by "block/action",
// action_id or block_id.
func lookupValue(values map[string]any, blockID, actionID string) (any, string, bool) {
	for _, key := range []string{blockID + "/" + actionID, actionID, blockID} {
		if v, ok := values[key]; ok {
			return v, key, true
		}
	}
	return nil, "", false
}

// elementValue converts a test's value into the element's state field.
func elementValue(el map[string]any, typ, field string, multi bool, value any) (any, error) {
	var list []string
	switch v := value.(type) {
	case string:
		list = []string{v}
	case []string:
		list = v
	case nil:
		if multi {
			return []any{}, nil
		}
		return nil, nil
	default:
		return nil, fmt.Errorf("value of type %T; want string or []string", value)
	}
	if !multi && len(list) != 1 {
		return nil, fmt.Errorf("%s takes one value, got %d", typ, len(list))
	}
	switch field {
	case "selected_option", "selected_options":
		var opts []any
		for _, v := range list {
			opt := findOption(el, v)
			if opt == nil {
				if typ != "external_select" && typ != "multi_external_select" {
					return nil, fmt.Errorf("no option with value %q", v)
				}
				opt = obj{"text": obj{"type": "plain_text", "text": v, "emoji": true}, "value": v}
			}
			opts = append(opts, opt)
		}
		if multi {
			return opts, nil
		}
		return opts[0], nil
	case "rich_text_value":
		return obj{"type": "rich_text", "elements": []any{obj{
			"type": "rich_text_section", "elements": []any{obj{"type": "text", "text": list[0]}},
		}}}, nil
	case "selected_date_time":
		var n int64
		if _, err := fmt.Sscan(list[0], &n); err != nil {
			return nil, fmt.Errorf("selected_date_time %q is not a Unix time", list[0])
		}
		return n, nil
	}
	if multi {
		return list, nil
	}
	return list[0], nil
}

// findOption returns the element's option (or option in a group) with value.
func findOption(el map[string]any, value string) any {
	var opts []any
	if o, ok := el["options"].([]any); ok {
		opts = append(opts, o...)
	}
	if groups, ok := el["option_groups"].([]any); ok {
		for _, g := range groups {
			gm, _ := g.(map[string]any)
			if o, ok := gm["options"].([]any); ok {
				opts = append(opts, o...)
			}
		}
	}
	for _, o := range opts {
		if om, _ := o.(map[string]any); om["value"] == value {
			return om
		}
	}
	return nil
}

func initialValue(el map[string]any, field string, multi bool) any {
	if v, ok := el[initialField[field]]; ok && v != nil {
		return v
	}
	if multi {
		return []any{}
	}
	return nil
}

func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	case []string:
		return len(v) == 0
	}
	return false
}
