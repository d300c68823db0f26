package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// ErrNotFound is returned by the driving helpers when the user, channel,
// message, view or action they name does not exist in the workspace.
var ErrNotFound = errors.New("slacktest: not found")

// CommandOption changes where SlashCommand types the command.
type CommandOption func(*commandConfig)

type commandConfig struct{ channel string }

// InChannel types the slash command in the given channel (a C..., D... or
// G... ID known to the workspace) instead of #general.
func InChannel(channelID string) CommandOption {
	return func(c *commandConfig) { c.channel = channelID }
}

// SlashCommand sends a slash_commands envelope as if userID had typed
// "command text" in #general (or the InChannel channel), with a fresh
// trigger_id and response_url, and waits for the bot's ack. The ack's
// payload, if any, is shown as Slack would (ephemeral unless
// "response_type": "in_channel").
func (ws *Workspace) SlashCommand(ctx context.Context, userID, command, text string, opts ...CommandOption) (Ack, error) {
	cfg := commandConfig{channel: DefaultChannelID}
	for _, o := range opts {
		o(&cfg)
	}
	ws.mu.Lock()
	u, ok := ws.users[userID]
	ch, chOK := ws.channels[cfg.channel]
	if !ok || !chOK {
		ws.mu.Unlock()
		return Ack{}, fmt.Errorf("%w: user %q or channel %q", ErrNotFound, userID, cfg.channel)
	}
	trigger := ws.issueTriggerLocked(userID)
	responseURL := ws.newResponseURLLocked("commands", responseTarget{user: userID, channel: ch.ID})
	payload := obj{
		"token":        ws.cfg.verificationToken,
		"team_id":      ws.cfg.teamID,
		"team_domain":  ws.cfg.teamDomain,
		"channel_id":   ch.ID,
		"channel_name": ch.Name,
		"user_id":      u.ID,
		"user_name":    u.Name,
		"command":      command,
		"text":         text,
		"api_app_id":   ws.cfg.appID,
		"response_url": responseURL,
		"trigger_id":   trigger,
	}
	d := &delivery{id: ws.envelopeIDLocked(), typ: TypeSlashCommands, accepts: true, user: userID, channel: ch.ID}
	d.payload, _ = json.Marshal(payload)
	ws.mu.Unlock()
	return ws.sendDelivery(ctx, d)
}

// ClickButton sends a block_actions envelope as if userID had clicked the
// button with actionID in the bot's message messageTS in channelID, and
// waits for the ack. When several buttons share the action_id, value picks
// the one with that value; otherwise pass "". messageTS may also name an
// ephemeral message userID saw there (its EphemeralMessage.MessageTS).
func (ws *Workspace) ClickButton(ctx context.Context, userID, channelID, messageTS, actionID, value string) (Ack, error) {
	ws.mu.Lock()
	u, uOK := ws.users[userID]
	ch, chOK := ws.channels[channelID]
	var m *Message
	if chOK {
		m = ws.findMessageLocked(channelID, messageTS)
	}
	if uOK && chOK && m == nil {
		if e := ws.findEphemeralLocked(userID, channelID, messageTS); e != nil {
			return ws.clickEphemeralLocked(ctx, u, ch, e, actionID, value)
		}
	}
	if !uOK || m == nil {
		ws.mu.Unlock()
		return Ack{}, fmt.Errorf("%w: user %q or message %s in %q", ErrNotFound, userID, messageTS, channelID)
	}
	var blocks []any
	if m.Blocks != nil {
		_ = decodeJSON(string(m.Blocks), &blocks)
	}
	blockID, el := findAction(blocks, actionID, value)
	if el == nil {
		ws.mu.Unlock()
		return Ack{}, fmt.Errorf("%w: button %q in message %s", ErrNotFound, actionID, messageTS)
	}
	trigger := ws.issueTriggerLocked(userID)
	payload := ws.interactionBaseLocked("block_actions", u, trigger)
	payload["container"] = obj{
		"type": "message", "message_ts": m.TS, "channel_id": ch.ID,
		"is_ephemeral": false,
	}
	payload["channel"] = obj{"id": ch.ID, "name": ch.Name}
	payload["message"] = ws.messageJSON(m, false)
	payload["state"] = obj{"values": ws.stateValues(blocks)}
	payload["response_url"] = ws.newResponseURLLocked("actions", responseTarget{user: userID, channel: ch.ID, messageTS: m.TS})
	payload["actions"] = []obj{ws.actionJSONLocked(blockID, el)}
	d := &delivery{id: ws.envelopeIDLocked(), typ: TypeInteractive, accepts: false, user: userID, channel: ch.ID, kind: "block_actions", messageTS: m.TS}
	d.payload, _ = json.Marshal(payload)
	ws.mu.Unlock()
	return ws.sendDelivery(ctx, d)
}

// findEphemeralLocked returns the ephemeral message userID sees in
// channelID with the timestamp, or nil.
func (ws *Workspace) findEphemeralLocked(userID, channelID, ts string) *EphemeralMessage {
	for i := range ws.ephemerals {
		e := &ws.ephemerals[i]
		if e.User == userID && e.Channel == channelID && e.MessageTS == ts && ts != "" {
			return e
		}
	}
	return nil
}

// clickEphemeralLocked sends the block_actions of a click in an ephemeral
// message. As Slack does, the container says is_ephemeral and the payload
// carries no message (the bot never saw one); replace_original through the
// response_url replaces the ephemeral message. It unlocks ws.mu.
func (ws *Workspace) clickEphemeralLocked(ctx context.Context, u *User, ch *channel, e *EphemeralMessage, actionID, value string) (Ack, error) {
	var blocks []any
	if e.Blocks != nil {
		_ = decodeJSON(string(e.Blocks), &blocks)
	}
	blockID, el := findAction(blocks, actionID, value)
	if el == nil {
		ws.mu.Unlock()
		return Ack{}, fmt.Errorf("%w: button %q in ephemeral message %s", ErrNotFound, actionID, e.MessageTS)
	}
	trigger := ws.issueTriggerLocked(u.ID)
	payload := ws.interactionBaseLocked("block_actions", u, trigger)
	payload["container"] = obj{
		"type": "message", "message_ts": e.MessageTS, "channel_id": ch.ID,
		"is_ephemeral": true,
	}
	payload["channel"] = obj{"id": ch.ID, "name": ch.Name}
	payload["state"] = obj{"values": ws.stateValues(blocks)}
	payload["response_url"] = ws.newResponseURLLocked("actions", responseTarget{user: u.ID, channel: ch.ID, messageTS: e.MessageTS, ephemeral: true})
	payload["actions"] = []obj{ws.actionJSONLocked(blockID, el)}
	d := &delivery{id: ws.envelopeIDLocked(), typ: TypeInteractive, accepts: false, user: u.ID, channel: ch.ID, kind: "block_actions", messageTS: e.MessageTS}
	d.payload, _ = json.Marshal(payload)
	ws.mu.Unlock()
	return ws.sendDelivery(ctx, d)
}

// ClickViewButton sends a block_actions envelope as if userID had clicked
// the button with actionID in the open view viewID, and waits for the ack.
func (ws *Workspace) ClickViewButton(ctx context.Context, userID, viewID, actionID, value string) (Ack, error) {
	ws.mu.Lock()
	u, uOK := ws.users[userID]
	v, vOK := ws.views[viewID]
	if !uOK || !vOK {
		ws.mu.Unlock()
		return Ack{}, fmt.Errorf("%w: user %q or view %q", ErrNotFound, userID, viewID)
	}
	blockID, el := findAction(v.blocks(), actionID, value)
	if el == nil {
		ws.mu.Unlock()
		return Ack{}, fmt.Errorf("%w: button %q in view %s", ErrNotFound, actionID, viewID)
	}
	trigger := ws.issueTriggerLocked(userID)
	payload := ws.interactionBaseLocked("block_actions", u, trigger)
	payload["container"] = obj{"type": "view", "view_id": v.id}
	payload["view"] = ws.viewJSON(v, obj{"values": ws.stateValues(v.blocks())})
	payload["actions"] = []obj{ws.actionJSONLocked(blockID, el)}
	d := &delivery{id: ws.envelopeIDLocked(), typ: TypeInteractive, accepts: false, user: userID, viewID: v.id, kind: "block_actions"}
	d.payload, _ = json.Marshal(payload)
	ws.mu.Unlock()
	return ws.sendDelivery(ctx, d)
}

// SubmitView sends a view_submission envelope as if userID had filled in
// and submitted the open view viewID, and waits for the ack. values is keyed
// by action_id, block_id, or "block_id/action_id"; a value is a string
// (text inputs, single selects and radio buttons by option value, dates,
// users, conversations) or a []string (multi-selects, checkboxes). Inputs
// left out keep their initial value. As Slack's client would, it refuses to
// submit when a required input is empty.
//
// The ack's response_action takes effect: "errors" keeps the view open,
// "update" and "push" change it, "clear" closes every view, and an empty
// ack closes the submitted view.
func (ws *Workspace) SubmitView(ctx context.Context, userID, viewID string, values map[string]any) (Ack, error) {
	ws.mu.Lock()
	u, uOK := ws.users[userID]
	v, vOK := ws.views[viewID]
	if !uOK || !vOK || v.user != userID {
		ws.mu.Unlock()
		return Ack{}, fmt.Errorf("%w: view %q open for user %q", ErrNotFound, viewID, userID)
	}
	state, err := ws.submissionState(v.blocks(), values)
	if err != nil {
		ws.mu.Unlock()
		return Ack{}, err
	}
	trigger := ws.issueTriggerLocked(userID)
	payload := ws.interactionBaseLocked("view_submission", u, trigger)
	payload["view"] = ws.viewJSON(v, obj{"values": state})
	payload["response_urls"] = []any{}
	d := &delivery{id: ws.envelopeIDLocked(), typ: TypeInteractive, accepts: true, user: userID, viewID: v.id, kind: "view_submission"}
	d.payload, _ = json.Marshal(payload)
	ws.mu.Unlock()
	return ws.sendDelivery(ctx, d)
}

// interactionBaseLocked returns the fields every interaction payload has.
func (ws *Workspace) interactionBaseLocked(kind string, u *User, trigger string) obj {
	return obj{
		"type":                  kind,
		"team":                  obj{"id": ws.cfg.teamID, "domain": ws.cfg.teamDomain},
		"user":                  obj{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": ws.cfg.teamID},
		"api_app_id":            ws.cfg.appID,
		"token":                 ws.cfg.verificationToken,
		"trigger_id":            trigger,
		"is_enterprise_install": false,
		"enterprise":            nil,
	}
}

// actionJSONLocked renders a clicked button as an entry of "actions".
func (ws *Workspace) actionJSONLocked(blockID string, el map[string]any) obj {
	now := ws.now()
	a := obj{
		"action_id": el["action_id"],
		"block_id":  blockID,
		"text":      el["text"],
		"type":      el["type"],
		"action_ts": strconv.FormatInt(now.Unix(), 10) + fmt.Sprintf(".%06d", now.Nanosecond()/1000),
	}
	if v, ok := el["value"]; ok {
		a["value"] = v
	}
	if s, ok := el["style"]; ok {
		a["style"] = s
	}
	return a
}

// findAction finds the button with actionID (and value, if given) in blocks.
func findAction(blocks []any, actionID, value string) (blockID string, el map[string]any) {
	for _, b := range blocks {
		bm, _ := b.(map[string]any)
		for _, e := range blockElements(bm) {
			if e["type"] != "button" || e["action_id"] != actionID {
				continue
			}
			if v, _ := e["value"].(string); value != "" && v != value {
				continue
			}
			id, _ := bm["block_id"].(string)
			return id, e
		}
	}
	return "", nil
}
