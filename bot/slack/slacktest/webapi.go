package slacktest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// obj is a JSON object under construction.
type obj = map[string]any

// apiError is a Slack error answer: HTTP 200 with "ok": false.
type apiError struct {
	code     string
	messages []string // response_metadata.messages, as Slack adds for invalid_arguments
}

func (e *apiError) Error() string { return e.code }

func slackErr(code string, messages ...string) error {
	return &apiError{code: code, messages: messages}
}

// tokenKind says which token a method accepts.
type tokenKind int

const (
	botToken tokenKind = iota
	appToken
)

// request is a decoded Web API request.
type request struct {
	method string
	params map[string]string
	auth   string // "bot", "app" or ""
	token  string
}

func (r *request) get(name string) string { return r.params[name] }

// handler answers one method with the workspace's lock held. It returns the
// fields to add next to "ok": true, or an *apiError.
type handler func(ws *Workspace, r *request) (obj, error)

type method struct {
	token tokenKind
	h     handler
}

var methods = map[string]method{
	"apps.connections.open": {appToken, (*Workspace).appsConnectionsOpen},
	"auth.test":             {botToken, (*Workspace).authTest},
	"views.open":            {botToken, (*Workspace).viewsOpen},
	"views.push":            {botToken, (*Workspace).viewsPush},
	"views.update":          {botToken, (*Workspace).viewsUpdate},
	"views.publish":         {botToken, (*Workspace).viewsPublish},
	"chat.postMessage":      {botToken, (*Workspace).chatPostMessage},
	"chat.postEphemeral":    {botToken, (*Workspace).chatPostEphemeral},
	"chat.update":           {botToken, (*Workspace).chatUpdate},
	"chat.delete":           {botToken, (*Workspace).chatDelete},
	"conversations.open":    {botToken, (*Workspace).conversationsOpen},
	"conversations.history": {botToken, (*Workspace).conversationsHistory},
	"users.info":            {botToken, (*Workspace).usersInfo},
}

// serveAPI answers /api/<method> as Slack does: errors are HTTP 200 with
// "ok": false, except rate limits (429) and injected server errors.
func (ws *Workspace) serveAPI(w http.ResponseWriter, hr *http.Request) {
	start := time.Now()
	name := strings.TrimPrefix(hr.URL.Path, "/api/")
	req, err := ws.decodeRequest(name, hr)
	if err != nil {
		ws.finish(w, req, start, http.StatusOK, nil, slackErr("invalid_form_data"))
		return
	}

	if f, ok := ws.takeFault(name); ok {
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-hr.Context().Done():
				return
			}
		}
		switch {
		case f.Status == http.StatusTooManyRequests:
			w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(f.RetryAfter)))
			ws.finish(w, req, start, http.StatusTooManyRequests, nil, slackErr("ratelimited"))
		case f.Status != 0 && f.Status != http.StatusOK:
			ws.finish(w, req, start, f.Status, nil, nil)
		case f.Error != "":
			ws.finish(w, req, start, http.StatusOK, nil, slackErr(f.Error))
		default:
			ws.answer(w, req, start)
		}
		return
	}
	ws.answer(w, req, start)
}

// answer runs the method's handler after checking the token and the rate limit.
func (ws *Workspace) answer(w http.ResponseWriter, req *request, start time.Time) {
	m, ok := methods[req.method]
	if !ok {
		ws.finish(w, req, start, http.StatusOK, nil, slackErr("unknown_method"))
		return
	}
	switch {
	case req.token == "":
		ws.finish(w, req, start, http.StatusOK, nil, slackErr("not_authed"))
		return
	case req.auth == "":
		ws.finish(w, req, start, http.StatusOK, nil, slackErr("invalid_auth"))
		return
	case (m.token == botToken) != (req.auth == "bot"):
		ws.finish(w, req, start, http.StatusOK, nil, slackErr("not_allowed_token_type"))
		return
	}
	if ws.limiter != nil {
		if wait, limited := ws.limiter.allow(req.method, req.get("channel"), time.Now()); limited {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
			ws.finish(w, req, start, http.StatusTooManyRequests, nil, slackErr("ratelimited"))
			return
		}
	}
	ws.mu.Lock()
	fields, err := m.h(ws, req)
	body, status, code := ws.encodeAnswer(http.StatusOK, fields, err)
	ws.recordLocked(Call{Method: req.method, Params: req.params, Auth: req.auth, Time: start, Status: status, Response: body, Error: code})
	ws.mu.Unlock()
	ws.write(w, status, body)
}

// finish answers without running a handler and records the call.
func (ws *Workspace) finish(w http.ResponseWriter, req *request, start time.Time, status int, fields obj, err error) {
	ws.mu.Lock()
	body, status, code := ws.encodeAnswer(status, fields, err)
	ws.recordLocked(Call{Method: req.method, Params: req.params, Auth: req.auth, Time: start, Status: status, Response: body, Error: code})
	ws.mu.Unlock()
	ws.write(w, status, body)
}

func (ws *Workspace) encodeAnswer(status int, fields obj, err error) (body []byte, _ int, code string) {
	if status >= 500 {
		return nil, status, ""
	}
	out := obj{"ok": true}
	if err != nil {
		ae, ok := err.(*apiError)
		if !ok {
			ae = &apiError{code: "internal_error"}
		}
		code = ae.code
		out = obj{"ok": false, "error": ae.code}
		if len(ae.messages) > 0 {
			out["response_metadata"] = obj{"messages": ae.messages}
		}
	} else {
		for k, v := range fields {
			out[k] = v
		}
	}
	body, _ = json.Marshal(out)
	return body, status, code
}

func (ws *Workspace) write(w http.ResponseWriter, status int, body []byte) {
	if status >= 500 {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "<html><body>Internal Server Error</body></html>")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// decodeRequest reads the parameters from the query string and from a form
// or JSON body, and the token from the Authorization header or the token
// parameter.
func (ws *Workspace) decodeRequest(name string, hr *http.Request) (*request, error) {
	req := &request{method: name, params: map[string]string{}}
	for k, v := range hr.URL.Query() {
		req.params[k] = v[0]
	}
	body, err := io.ReadAll(io.LimitReader(hr.Body, 4<<20))
	if err != nil {
		return req, err
	}
	ctype, _, _ := mime.ParseMediaType(hr.Header.Get("Content-Type"))
	switch {
	case len(bytes.TrimSpace(body)) == 0:
	case ctype == "application/json":
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return req, err
		}
		for k, raw := range fields {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				req.params[k] = s
			} else {
				req.params[k] = string(raw)
			}
		}
	default:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return req, err
		}
		for k, v := range form {
			req.params[k] = v[0]
		}
	}
	req.token = req.params["token"]
	delete(req.params, "token")
	if h := hr.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		req.token = strings.TrimPrefix(h, "Bearer ")
	}
	switch req.token {
	case "":
	case ws.cfg.botToken:
		req.auth = "bot"
	case ws.cfg.appToken:
		req.auth = "app"
	}
	return req, nil
}

// retryAfterSeconds renders d as Retry-After's whole seconds, at least one:
// slack-go parses the header as an integer.
func retryAfterSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

// tzOffset returns the zone's offset from UTC in seconds at t.
func tzOffset(tz string, t time.Time) int {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return 0
	}
	_, off := t.In(loc).Zone()
	return off
}

// appsConnectionsOpen issues a single-use WebSocket URL.
func (ws *Workspace) appsConnectionsOpen(_ *request) (obj, error) {
	ticket := ws.randomHexLocked(16)
	ws.tickets[ticket] = true
	wsURL := "ws" + strings.TrimPrefix(ws.baseURL, "http") + "/link/?ticket=" + ticket + "&app_id=" + ws.cfg.appID
	return obj{"url": wsURL}, nil
}

// authTest reports who the bot token belongs to.
func (ws *Workspace) authTest(_ *request) (obj, error) {
	return obj{
		"url":                   "https://" + ws.cfg.teamDomain + ".slack.com/",
		"team":                  ws.cfg.teamName,
		"user":                  ws.cfg.botName,
		"team_id":               ws.cfg.teamID,
		"user_id":               ws.cfg.botUserID,
		"bot_id":                ws.cfg.botID,
		"is_enterprise_install": false,
	}, nil
}

// usersInfo returns a user.
func (ws *Workspace) usersInfo(r *request) (obj, error) {
	u, ok := ws.users[r.get("user")]
	if !ok {
		return nil, slackErr("user_not_found")
	}
	return obj{"user": ws.userJSON(u)}, nil
}
