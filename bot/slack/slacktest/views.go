package slacktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"unicode/utf8"
)

// View is a modal the bot opened, as the workspace holds it.
type View struct {
	ID              string
	User            string
	Type            string
	CallbackID      string
	PrivateMetadata string
	ExternalID      string
	Hash            string
	RootViewID      string
	PreviousViewID  string
	// Title, Submit and Close are plain_text objects; Blocks is the JSON
	// array of blocks with block_ids and action_ids filled in.
	Title, Submit, Close json.RawMessage
	Blocks               json.RawMessage
	ClearOnClose         bool
	NotifyOnClose        bool
}

// viewState is a stored view: its definition as the bot sent it (with IDs
// filled in) and what Slack adds.
type viewState struct {
	id, user, hash, root, previous string
	def                            map[string]any
}

func (v *viewState) str(key string) string {
	s, _ := v.def[key].(string)
	return s
}

func (v *viewState) blocks() []any {
	b, _ := v.def["blocks"].([]any)
	return b
}

func (v *viewState) snapshot() View {
	raw := func(key string) json.RawMessage {
		if v.def[key] == nil {
			return nil
		}
		b, _ := json.Marshal(v.def[key])
		return b
	}
	b, _ := v.def["clear_on_close"].(bool)
	n, _ := v.def["notify_on_close"].(bool)
	return View{
		ID: v.id, User: v.user, Type: v.str("type"), CallbackID: v.str("callback_id"),
		PrivateMetadata: v.str("private_metadata"), ExternalID: v.str("external_id"),
		Hash: v.hash, RootViewID: v.root, PreviousViewID: v.previous,
		Title: raw("title"), Submit: raw("submit"), Close: raw("close"), Blocks: raw("blocks"),
		ClearOnClose: b, NotifyOnClose: n,
	}
}

// viewJSON renders v as views.open and interaction payloads show a view.
func (ws *Workspace) viewJSON(v *viewState, state obj) obj {
	if state == nil {
		state = obj{"values": obj{}}
	}
	var previous any
	if v.previous != "" {
		previous = v.previous
	}
	blocks := v.blocks()
	if blocks == nil {
		blocks = []any{}
	}
	b, _ := v.def["clear_on_close"].(bool)
	n, _ := v.def["notify_on_close"].(bool)
	return obj{
		"id":                    v.id,
		"team_id":               ws.cfg.teamID,
		"type":                  v.str("type"),
		"blocks":                blocks,
		"private_metadata":      v.str("private_metadata"),
		"callback_id":           v.str("callback_id"),
		"state":                 state,
		"hash":                  v.hash,
		"title":                 v.def["title"],
		"clear_on_close":        b,
		"notify_on_close":       n,
		"close":                 v.def["close"],
		"submit":                v.def["submit"],
		"previous_view_id":      previous,
		"root_view_id":          v.root,
		"app_id":                ws.cfg.appID,
		"external_id":           v.str("external_id"),
		"app_installed_team_id": ws.cfg.teamID,
		"bot_id":                ws.cfg.botID,
	}
}

// OpenViews returns the modals open for userID, root first.
func (ws *Workspace) OpenViews(userID string) []View {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	var out []View
	for _, id := range ws.stacks[userID] {
		out = append(out, ws.views[id].snapshot())
	}
	return out
}

// View returns the view with the given ID, open or closed.
func (ws *Workspace) View(viewID string) (View, bool) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	v, ok := ws.views[viewID]
	if !ok {
		return View{}, false
	}
	return v.snapshot(), true
}

func (ws *Workspace) newViewLocked(user string, def map[string]any) *viewState {
	v := &viewState{id: ws.newIDLocked("V"), user: user, def: def, hash: ws.newHashLocked()}
	ws.views[v.id] = v
	return v
}

func (ws *Workspace) newHashLocked() string {
	return fmt.Sprintf("%d.%s", ws.now().Unix(), ws.randomHexLocked(8))
}

// viewsOpen opens a modal with a trigger_id, replacing any open stack.
func (ws *Workspace) viewsOpen(r *request) (obj, error) {
	def, err := ws.parseViewLocked(r.get("view"))
	if err != nil {
		return nil, err
	}
	user, err := ws.exchangeTriggerLocked(r.get("trigger_id"))
	if err != nil {
		return nil, err
	}
	if err := ws.checkExternalIDLocked(def, ""); err != nil {
		return nil, err
	}
	v := ws.newViewLocked(user, def)
	v.root = v.id
	ws.stacks[user] = []string{v.id}
	return obj{"view": ws.viewJSON(v, nil)}, nil
}

// viewsPush pushes a modal onto the user's open stack (at most three).
func (ws *Workspace) viewsPush(r *request) (obj, error) {
	def, err := ws.parseViewLocked(r.get("view"))
	if err != nil {
		return nil, err
	}
	user, err := ws.exchangeTriggerLocked(r.get("trigger_id"))
	if err != nil {
		return nil, err
	}
	stack := ws.stacks[user]
	if len(stack) == 0 {
		return nil, slackErr("not_found")
	}
	if len(stack) >= 3 {
		return nil, slackErr("push_limit_reached")
	}
	if err := ws.checkExternalIDLocked(def, ""); err != nil {
		return nil, err
	}
	v := ws.newViewLocked(user, def)
	v.root, v.previous = stack[0], stack[len(stack)-1]
	ws.stacks[user] = append(stack, v.id)
	return obj{"view": ws.viewJSON(v, nil)}, nil
}

// viewsUpdate replaces a view's content, by view_id or external_id, with an
// optional hash guarding against a stale update.
func (ws *Workspace) viewsUpdate(r *request) (obj, error) {
	def, err := ws.parseViewLocked(r.get("view"))
	if err != nil {
		return nil, err
	}
	var v *viewState
	switch id, ext := r.get("view_id"), r.get("external_id"); {
	case id != "":
		v = ws.views[id]
	case ext != "":
		for _, cand := range ws.views {
			if cand.str("external_id") == ext {
				v = cand
			}
		}
	default:
		return nil, slackErr("invalid_arguments", "[ERROR] either view_id or external_id is required")
	}
	if v == nil {
		return nil, slackErr("not_found")
	}
	if h := r.get("hash"); h != "" && h != v.hash {
		return nil, slackErr("hash_conflict")
	}
	if err := ws.checkExternalIDLocked(def, v.id); err != nil {
		return nil, err
	}
	v.def = def
	v.hash = ws.newHashLocked()
	return obj{"view": ws.viewJSON(v, nil)}, nil
}

func (ws *Workspace) checkExternalIDLocked(def map[string]any, self string) error {
	ext, _ := def["external_id"].(string)
	if ext == "" {
		return nil
	}
	for _, v := range ws.views {
		if v.id != self && v.str("external_id") == ext {
			return slackErr("duplicate_external_id")
		}
	}
	return nil
}

// decodeView decodes a view argument and checks that it is there, is
// JSON and has the type the method takes, with Slack's errors.
func decodeView(s, typ string) (map[string]any, error) {
	if s == "" {
		return nil, slackErr("invalid_arguments", "[ERROR] missing required field: view")
	}
	var def map[string]any
	if err := decodeJSON(s, &def); err != nil || def == nil {
		return nil, slackErr("invalid_arguments", "[ERROR] failed to parse view [json-pointer:/view]")
	}
	if def["type"] != typ {
		return nil, slackErr("invalid_arguments", "[ERROR] must provide a valid view type [json-pointer:/view/type]")
	}
	return def, nil
}

// parseViewLocked decodes and checks a modal view as Slack does, filling in
// missing block_ids and action_ids.
func (ws *Workspace) parseViewLocked(s string) (map[string]any, error) {
	invalid := func(msg string) error { return slackErr("invalid_arguments", msg) }
	def, err := decodeView(s, "modal")
	if err != nil {
		return nil, err
	}
	title, _ := def["title"].(map[string]any)
	text, _ := title["text"].(string)
	if text == "" {
		return nil, invalid("[ERROR] missing required field: title [json-pointer:/view/title]")
	}
	if utf8.RuneCountInString(text) > 24 {
		return nil, invalid("[ERROR] must be less than 25 characters [json-pointer:/view/title/text]")
	}
	blocks, ok := def["blocks"].([]any)
	if !ok {
		return nil, invalid("[ERROR] missing required field: blocks [json-pointer:/view/blocks]")
	}
	if err := ws.checkBlocksLocked("view", "invalid_arguments", "/view/blocks", blocks, maxViewBlocks); err != nil {
		return nil, err
	}
	for _, key := range []string{"submit", "close"} {
		if msg := checkText("/view/"+key, def[key], 24, false); msg != "" {
			return nil, invalid(msg)
		}
	}
	if pm, _ := def["private_metadata"].(string); len(pm) > 3000 {
		return nil, invalid("[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]")
	}
	if cb, _ := def["callback_id"].(string); len(cb) > 255 {
		return nil, invalid("[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]")
	}
	hasInput := false
	for _, b := range blocks {
		if bm, _ := b.(map[string]any); bm["type"] == "input" {
			hasInput = true
		}
	}
	if hasInput && def["submit"] == nil {
		return nil, invalid("[ERROR] must provide a submit property when using input blocks [json-pointer:/view]")
	}
	if err := ws.fillBlockIDsLocked(blocks, "/view/blocks"); err != nil {
		return nil, err
	}
	return def, nil
}

// fillBlockIDsLocked gives every block a block_id and every interactive
// element an action_id, as Slack does when it stores blocks, and rejects
// duplicate block_ids.
func (ws *Workspace) fillBlockIDsLocked(blocks []any, pointer string) error {
	seen := map[string]bool{}
	for i, b := range blocks {
		bm, ok := b.(map[string]any)
		if !ok {
			return slackErr("invalid_blocks", fmt.Sprintf("[ERROR] must be an object [json-pointer:%s/%d]", pointer, i))
		}
		id, _ := bm["block_id"].(string)
		if id == "" {
			id = ws.randomBlockIDLocked()
			bm["block_id"] = id
		}
		if seen[id] {
			return slackErr("invalid_blocks", fmt.Sprintf("[ERROR] duplicate block_id %q [json-pointer:%s/%d/block_id]", id, pointer, i))
		}
		seen[id] = true
		for _, el := range blockElements(bm) {
			if a, _ := el["action_id"].(string); a == "" {
				el["action_id"] = ws.randomBlockIDLocked()
			}
		}
	}
	return nil
}

func (ws *Workspace) randomBlockIDLocked() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+="
	b := make([]byte, 5)
	for i := range b {
		b[i] = alphabet[ws.rng.IntN(len(alphabet))]
	}
	return string(b)
}

// blockElements returns a block's interactive elements: an input's
// element, an actions block's elements, a section's accessory.
func blockElements(block map[string]any) []map[string]any {
	var out []map[string]any
	add := func(v any) {
		if m, ok := v.(map[string]any); ok {
			if t, _ := m["type"].(string); t != "" && t != "image" {
				out = append(out, m)
			}
		}
	}
	switch block["type"] {
	case "input":
		add(block["element"])
	case "actions":
		els, _ := block["elements"].([]any)
		for _, e := range els {
			add(e)
		}
	case "section":
		add(block["accessory"])
	}
	return out
}

// viewSubmittedLocked applies a view_submission ack's response_action.
func (ws *Workspace) viewSubmittedLocked(user, viewID, action string, view json.RawMessage) {
	stack := ws.stacks[user]
	i := slices.Index(stack, viewID)
	switch action {
	case "errors":
		// The modal stays open with the errors shown.
	case "clear":
		delete(ws.stacks, user)
	case "update", "push":
		def, err := ws.parseViewLocked(string(view))
		if err != nil {
			ws.log.Warn("slacktest: invalid view in view_submission ack", "err", err)
			return
		}
		if action == "update" {
			if v, ok := ws.views[viewID]; ok {
				v.def, v.hash = def, ws.newHashLocked()
			}
			return
		}
		if len(stack) == 0 || len(stack) >= 3 {
			return
		}
		v := ws.newViewLocked(user, def)
		v.root, v.previous = stack[0], stack[len(stack)-1]
		ws.stacks[user] = append(stack, v.id)
	default:
		// An empty ack closes the submitted view and any pushed above it.
		if i >= 0 {
			if i == 0 {
				delete(ws.stacks, user)
			} else {
				ws.stacks[user] = stack[:i]
			}
		}
	}
}

// decodeJSON decodes s keeping numbers exact, so that blocks round-trip.
func decodeJSON(s string, v any) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	return dec.Decode(v)
}
