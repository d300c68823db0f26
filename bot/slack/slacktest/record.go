package slacktest

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// Call is one Web API request the workspace answered, as recorded.
type Call struct {
	// Method is the API method ("chat.postMessage"), or "response_url" for a
	// post to a response_url.
	Method string
	// Params holds the decoded parameters, without the token. Strings are
	// unquoted; JSON objects and arrays (view, blocks, metadata) keep their
	// JSON text, whether they came as a form field or in a JSON body.
	Params map[string]string
	// Auth is "bot", "app" or "" (no or unknown token).
	Auth string
	// Time is when the request arrived, on the real clock.
	Time time.Time
	// Status is the HTTP status code of the answer.
	Status int
	// Response is the JSON body of the answer (nil for a 500).
	Response json.RawMessage
	// Error is the Slack error code when the answer had "ok": false.
	Error string
}

// OK reports whether the call succeeded ("ok": true with HTTP 200).
func (c Call) OK() bool { return c.Status == 200 && c.Error == "" }

// Decode unmarshals the call's response body into v.
func (c Call) Decode(v any) error { return json.Unmarshal(c.Response, v) }

// Calls returns every recorded call, oldest first.
func (ws *Workspace) Calls() []Call {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	out := make([]Call, len(ws.calls))
	for i, c := range ws.calls {
		out[i] = c.clone()
	}
	return out
}

// CallsTo returns the recorded calls of one method, oldest first.
func (ws *Workspace) CallsTo(method string) []Call {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	var out []Call
	for _, c := range ws.calls {
		if c.Method == method {
			out = append(out, c.clone())
		}
	}
	return out
}

// WaitForCall returns the first recorded call of method for which match
// returns true (a nil match accepts any), waiting for it if no such call has
// been made yet. Calls made before WaitForCall count, so a test cannot miss
// a call that was quicker than the test.
func (ws *Workspace) WaitForCall(ctx context.Context, method string, match func(Call) bool) (Call, error) {
	var found Call
	err := ws.waitLocked(ctx, func() bool {
		for _, c := range ws.calls {
			if c.Method == method && (match == nil || match(c.clone())) {
				found = c.clone()
				return true
			}
		}
		return false
	})
	return found, err
}

func (c Call) clone() Call {
	c.Params = maps.Clone(c.Params)
	c.Response = slices.Clone(c.Response)
	return c
}

func (ws *Workspace) recordLocked(c Call) {
	ws.calls = append(ws.calls, c)
	ws.notifyLocked()
}

// Message is a message in a conversation: one the bot posted (or
// updated), or one a person sent it (SendDM).
type Message struct {
	// Channel is the conversation ID (C..., D... or G...).
	Channel string
	// TS is the message timestamp, its ID within the channel.
	TS string
	// ThreadTS is the parent's timestamp for a reply in a thread.
	ThreadTS string
	// User is the author's user ID (the bot's, or the person's).
	User string
	// Text is the message text.
	Text string
	// Blocks is the JSON array of Block Kit blocks, with block_ids filled in.
	Blocks json.RawMessage
	// Metadata is the message metadata object (event_type, event_payload).
	Metadata json.RawMessage
	// Edited reports whether chat.update changed the message.
	Edited bool
}

func (m Message) clone() Message {
	m.Blocks = slices.Clone(m.Blocks)
	m.Metadata = slices.Clone(m.Metadata)
	return m
}

// Messages returns the messages in a channel, oldest first.
func (ws *Workspace) Messages(channelID string) []Message {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	out := make([]Message, 0, len(ws.messages[channelID]))
	for _, m := range ws.messages[channelID] {
		out = append(out, m.clone())
	}
	return out
}

// DMs returns the messages the bot sent to userID in their direct message
// channel, oldest first.
func (ws *Workspace) DMs(userID string) []Message {
	id, ok := ws.IMChannel(userID)
	if !ok {
		return nil
	}
	var out []Message
	for _, m := range ws.Messages(id) {
		if m.User == ws.cfg.botUserID {
			out = append(out, m)
		}
	}
	return out
}

// EphemeralMessage is a message only one user could see: from
// chat.postEphemeral, from a slash command's ack, or from a response_url.
type EphemeralMessage struct {
	// Channel is where the user saw the message.
	Channel string
	// User is the only user who saw it.
	User string
	// MessageTS is the timestamp chat.postEphemeral returned, if any.
	MessageTS string
	// Text is the message text.
	Text string
	// Blocks is the JSON array of blocks, if any.
	Blocks json.RawMessage
	// Source is "chat.postEphemeral", "ack" or "response_url".
	Source string
}

// Ephemerals returns the ephemeral messages userID saw, oldest first.
func (ws *Workspace) Ephemerals(userID string) []EphemeralMessage {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	var out []EphemeralMessage
	for _, e := range ws.ephemerals {
		if e.User == userID {
			e.Blocks = slices.Clone(e.Blocks)
			out = append(out, e)
		}
	}
	return out
}

// LastEphemeral returns the latest ephemeral message userID saw.
func (ws *Workspace) LastEphemeral(userID string) (EphemeralMessage, bool) {
	all := ws.Ephemerals(userID)
	if len(all) == 0 {
		return EphemeralMessage{}, false
	}
	return all[len(all)-1], true
}
