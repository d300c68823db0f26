package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
)

// This file is the bot's App Home as Slack serves it: views.publish and the
// Home tab it fills, the events_api envelopes of app_home_opened and of
// messages in the Messages tab (message.im), and the person's side of both.

// viewsPublish creates or replaces the Home tab of one user
// (https://docs.slack.dev/reference/methods/views.publish). The view's ID
// stays the same from one publish to the next; its hash changes, and a
// hash argument that is not the current one is a conflict.
func (ws *Workspace) viewsPublish(r *request) (obj, error) {
	userID := r.get("user_id")
	if u, ok := ws.users[userID]; userID == "" || !ok || u.IsBot {
		return nil, slackErr("invalid_arguments", "invalid `user_id`")
	}
	def, err := ws.parseHomeViewLocked(r.get("view"))
	if err != nil {
		return nil, err
	}
	v := ws.homes[userID]
	self := ""
	if v != nil {
		self = v.id
		if h := r.get("hash"); h != "" && h != v.hash {
			return nil, slackErr("hash_conflict")
		}
	}
	if err := ws.checkExternalIDLocked(def, self); err != nil {
		return nil, err
	}
	if v == nil {
		v = ws.newViewLocked(userID, def)
		v.root = v.id
		ws.homes[userID] = v
	} else {
		v.def, v.hash = def, ws.newHashLocked()
	}
	ws.published[userID] = append(ws.published[userID], v.snapshot())
	return obj{"view": ws.viewJSON(v, nil)}, nil
}

// parseHomeViewLocked decodes and checks a Home tab view as Slack does
// (https://docs.slack.dev/reference/views/home-tab-views): type home, at
// most 100 blocks within Block Kit's limits, private_metadata and
// callback_id within theirs; block_ids and action_ids are filled in.
func (ws *Workspace) parseHomeViewLocked(s string) (map[string]any, error) {
	invalid := func(msg string) error { return slackErr("invalid_arguments", msg) }
	def, err := decodeView(s, "home")
	if err != nil {
		return nil, err
	}
	blocks, ok := def["blocks"].([]any)
	if !ok {
		return nil, invalid("[ERROR] missing required field: blocks [json-pointer:/view/blocks]")
	}
	if err := ws.checkBlocksLocked("views.publish", "invalid_arguments", "/view/blocks", blocks, maxViewBlocks); err != nil {
		return nil, err
	}
	if pm, _ := def["private_metadata"].(string); len(pm) > 3000 {
		return nil, invalid("[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]")
	}
	if cb, _ := def["callback_id"].(string); len(cb) > 255 {
		return nil, invalid("[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]")
	}
	if err := ws.fillBlockIDsLocked(blocks, "/view/blocks"); err != nil {
		return nil, err
	}
	return def, nil
}

// HomeView returns the Home tab the bot last published for userID. Its ID
// is the view_id a button press in it carries: pass it to ClickViewButton.
func (ws *Workspace) HomeView(userID string) (View, bool) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	v, ok := ws.homes[userID]
	if !ok {
		return View{}, false
	}
	return v.snapshot(), true
}

// PublishedHomes returns every Home tab the bot published for userID,
// oldest first.
func (ws *Workspace) PublishedHomes(userID string) []View {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return slices.Clone(ws.published[userID])
}

// eventPayloadLocked wraps an inner event in the Events API's outer
// event (https://docs.slack.dev/apis/events-api/#callback-field), as the
// payload of an events_api envelope.
func (ws *Workspace) eventPayloadLocked(event obj) obj {
	now := ws.now()
	return obj{
		"token":      ws.cfg.verificationToken,
		"team_id":    ws.cfg.teamID,
		"api_app_id": ws.cfg.appID,
		"event":      event,
		"type":       "event_callback",
		"event_id":   "Ev" + ws.randomUpperLocked(10),
		"event_time": now.Unix(),
		"authorizations": []obj{{
			"enterprise_id": nil, "team_id": ws.cfg.teamID, "user_id": ws.cfg.botUserID,
			"is_bot": true, "is_enterprise_install": false,
		}},
		"is_ext_shared_channel": false,
	}
}

func (ws *Workspace) randomUpperLocked(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[ws.rng.IntN(len(alphabet))]
	}
	return string(b)
}

// eventDeliveryLocked builds the events_api envelope of an inner event.
// Slack does not take a response payload in the ack of an event.
func (ws *Workspace) eventDeliveryLocked(userID, channelID string, event obj) *delivery {
	d := &delivery{id: ws.envelopeIDLocked(), typ: TypeEventsAPI, user: userID, channel: channelID, kind: event["type"].(string)}
	d.payload, _ = json.Marshal(ws.eventPayloadLocked(event))
	return d
}

// OpenHome sends an app_home_opened event as if userID had opened the
// bot's Home tab (https://docs.slack.dev/reference/events/app_home_opened),
// and waits for the ack. As in Slack, the event carries the Home view when
// one has been published for the user.
func (ws *Workspace) OpenHome(ctx context.Context, userID string) (Ack, error) {
	return ws.openAppHome(ctx, userID, "home")
}

// OpenMessagesTab sends the app_home_opened event of userID opening the
// bot's Messages tab, and waits for the ack.
func (ws *Workspace) OpenMessagesTab(ctx context.Context, userID string) (Ack, error) {
	return ws.openAppHome(ctx, userID, "messages")
}

func (ws *Workspace) openAppHome(ctx context.Context, userID, tab string) (Ack, error) {
	ws.mu.Lock()
	u, ok := ws.users[userID]
	if !ok || u.IsBot {
		ws.mu.Unlock()
		return Ack{}, fmt.Errorf("%w: user %q", ErrNotFound, userID)
	}
	ch, _ := ws.openConversationLocked([]string{userID})
	event := obj{
		"type":     "app_home_opened",
		"user":     userID,
		"channel":  ch.ID,
		"tab":      tab,
		"event_ts": ws.newTSLocked(),
	}
	if v, ok := ws.homes[userID]; ok && tab == "home" {
		event["view"] = ws.viewJSON(v, nil)
	}
	d := ws.eventDeliveryLocked(userID, ch.ID, event)
	ws.mu.Unlock()
	return ws.sendDelivery(ctx, d)
}

// SendDM posts a message from userID in their direct message conversation
// with the bot (the bot's Messages tab), sends the message.im event
// (https://docs.slack.dev/reference/events/message.im) and waits for the
// ack. text is as Slack sends it: a mention is <@U…>, and &, < and > typed
// by the person are &amp;, &lt; and &gt;. It returns the message as
// stored, whose TS EditDM takes.
func (ws *Workspace) SendDM(ctx context.Context, userID, text string) (Message, Ack, error) {
	ws.mu.Lock()
	u, ok := ws.users[userID]
	if !ok || u.IsBot {
		ws.mu.Unlock()
		return Message{}, Ack{}, fmt.Errorf("%w: user %q", ErrNotFound, userID)
	}
	ch, _ := ws.openConversationLocked([]string{userID})
	m := &Message{Channel: ch.ID, TS: ws.newTSLocked(), User: userID, Text: text}
	ws.messages[ch.ID] = append(ws.messages[ch.ID], m)
	event := obj{
		"client_msg_id": ws.envelopeIDLocked(),
		"type":          "message",
		"text":          text,
		"user":          userID,
		"ts":            m.TS,
		"team":          ws.cfg.teamID,
		"channel":       ch.ID,
		"event_ts":      m.TS,
		"channel_type":  "im",
	}
	d := ws.eventDeliveryLocked(userID, ch.ID, event)
	stored := m.clone()
	ws.notifyLocked()
	ws.mu.Unlock()
	ack, err := ws.sendDelivery(ctx, d)
	return stored, ack, err
}

// EditDM changes the text of userID's message ts in their conversation
// with the bot, sends the message_changed event Slack sends for it
// (subtype message_changed, the new message in "message", the old in
// "previous_message") and waits for the ack.
func (ws *Workspace) EditDM(ctx context.Context, userID, ts, text string) (Ack, error) {
	ws.mu.Lock()
	id, ok := ws.convs[userID]
	var m *Message
	if ok {
		m = ws.findMessageLocked(id, ts)
	}
	if m == nil || m.User != userID {
		ws.mu.Unlock()
		return Ack{}, fmt.Errorf("%w: message %s from %q", ErrNotFound, ts, userID)
	}
	old := m.Text
	m.Text, m.Edited = text, true
	now := ws.newTSLocked()
	event := obj{
		"type":    "message",
		"subtype": "message_changed",
		"message": obj{
			"type": "message", "user": userID, "text": text, "ts": ts, "team": ws.cfg.teamID,
			"edited": obj{"user": userID, "ts": now},
		},
		"previous_message": obj{"type": "message", "user": userID, "text": old, "ts": ts, "team": ws.cfg.teamID},
		"channel":          id,
		"hidden":           true,
		"ts":               now,
		"event_ts":         now,
		"channel_type":     "im",
	}
	d := ws.eventDeliveryLocked(userID, id, event)
	ws.notifyLocked()
	ws.mu.Unlock()
	return ws.sendDelivery(ctx, d)
}

// echoLocked sends, when the app subscribes to message.im, the event of a
// message the bot posted in a direct message conversation, as Slack does:
// the bot hears its own messages and must not answer them. The envelope is
// recorded at once and sent in the background; its ack is in Deliveries.
func (ws *Workspace) echoLocked(ch *channel, m *Message, subtype string) {
	if ch.Kind != kindIM || !ws.cfg.events["message.im"] {
		return
	}
	event := ws.messageJSON(m, false)
	event["channel"] = ch.ID
	event["channel_type"] = "im"
	event["event_ts"] = m.TS
	if subtype != "" {
		now := ws.newTSLocked()
		event = obj{
			"type": "message", "subtype": subtype, "hidden": true, "message": event,
			"channel": ch.ID, "channel_type": "im", "ts": now, "event_ts": now,
		}
	}
	d := ws.eventDeliveryLocked(m.User, ch.ID, event)
	ws.deliveries[d.id] = d
	ws.deliveryOrder = append(ws.deliveryOrder, d.id)
	go func() {
		if err := ws.deliver(ws.ctx, d, 0, ""); err == nil {
			_, _ = ws.waitAck(ws.ctx, d.id, 0)
		}
	}()
}
