package slacktest

import (
	"encoding/json"
	"strings"
)

// resolveChannelLocked finds the conversation a message goes to. A user ID
// stands for the bot's direct message channel with that user, as in Slack.
func (ws *Workspace) resolveChannelLocked(id string) (*channel, error) {
	if id == "" {
		return nil, slackErr("channel_not_found")
	}
	if ch, ok := ws.channels[id]; ok {
		return ch, nil
	}
	if u, ok := ws.users[id]; ok && !u.IsBot {
		ch, _ := ws.openConversationLocked([]string{id})
		return ch, nil
	}
	return nil, slackErr("channel_not_found")
}

// messageContent is what chat.postMessage, chat.postEphemeral and
// chat.update share: text, blocks and metadata.
type messageContent struct {
	text     string
	blocks   json.RawMessage
	metadata json.RawMessage
	hasText  bool
	hasBlock bool
}

func (ws *Workspace) parseContentLocked(r *request) (messageContent, error) {
	var c messageContent
	c.text, c.hasText = r.params["text"]
	c.text = ws.checkTextLocked(r.method, c.text)
	if s, ok := r.params["blocks"]; ok && s != "" {
		var blocks []any
		if err := decodeJSON(s, &blocks); err != nil {
			return c, slackErr("invalid_blocks", "[ERROR] failed to parse blocks [json-pointer:/blocks]")
		}
		if err := ws.checkBlocksLocked(r.method, "invalid_blocks", "/blocks", blocks, maxMessageBlocks); err != nil {
			return c, err
		}
		if err := ws.fillBlockIDsLocked(blocks, "/blocks"); err != nil {
			return c, err
		}
		c.blocks, _ = json.Marshal(blocks)
		c.hasBlock = true
	}
	if s := r.params["metadata"]; s != "" {
		var md struct {
			EventType    string         `json:"event_type"`
			EventPayload map[string]any `json:"event_payload"`
		}
		if err := decodeJSON(s, &md); err != nil || md.EventType == "" || md.EventPayload == nil {
			return c, slackErr("invalid_metadata_format")
		}
		c.metadata = json.RawMessage(s)
	}
	if c.text == "" && !c.hasBlock && r.params["attachments"] == "" {
		return c, slackErr("no_text")
	}
	return c, nil
}

// messageJSON renders m as Slack's message object: the bot's messages
// carry its bot_id and bot_profile, a person's do not.
func (ws *Workspace) messageJSON(m *Message, withMetadata bool) obj {
	out := obj{
		"type":   "message",
		"user":   m.User,
		"text":   m.Text,
		"team":   ws.cfg.teamID,
		"ts":     m.TS,
		"blocks": json.RawMessage("[]"),
	}
	if m.User == ws.cfg.botUserID {
		out["bot_id"] = ws.cfg.botID
		out["app_id"] = ws.cfg.appID
		out["bot_profile"] = obj{
			"id": ws.cfg.botID, "app_id": ws.cfg.appID, "name": ws.cfg.botName,
			"deleted": false, "team_id": ws.cfg.teamID,
		}
	}
	if m.Blocks != nil {
		out["blocks"] = m.Blocks
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if m.Edited {
		out["edited"] = obj{"user": m.User, "ts": m.TS}
	}
	if withMetadata && m.Metadata != nil {
		out["metadata"] = m.Metadata
	}
	return out
}

// chatPostMessage posts a message as the bot.
func (ws *Workspace) chatPostMessage(r *request) (obj, error) {
	ch, err := ws.resolveChannelLocked(r.get("channel"))
	if err != nil {
		return nil, err
	}
	c, err := ws.parseContentLocked(r)
	if err != nil {
		return nil, err
	}
	m := ws.postLocked(ch.ID, r.get("thread_ts"), c)
	ws.echoLocked(ch, m, "")
	return obj{"channel": ch.ID, "ts": m.TS, "message": ws.messageJSON(m, true)}, nil
}

func (ws *Workspace) postLocked(channelID, threadTS string, c messageContent) *Message {
	m := &Message{
		Channel: channelID, TS: ws.newTSLocked(), ThreadTS: threadTS,
		User: ws.cfg.botUserID, Text: c.text, Blocks: c.blocks, Metadata: c.metadata,
	}
	ws.messages[channelID] = append(ws.messages[channelID], m)
	return m
}

// chatPostEphemeral shows a message to one user in a channel.
func (ws *Workspace) chatPostEphemeral(r *request) (obj, error) {
	ch, err := ws.resolveChannelLocked(r.get("channel"))
	if err != nil {
		return nil, err
	}
	user := r.get("user")
	if _, ok := ws.users[user]; !ok {
		return nil, slackErr("user_not_found")
	}
	c, err := ws.parseContentLocked(r)
	if err != nil {
		return nil, err
	}
	ts := ws.newTSLocked()
	ws.ephemerals = append(ws.ephemerals, EphemeralMessage{
		Channel: ch.ID, User: user, MessageTS: ts, Text: c.text, Blocks: c.blocks, Source: "chat.postEphemeral",
	})
	return obj{"message_ts": ts}, nil
}

// chatUpdate edits one of the bot's messages by channel and ts.
func (ws *Workspace) chatUpdate(r *request) (obj, error) {
	ch, err := ws.resolveChannelLocked(r.get("channel"))
	if err != nil {
		return nil, err
	}
	m := ws.findMessageLocked(ch.ID, r.get("ts"))
	if m == nil {
		return nil, slackErr("message_not_found")
	}
	if m.User != ws.cfg.botUserID {
		return nil, slackErr("cant_update_message")
	}
	c, err := ws.parseContentLocked(r)
	if err != nil {
		return nil, err
	}
	m.Text = c.text
	if c.hasBlock {
		m.Blocks = c.blocks
	}
	if c.metadata != nil {
		m.Metadata = c.metadata
	}
	m.Edited = true
	ws.echoLocked(ch, m, "message_changed")
	return obj{"channel": ch.ID, "ts": m.TS, "text": m.Text, "message": ws.messageJSON(m, true)}, nil
}

// chatDelete deletes one of the bot's messages by channel and ts.
func (ws *Workspace) chatDelete(r *request) (obj, error) {
	ch, err := ws.resolveChannelLocked(r.get("channel"))
	if err != nil {
		return nil, err
	}
	m := ws.findMessageLocked(ch.ID, r.get("ts"))
	if m == nil {
		return nil, slackErr("message_not_found")
	}
	if m.User != ws.cfg.botUserID {
		return nil, slackErr("cant_delete_message")
	}
	msgs := ws.messages[ch.ID]
	for i := range msgs {
		if msgs[i] == m {
			ws.messages[ch.ID] = append(msgs[:i:i], msgs[i+1:]...)
			break
		}
	}
	return obj{"channel": ch.ID, "ts": m.TS}, nil
}

func (ws *Workspace) findMessageLocked(channelID, ts string) *Message {
	for _, m := range ws.messages[channelID] {
		if m.TS == ts {
			return m
		}
	}
	return nil
}

// conversationsOpen opens (or finds) the IM with one user or the MPIM with
// two to eight, the bot being the other member.
func (ws *Workspace) conversationsOpen(r *request) (obj, error) {
	returnIM := r.get("return_im") == "true" || r.get("return_im") == "1"
	if id := r.get("channel"); id != "" {
		ch, ok := ws.channels[id]
		if !ok {
			return nil, slackErr("channel_not_found")
		}
		return obj{"channel": ws.conversationJSON(ch, returnIM)}, nil
	}
	var users []string
	for _, u := range strings.Split(r.get("users"), ",") {
		if u = strings.TrimSpace(u); u != "" && u != ws.cfg.botUserID {
			users = append(users, u)
		}
	}
	switch {
	case len(users) == 0:
		return nil, slackErr("users_list_not_supplied")
	case len(users) > 8:
		return nil, slackErr("too_many_users")
	}
	for _, u := range users {
		if _, ok := ws.users[u]; !ok {
			return nil, slackErr("user_not_found")
		}
	}
	// Slack will not open a conversation with a deactivated account.
	for _, u := range users {
		if ws.users[u].Deleted {
			return nil, slackErr("user_disabled")
		}
	}
	ch, created := ws.openConversationLocked(users)
	out := obj{"channel": ws.conversationJSON(ch, returnIM)}
	if !created {
		out["no_op"] = true
		out["already_open"] = true
	}
	return out, nil
}

// conversationJSON renders a conversation: only its ID unless full is set.
func (ws *Workspace) conversationJSON(ch *channel, full bool) obj {
	if !full {
		return obj{"id": ch.ID}
	}
	out := obj{
		"id":                   ch.ID,
		"created":              ch.Created,
		"is_im":                ch.Kind == kindIM,
		"is_mpim":              ch.Kind == kindMPIM,
		"is_channel":           ch.Kind == kindChannel,
		"is_org_shared":        false,
		"last_read":            "0000000000.000000",
		"latest":               nil,
		"unread_count":         0,
		"unread_count_display": 0,
		"is_open":              true,
		"priority":             0,
	}
	switch ch.Kind {
	case kindIM:
		out["user"] = ch.Members[0]
	case kindMPIM:
		out["name"] = ch.Name
		out["is_group"] = false
		out["members"] = append([]string{ws.cfg.botUserID}, ch.Members...)
	default:
		out["name"] = ch.Name
	}
	return out
}
