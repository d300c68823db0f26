package slacktest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// responseTarget is where a response_url's messages go.
type responseTarget struct {
	user      string
	channel   string
	messageTS string // the message a block_actions came from, for replace_original
	ephemeral bool   // the message is an ephemeral one, shown to user alone
}

// responseMessage is a message sent to a response_url or in a slash
// command's ack.
type responseMessage struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
	ThreadTS        string          `json:"thread_ts"`
}

func (ws *Workspace) newResponseURLLocked(kind string, t responseTarget) string {
	id := ws.randomHexLocked(24)
	ws.responses[id] = t
	return ws.baseURL + "/respond/" + kind + "/" + ws.cfg.teamID + "/" + id
}

// serveResponseURL accepts posts to the response_urls the workspace issued
// and records them as calls of method "response_url".
func (ws *Workspace) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	params := map[string]string{}
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(body, &fields)
	for k, raw := range fields {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			params[k] = s
		} else {
			params[k] = string(raw)
		}
	}

	ws.mu.Lock()
	t, ok := ws.responses[id]
	var msg responseMessage
	status, code := http.StatusOK, ""
	switch {
	case !ok:
		status, code = http.StatusNotFound, "invalid_response_url"
	case json.Unmarshal(body, &msg) != nil:
		status, code = http.StatusBadRequest, "invalid_payload"
	case ws.checkResponseLocked("response_url", &msg) != nil:
		status, code = http.StatusBadRequest, "invalid_blocks"
	default:
		ws.showResponseLocked(t, msg, "response_url")
	}
	resp := []byte(`{"ok":true}`)
	if code != "" {
		resp, _ = json.Marshal(obj{"ok": false, "error": code})
	}
	ws.recordLocked(Call{Method: "response_url", Params: params, Time: start, Status: status, Response: resp, Error: code})
	ws.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(resp)
}

// showResponseLocked gives a response message its effect: replace or delete
// the original message, post in the channel, or show it to the user alone.
func (ws *Workspace) showResponseLocked(t responseTarget, msg responseMessage, source string) {
	if string(msg.Blocks) == "null" {
		msg.Blocks = nil
	}
	if t.ephemeral && (msg.ReplaceOriginal || msg.DeleteOriginal) {
		for i := range ws.ephemerals {
			e := &ws.ephemerals[i]
			if e.User != t.user || e.MessageTS != t.messageTS {
				continue
			}
			if msg.DeleteOriginal {
				ws.ephemerals = append(ws.ephemerals[:i:i], ws.ephemerals[i+1:]...)
			} else {
				e.Text, e.Blocks, e.Source = msg.Text, msg.Blocks, source
			}
			return
		}
		return
	}
	if t.messageTS != "" && (msg.ReplaceOriginal || msg.DeleteOriginal) {
		list := ws.messages[t.channel]
		for i, m := range list {
			if m.TS != t.messageTS {
				continue
			}
			if msg.DeleteOriginal {
				ws.messages[t.channel] = append(list[:i:i], list[i+1:]...)
			} else {
				m.Text, m.Blocks, m.Edited = msg.Text, msg.Blocks, true
			}
			return
		}
		return
	}
	if msg.Text == "" && msg.Blocks == nil {
		return
	}
	if msg.ResponseType == "in_channel" {
		ws.postLocked(t.channel, msg.ThreadTS, messageContent{text: msg.Text, blocks: msg.Blocks})
		return
	}
	// Slack gives ephemeral messages a timestamp too; a click on one of
	// their buttons names it in the container.
	ws.ephemerals = append(ws.ephemerals, EphemeralMessage{
		Channel: t.channel, User: t.user, MessageTS: ws.newTSLocked(), Text: msg.Text, Blocks: msg.Blocks, Source: source,
	})
}
