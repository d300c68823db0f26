package slacktest

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Slack's documented limits on messages and Block Kit, in characters
// (https://api.slack.com/reference/block-kit/blocks and its pages on
// elements and composition objects).
const (
	maxMessageBlocks  = 50
	maxViewBlocks     = 100
	maxMessageText    = 40000
	maxAckSize        = 20 * 1024 // bytes of an ack on the wire, envelope and all
	maxBlockID        = 255
	maxActionID       = 255
	maxSectionText    = 3000
	maxSectionFields  = 10
	maxFieldText      = 2000
	maxHeaderText     = 150
	maxContextItems   = 10
	maxContextText    = 3000
	maxActionsItems   = 25
	maxLabelText      = 2000
	maxHintText       = 2000
	maxButtonText     = 75
	maxButtonValue    = 2000
	maxButtonURL      = 3000
	maxPlaceholder    = 150
	maxInputLength    = 3000
	maxSelectOptions  = 100
	maxOptionText     = 75
	maxOptionValue    = 150
	maxRadioOptions   = 10
	maxConfirmTitle   = 100
	maxConfirmText    = 300
	maxConfirmButtons = 30
)

// Violations returns every breach of Slack's limits the workspace has seen,
// oldest first: blocks it refused (invalid_blocks, invalid_arguments) and
// message text longer than Slack keeps, which Slack cuts rather than
// refuses. Tests should expect none.
func (ws *Workspace) Violations() []string {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return append([]string(nil), ws.violations...)
}

func (ws *Workspace) violateLocked(where, msg string) {
	ws.violations = append(ws.violations, where+": "+msg)
	ws.log.Warn("slacktest: outside Slack's limits", "where", where, "problem", msg)
}

// checkTextLocked flags message text longer than Slack keeps and returns
// it cut as Slack cuts it.
func (ws *Workspace) checkTextLocked(where, text string) string {
	if utf8.RuneCountInString(text) <= maxMessageText {
		return text
	}
	ws.violateLocked(where, fmt.Sprintf("text is %d characters; Slack keeps only the first %d", utf8.RuneCountInString(text), maxMessageText))
	return string([]rune(text)[:maxMessageText])
}

// checkBlocksLocked checks blocks against Slack's limits for a surface that
// holds at most maxBlocks. It records and returns the first breach, as
// code (invalid_blocks for messages, invalid_arguments for views) with
// Slack's message and JSON pointer.
func (ws *Workspace) checkBlocksLocked(where, code, pointer string, blocks []any, maxBlocks int) error {
	msg := blockProblem(pointer, blocks, maxBlocks)
	if msg == "" {
		return nil
	}
	ws.violateLocked(where, msg)
	return slackErr(code, msg)
}

// blockProblem describes the first way blocks break Slack's limits, or
// returns "".
func blockProblem(pointer string, blocks []any, maxBlocks int) string {
	if len(blocks) > maxBlocks {
		return fmt.Sprintf("[ERROR] no more than %d items allowed [json-pointer:%s]", maxBlocks, pointer)
	}
	for i, b := range blocks {
		bm, _ := b.(map[string]any)
		if p := checkBlock(fmt.Sprintf("%s/%d", pointer, i), bm); p != "" {
			return p
		}
	}
	return ""
}

func tooLong(pointer string, max int) string {
	return fmt.Sprintf("[ERROR] must be less than %d characters [json-pointer:%s]", max+1, pointer)
}

func tooMany(pointer string, max int) string {
	return fmt.Sprintf("[ERROR] no more than %d items allowed [json-pointer:%s]", max, pointer)
}

// textOf returns a text object's text and whether there was one.
func textOf(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	s, _ := m["text"].(string)
	return s, true
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// checkText checks an optional text object (or string) at pointer.
func checkText(pointer string, v any, max int, required bool) string {
	var s string
	switch t := v.(type) {
	case nil:
		if required {
			return fmt.Sprintf("[ERROR] missing required field: text [json-pointer:%s]", pointer)
		}
		return ""
	case string:
		s = t
	default:
		s, _ = textOf(t)
	}
	if required && s == "" {
		return fmt.Sprintf("[ERROR] must be more than 0 characters [json-pointer:%s]", pointer)
	}
	if runes(s) > max {
		return tooLong(pointer, max)
	}
	return ""
}

func checkBlock(p string, b map[string]any) string {
	if id, _ := b["block_id"].(string); runes(id) > maxBlockID {
		return tooLong(p+"/block_id", maxBlockID)
	}
	switch b["type"] {
	case "section":
		fields, _ := b["fields"].([]any)
		if msg := checkText(p+"/text", b["text"], maxSectionText, len(fields) == 0); msg != "" {
			return msg
		}
		if len(fields) > maxSectionFields {
			return tooMany(p+"/fields", maxSectionFields)
		}
		for i, f := range fields {
			if msg := checkText(fmt.Sprintf("%s/fields/%d", p, i), f, maxFieldText, true); msg != "" {
				return msg
			}
		}
		if acc, ok := b["accessory"].(map[string]any); ok {
			return checkElement(p+"/accessory", acc)
		}
	case "header":
		return checkText(p+"/text", b["text"], maxHeaderText, true)
	case "context":
		els, _ := b["elements"].([]any)
		if len(els) > maxContextItems {
			return tooMany(p+"/elements", maxContextItems)
		}
		for i, e := range els {
			if em, _ := e.(map[string]any); em["type"] == "mrkdwn" || em["type"] == "plain_text" {
				if msg := checkText(fmt.Sprintf("%s/elements/%d", p, i), em, maxContextText, true); msg != "" {
					return msg
				}
			}
		}
	case "actions":
		els, _ := b["elements"].([]any)
		if len(els) > maxActionsItems {
			return tooMany(p+"/elements", maxActionsItems)
		}
		for i, e := range els {
			em, _ := e.(map[string]any)
			if msg := checkElement(fmt.Sprintf("%s/elements/%d", p, i), em); msg != "" {
				return msg
			}
		}
	case "input":
		if msg := checkText(p+"/label", b["label"], maxLabelText, true); msg != "" {
			return msg
		}
		if msg := checkText(p+"/hint", b["hint"], maxHintText, false); msg != "" {
			return msg
		}
		if el, ok := b["element"].(map[string]any); ok {
			return checkElement(p+"/element", el)
		}
	}
	return ""
}

func checkElement(p string, el map[string]any) string {
	if id, _ := el["action_id"].(string); runes(id) > maxActionID {
		return tooLong(p+"/action_id", maxActionID)
	}
	if msg := checkText(p+"/placeholder", el["placeholder"], maxPlaceholder, false); msg != "" {
		return msg
	}
	if c, ok := el["confirm"].(map[string]any); ok {
		for _, f := range []struct {
			key string
			max int
		}{{"title", maxConfirmTitle}, {"text", maxConfirmText}, {"confirm", maxConfirmButtons}, {"deny", maxConfirmButtons}} {
			if msg := checkText(p+"/confirm/"+f.key, c[f.key], f.max, false); msg != "" {
				return msg
			}
		}
	}
	switch el["type"] {
	case "button":
		if msg := checkText(p+"/text", el["text"], maxButtonText, true); msg != "" {
			return msg
		}
		if v, _ := el["value"].(string); runes(v) > maxButtonValue {
			return tooLong(p+"/value", maxButtonValue)
		}
		if u, _ := el["url"].(string); runes(u) > maxButtonURL {
			return tooLong(p+"/url", maxButtonURL)
		}
	case "plain_text_input", "url_text_input", "email_text_input":
		limit := maxInputLength
		if n, ok := number(el["max_length"]); ok {
			if n > maxInputLength {
				return fmt.Sprintf("[ERROR] must be at most %d [json-pointer:%s/max_length]", maxInputLength, p)
			}
			limit = n
		}
		if v, _ := el["initial_value"].(string); runes(v) > limit {
			return fmt.Sprintf("[ERROR] initial_value must be at most max_length (%d) characters [json-pointer:%s/initial_value]", limit, p)
		}
	case "static_select", "multi_static_select", "radio_buttons", "checkboxes":
		opts, _ := el["options"].([]any)
		groups, _ := el["option_groups"].([]any)
		max := maxSelectOptions
		if el["type"] == "radio_buttons" || el["type"] == "checkboxes" {
			max = maxRadioOptions
		}
		if len(opts) > max {
			return tooMany(p+"/options", max)
		}
		if len(groups) > maxSelectOptions {
			return tooMany(p+"/option_groups", maxSelectOptions)
		}
		if msg := checkOptions(p+"/options", opts); msg != "" {
			return msg
		}
		for i, g := range groups {
			gm, _ := g.(map[string]any)
			gp := fmt.Sprintf("%s/option_groups/%d", p, i)
			if msg := checkText(gp+"/label", gm["label"], maxOptionText, true); msg != "" {
				return msg
			}
			gopts, _ := gm["options"].([]any)
			if len(gopts) > maxSelectOptions {
				return tooMany(gp+"/options", maxSelectOptions)
			}
			if msg := checkOptions(gp+"/options", gopts); msg != "" {
				return msg
			}
		}
	}
	return ""
}

func checkOptions(p string, opts []any) string {
	for i, o := range opts {
		om, _ := o.(map[string]any)
		op := fmt.Sprintf("%s/%d", p, i)
		if msg := checkText(op+"/text", om["text"], maxOptionText, true); msg != "" {
			return msg
		}
		if v, _ := om["value"].(string); runes(v) > maxOptionValue {
			return tooLong(op+"/value", maxOptionValue)
		}
	}
	return ""
}

// number reads a JSON number decoded either way.
func number(v any) (int, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		return int(i), err == nil
	case float64:
		return int(n), true
	}
	return 0, false
}

// checkResponseLocked checks a message sent to a response_url or in a
// slash command's ack, as chat.postMessage would be checked.
func (ws *Workspace) checkResponseLocked(where string, msg *responseMessage) error {
	msg.Text = ws.checkTextLocked(where, msg.Text)
	if len(msg.Blocks) == 0 || string(msg.Blocks) == "null" {
		return nil
	}
	var blocks []any
	if err := decodeJSON(string(msg.Blocks), &blocks); err != nil {
		ws.violateLocked(where, "blocks are not a JSON array")
		return slackErr("invalid_blocks")
	}
	return ws.checkBlocksLocked(where, "invalid_blocks", "/blocks", blocks, maxMessageBlocks)
}
