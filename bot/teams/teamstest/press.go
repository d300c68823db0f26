package teamstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// Press presses the button titled buttonTitle on the card of the bot's
// message activityID (in u's personal chat or in a channel of a team u is
// in), with inputs typed over the card's current input values (keyed by
// input id). As Teams does:
//   - Action.Execute sends an adaptiveCard/action invoke whose data is the
//     action's data merged with the inputs; an answer of type
//     application/vnd.microsoft.card.adaptive replaces the card for u (see
//     u.Messages), activity.message is shown briefly (Result.Shown). With
//     u.OldClient the Execute's Action.Submit fallback is pressed instead.
//   - Action.Submit sends a message activity with value = data merged with
//     the inputs and replyToId = the card's message; data.msteams.type
//     "task/fetch" opens a dialog instead (Result.Dialog), "messageBack"
//     and "imBack" send their text.
//   - Action.OpenUrl is a link: Press returns an error; read the URL with
//     Message.Link.
//
// Press refuses, as the client would, an input id the card does not have,
// a value longer than the input's maxLength or not among its choices, and
// an empty required input.
func (u *User) Press(activityID, buttonTitle string, inputs map[string]string) (*Result, error) {
	s := u.s
	m, conv, chData, err := s.pressTarget(u, activityID)
	if err != nil {
		return nil, err
	}
	b, ok := m.Button(buttonTitle)
	if !ok {
		var titles []string
		for _, x := range m.Buttons() {
			titles = append(titles, x.Title)
		}
		return nil, fmt.Errorf("%w: button %q in message %s (buttons: %s)", ErrNotFound, buttonTitle, activityID, strings.Join(titles, ", "))
	}
	action := b.raw
	if b.Type == "Action.Execute" && u.OldClient {
		fb, _ := action["fallback"].(map[string]any)
		if fb == nil || fb["type"] != "Action.Submit" {
			return nil, fmt.Errorf("teamstest: button %q is an Action.Execute without an Action.Submit fallback; an old Teams client cannot press it", buttonTitle)
		}
		action = fb
	}
	typ, _ := action["type"].(string)
	switch typ {
	case "Action.Execute", "Action.Submit":
	case "Action.OpenUrl":
		return nil, fmt.Errorf("teamstest: button %q is a link to %s; read it with Message.Link", buttonTitle, b.URL)
	default:
		return nil, fmt.Errorf("teamstest: button %q is an %s, which the client handles itself; press a button it shows", buttonTitle, typ)
	}
	values, err := gather(action, b.path, inputs)
	if err != nil {
		return nil, err
	}
	from := u.Account()
	base := schema.Activity{From: &from, Conversation: conv, ReplyToID: m.ID, ChannelData: chData}
	data := mergeData(action["data"], values)
	if typ == "Action.Execute" {
		verb, _ := action["verb"].(string)
		id, _ := action["id"].(string)
		var v schema.AdaptiveCardInvokeValue
		v.Action.Type, v.Action.ID, v.Action.Verb = "Action.Execute", id, verb
		v.Action.Data, _ = json.Marshal(data)
		v.Trigger = "manual"
		act := base
		act.Type, act.Name = schema.TypeInvoke, schema.InvokeAdaptiveCardAction
		act.Value, _ = json.Marshal(v)
		res, err := s.Deliver(&act)
		if err != nil {
			return res, err
		}
		if err := readCardAction(res); err != nil {
			res.Err = err
			return res, err
		}
		if res.Card != nil {
			raw, _ := json.Marshal(res.Card)
			s.mu.Lock()
			s.setOverrideLocked(m.ID, u.ID, raw)
			var probe map[string]any
			_ = json.Unmarshal(raw, &probe)
			s.checkCardLocked("invoke response to "+buttonTitle, probe)
			s.notifyLocked()
			s.mu.Unlock()
		}
		return res, nil
	}
	act := base
	dm, _ := data.(map[string]any)
	ms, _ := dm["msteams"].(map[string]any)
	switch kind, _ := ms["type"].(string); kind {
	case "task/fetch":
		act.Type, act.Name = schema.TypeInvoke, schema.InvokeTaskFetch
		act.Value, _ = json.Marshal(map[string]any{"data": data, "context": map[string]any{"theme": "default"}})
		res, err := s.Deliver(&act)
		if err != nil {
			return res, err
		}
		return res, readTask(res, u, &act, false)
	case "messageBack":
		act.Type = schema.TypeMessage
		act.Text, _ = ms["text"].(string)
		act.Value, _ = json.Marshal(data)
	case "imBack":
		act.Type = schema.TypeMessage
		act.Text, _ = ms["value"].(string)
	default:
		act.Type = schema.TypeMessage
		act.Value, _ = json.Marshal(data)
	}
	return s.Deliver(&act)
}

// gather returns the input values a press sends: the card's inputs on
// the action's path with their defaults, and typed over them.
func gather(action map[string]any, path []map[string]any, typed map[string]string) (map[string]string, error) {
	values := map[string]string{}
	if action["associatedInputs"] == "none" {
		if len(typed) > 0 {
			return nil, fmt.Errorf("teamstest: the button sends no inputs (associatedInputs none)")
		}
		return values, nil
	}
	ins := inputsOf(path)
	known := map[string]Input{}
	for _, in := range ins {
		known[in.ID] = in
		values[in.ID] = in.Value
	}
	for _, id := range slices.Sorted(maps.Keys(typed)) {
		in, ok := known[id]
		if !ok {
			return nil, fmt.Errorf("%w: input %q on the card", ErrNotFound, id)
		}
		if p := checkInput(in, typed[id]); p != "" {
			return nil, fmt.Errorf("teamstest: %s", p)
		}
		values[id] = typed[id]
	}
	for _, in := range ins {
		if in.Required && values[in.ID] == "" {
			return nil, fmt.Errorf("teamstest: input %q is required; the client will not send the card without it", in.ID)
		}
	}
	return values, nil
}

// pressTarget finds the message a user can press and the conversation and
// channel data of the invoke.
func (s *Server) pressTarget(u *User, id string) (Message, *schema.ConversationAccount, *schema.ChannelData, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if conv := s.convs[u.chatID]; conv != nil {
		if m := findMessage(conv, id); m != nil {
			return snapshotLocked(m, u.ID), s.personalConvLocked(u), &schema.ChannelData{Tenant: s.tenant()}, nil
		}
	}
	for _, t := range s.teams {
		if !containsUser(t.members, u) {
			continue
		}
		for _, ch := range t.channels {
			if m := findMessage(s.convs[ch.ID], id); m != nil {
				root := m.thread
				if root == "" {
					root = m.id
				}
				return snapshotLocked(m, u.ID), s.channelConv(ch, root), s.channelData(ch), nil
			}
		}
	}
	return Message{}, nil, nil, fmt.Errorf("%w: message %s where %s can see it", ErrNotFound, id, u.Name)
}

func (s *Server) setOverrideLocked(msgID, userID string, card json.RawMessage) {
	for _, conv := range s.convs {
		if m := findMessage(conv, msgID); m != nil {
			if m.overrides == nil {
				m.overrides = map[string]json.RawMessage{}
			}
			m.overrides[userID] = card
		}
	}
}

// Dialog is a dialog (task module) open for a user.
type Dialog struct {
	// Title is the dialog's title.
	Title string
	// Card is the dialog's Adaptive Card, or nil for a URL dialog.
	Card map[string]any
	// URL is the page of a URL dialog.
	URL string

	user *User
	base schema.Activity
}

// CardText returns the dialog's card as plain text.
func (d *Dialog) CardText() string {
	if d.Card == nil {
		return ""
	}
	return CardText(d.Card)
}

// Buttons returns the dialog card's actions.
func (d *Dialog) Buttons() []Button {
	if d.Card == nil {
		return nil
	}
	return buttons(d.Card)
}

// Submit presses the Action.Submit titled buttonTitle in the dialog with
// inputs typed over the card's values: Teams sends task/submit with
// value.data = the action's data merged with the inputs. The answer may
// close the dialog (Result.DialogClosed), show a message (Result.Shown,
// closed) or continue with another dialog (Result.Dialog).
func (d *Dialog) Submit(buttonTitle string, inputs map[string]string) (*Result, error) {
	var b *Button
	for _, x := range d.Buttons() {
		if x.Title == buttonTitle {
			b = &x
			break
		}
	}
	if b == nil {
		return nil, fmt.Errorf("%w: button %q in dialog %q", ErrNotFound, buttonTitle, d.Title)
	}
	if b.Type != "Action.Submit" && b.Type != "Action.Execute" {
		return nil, fmt.Errorf("teamstest: button %q in a dialog is an %s, not a submit", buttonTitle, b.Type)
	}
	values, err := gather(b.raw, b.path, inputs)
	if err != nil {
		return nil, err
	}
	act := d.base
	act.ID = ""
	act.Timestamp = ""
	act.Value, _ = json.Marshal(map[string]any{"data": mergeData(b.raw["data"], values), "context": map[string]any{"theme": "default"}})
	act.Name = schema.InvokeTaskSubmit
	s := d.user.s
	res, err := s.Deliver(&act)
	if err != nil {
		return res, err
	}
	return res, readTask(res, d.user, &act, true)
}

// readTask interprets a task/fetch or task/submit answer.
func readTask(res *Result, u *User, act *schema.Activity, submit bool) error {
	body := bytes.TrimSpace(res.Body)
	fail := func(format string, args ...any) error {
		res.Err = fmt.Errorf("%w: %s: %s", ErrBadInvokeResponse, act.Name, fmt.Sprintf(format, args...))
		return res.Err
	}
	if len(body) == 0 || string(body) == "{}" || string(body) == "null" {
		if submit {
			res.DialogClosed = true
			return nil
		}
		return fail("empty answer; Teams shows an error instead of a dialog")
	}
	var resp struct {
		Task *struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"task"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return fail("%v", err)
	}
	if resp.Task == nil {
		if submit {
			res.DialogClosed = true
			return nil
		}
		return fail("no task in the answer")
	}
	switch resp.Task.Type {
	case "message":
		var text string
		if err := json.Unmarshal(resp.Task.Value, &text); err != nil {
			return fail("a message task needs a string value")
		}
		res.Shown = text
		res.DialogClosed = submit
	case "continue":
		var info struct {
			Title string             `json:"title"`
			URL   string             `json:"url"`
			Card  *schema.Attachment `json:"card"`
		}
		if err := json.Unmarshal(resp.Task.Value, &info); err != nil {
			return fail("%v", err)
		}
		d := &Dialog{Title: info.Title, URL: info.URL, user: u, base: *act}
		if info.Card != nil {
			if info.Card.ContentType != schema.ContentTypeAdaptiveCard {
				return fail("dialog card content type %q", info.Card.ContentType)
			}
			if err := json.Unmarshal(info.Card.Content, &d.Card); err != nil || d.Card == nil {
				return fail("dialog card is not a JSON object")
			}
			u.s.mu.Lock()
			u.s.checkCardLocked("dialog "+info.Title, d.Card)
			u.s.mu.Unlock()
		} else if !strings.HasPrefix(info.URL, "https://") {
			return fail("a dialog needs a card or an HTTPS url")
		}
		res.Dialog = d
	default:
		return fail("unknown task type %q", resp.Task.Type)
	}
	return nil
}
