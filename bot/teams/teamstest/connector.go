package teamstest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// connError is a Connector error answer, {"error":{"code","message"}}.
type connError struct {
	status  int
	code    string
	message string
	subCode string
}

func (e *connError) body() map[string]any {
	inner := map[string]any{"code": e.code, "message": e.message}
	if e.subCode != "" {
		inner["subCode"] = e.subCode
	}
	return map[string]any{"error": inner}
}

func cerr(status int, code, format string, args ...any) *connError {
	return &connError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// route is a decoded Connector path.
type route struct {
	op       string
	kind     string // create, send, reply, update, delete, members, member, paged, team, channels
	conv     string // conversation or team ID, as in the path
	activity string // activity ID or user ID in the path
}

func parseRoute(method string, u *url.URL) route {
	var segs []string
	for _, p := range strings.Split(strings.TrimPrefix(u.EscapedPath(), "/teams/"), "/") {
		v, err := url.PathUnescape(p)
		if err != nil {
			return route{op: "unknown"}
		}
		segs = append(segs, v)
	}
	if len(segs) > 0 && segs[len(segs)-1] == "" {
		segs = segs[:len(segs)-1]
	}
	n := len(segs)
	if n < 2 || segs[0] != "v3" {
		return route{op: "unknown"}
	}
	switch {
	case segs[1] == "conversations" && n == 2 && method == http.MethodPost:
		return route{op: "create", kind: "create"}
	case segs[1] == "conversations" && n == 4 && segs[3] == "activities" && method == http.MethodPost:
		return route{op: "send", kind: "send", conv: segs[2]}
	case segs[1] == "conversations" && n == 5 && segs[3] == "activities":
		r := route{conv: segs[2], activity: segs[4]}
		switch method {
		case http.MethodPost:
			r.op, r.kind = "send", "reply"
		case http.MethodPut:
			r.op, r.kind = "update", "update"
		case http.MethodDelete:
			r.op, r.kind = "delete", "delete"
		default:
			return route{op: "unknown"}
		}
		return r
	case segs[1] == "conversations" && n == 6 && segs[3] == "activities" && segs[5] == "members" && method == http.MethodGet:
		return route{op: "members", kind: "activitymembers", conv: segs[2], activity: segs[4]}
	case segs[1] == "conversations" && n == 4 && segs[3] == "members" && method == http.MethodGet:
		return route{op: "members", kind: "members", conv: segs[2]}
	case segs[1] == "conversations" && n == 5 && segs[3] == "members" && method == http.MethodGet:
		return route{op: "members", kind: "member", conv: segs[2], activity: segs[4]}
	case segs[1] == "conversations" && n == 4 && segs[3] == "pagedmembers" && method == http.MethodGet:
		return route{op: "members", kind: "paged", conv: segs[2]}
	case segs[1] == "teams" && n == 3 && method == http.MethodGet:
		return route{op: "teams", kind: "team", conv: segs[2]}
	case segs[1] == "teams" && n == 4 && segs[3] == "conversations" && method == http.MethodGet:
		return route{op: "teams", kind: "channels", conv: segs[2]}
	}
	return route{op: "unknown"}
}

// serveConnector answers the Bot Connector REST API under ServiceURL.
func (s *Server) serveConnector(w http.ResponseWriter, r *http.Request) {
	c := &call{at: time.Now()}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return
	}
	c.body = body
	rt := parseRoute(r.Method, r.URL)
	c.op, c.conv = rt.op, rt.conv
	fail := func(e *connError, header func()) {
		if header != nil {
			header()
		}
		s.answer(w, r, c, e.status, e.body(), &errorInfo{code: e.code})
	}
	if rt.op == "unknown" {
		fail(cerr(http.StatusNotFound, "NotFound", "No such Connector operation: %s %s", r.Method, r.URL.Path), nil)
		return
	}
	if err := s.checkBearer(r); err != nil {
		fail(&connError{status: http.StatusUnauthorized, code: "Unauthorized", message: err.Error()}, nil)
		return
	}
	scale := 1.0
	if s.limiter != nil {
		scale = s.limiter.scale
	}
	if f, ok := s.takeFault(rt.op, rt.conv); ok {
		fail(cerr(f.status, faultCode(f.status), "Injected failure (%d).", f.status), func() {
			if f.retryAfter > 0 {
				w.Header().Set("Retry-After", retryAfterHeader(time.Duration(float64(f.retryAfter)*scale), scale))
			}
		})
		return
	}
	if s.limiter != nil {
		key := baseConv(rt.conv)
		if rt.kind == "create" {
			var p schema.ConversationParameters
			if json.Unmarshal(body, &p) == nil && len(p.Members) > 0 {
				key = p.Members[0].ID
			}
		}
		if wait, limited := s.limiter.allow(rt.op, key, time.Now()); limited {
			s.mu.Lock()
			s.limited++
			s.mu.Unlock()
			fail(cerr(http.StatusTooManyRequests, "Throttled", "Too many requests; retry after the Retry-After interval."), func() {
				w.Header().Set("Retry-After", retryAfterHeader(wait, scale))
			})
			return
		}
	}
	if (rt.op == "send" || rt.op == "update" || rt.op == "create") && len(body) > MaxActivityBytes {
		fail(cerr(http.StatusRequestEntityTooLarge, "MessageSizeTooBig", "Message size %d bytes is over the limit of %d bytes.", len(body), MaxActivityBytes), nil)
		return
	}
	s.mu.Lock()
	status, out, e := s.handleLocked(rt, r, body)
	s.mu.Unlock()
	if e != nil {
		fail(e, nil)
		return
	}
	if created, ok := out.(schema.ConversationResourceResponse); ok {
		c.conv = created.ID
	}
	s.answer(w, r, c, status, out, nil)
}

// baseConv strips a channel thread suffix (";messageid=…").
func baseConv(id string) string {
	base, _, _ := strings.Cut(id, ";messageid=")
	return base
}

// handleLocked runs one Connector operation with s.mu held.
func (s *Server) handleLocked(rt route, r *http.Request, body []byte) (int, any, *connError) {
	switch rt.kind {
	case "create":
		return s.createLocked(body)
	case "send", "reply":
		conv, thread, e := s.writableLocked(rt.conv)
		if e != nil {
			return 0, nil, e
		}
		if rt.kind == "reply" && conv.channel != nil && thread == "" {
			thread = rt.activity
		}
		act, e := decodeActivity(body)
		if e != nil {
			return 0, nil, e
		}
		id, e := s.postLocked(conv, thread, rt.activity, act)
		if e != nil {
			return 0, nil, e
		}
		return http.StatusOK, schema.ResourceResponse{ID: id}, nil
	case "update":
		conv, _, e := s.writableLocked(rt.conv)
		if e != nil {
			return 0, nil, e
		}
		m := findMessage(conv, rt.activity)
		if m == nil {
			return 0, nil, cerr(http.StatusNotFound, "ActivityNotFoundInConversation", "The activity %s was not found in the conversation.", rt.activity)
		}
		act, e := decodeActivity(body)
		if e != nil {
			return 0, nil, e
		}
		s.checkCardsLocked(act)
		act.ID = m.id
		act.Conversation = &schema.ConversationAccount{ID: rt.conv}
		m.activity = *act
		m.updated = true
		m.overrides = nil
		s.notifyLocked()
		return http.StatusOK, schema.ResourceResponse{ID: m.id}, nil
	case "delete":
		conv, _, e := s.convLocked(rt.conv)
		if e != nil {
			return 0, nil, e
		}
		m := findMessage(conv, rt.activity)
		if m == nil {
			return 0, nil, cerr(http.StatusNotFound, "ActivityNotFoundInConversation", "The activity %s was not found in the conversation.", rt.activity)
		}
		m.deleted = true
		s.notifyLocked()
		return http.StatusOK, nil, nil
	case "activitymembers":
		conv, _, e := s.convLocked(rt.conv)
		if e != nil {
			return 0, nil, e
		}
		if findMessage(conv, rt.activity) == nil {
			return 0, nil, cerr(http.StatusNotFound, "ActivityNotFoundInConversation", "The activity %s was not found in the conversation.", rt.activity)
		}
		rt.kind = "members"
		return s.membersLocked(rt, r.URL.Query())
	case "members", "member", "paged":
		return s.membersLocked(rt, r.URL.Query())
	case "team", "channels":
		t := s.findTeamLocked(rt.conv)
		if t == nil {
			return 0, nil, cerr(http.StatusNotFound, "NotFound", "Team not found.")
		}
		if !t.installed {
			return 0, nil, cerr(http.StatusForbidden, "BotNotInConversationRoster", "The bot is not part of the conversation roster.")
		}
		if rt.kind == "team" {
			return http.StatusOK, schema.TeamDetails{ID: t.ID, Name: t.Name, AADGroupID: t.AADGroupID}, nil
		}
		list := make([]map[string]any, 0, len(t.channels))
		for i, ch := range t.channels {
			var name any = ch.Name
			if i == 0 {
				name = nil // Teams reports General's name as null
			}
			list = append(list, map[string]any{"id": ch.ID, "name": name})
		}
		return http.StatusOK, map[string]any{"conversations": list}, nil
	}
	return 0, nil, cerr(http.StatusNotFound, "NotFound", "No such operation.")
}

func decodeActivity(body []byte) (*schema.Activity, *connError) {
	var act schema.Activity
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&act); err != nil {
		return nil, cerr(http.StatusBadRequest, "BadSyntax", "The activity is not valid JSON: %v", err)
	}
	if act.Type == "" {
		return nil, cerr(http.StatusBadRequest, "BadArgument", "The activity has no type.")
	}
	return &act, nil
}

// convLocked finds the conversation of a path ID and the thread it names.
func (s *Server) convLocked(id string) (*conversation, string, *connError) {
	base, thread, _ := strings.Cut(id, ";messageid=")
	conv := s.convs[base]
	if conv == nil {
		return nil, "", cerr(http.StatusNotFound, "ConversationNotFound", "Conversation not found.")
	}
	return conv, thread, nil
}

// writableLocked finds a conversation the bot may post in now.
func (s *Server) writableLocked(id string) (*conversation, string, *connError) {
	conv, thread, e := s.convLocked(id)
	if e != nil {
		return nil, "", e
	}
	switch {
	case conv.user != nil && s.blocked[conv.user.ID]:
		return nil, "", &connError{status: http.StatusForbidden, code: "MessageWritesBlocked", subCode: "MessageWritesBlocked", message: "The user blocked the conversation with the bot."}
	case conv.user != nil && !s.reachableLocked(conv.user):
		return nil, "", &connError{status: http.StatusForbidden, code: "BotNotInConversationRoster", subCode: "MessageWritesBlocked", message: "The bot is not installed for this user."}
	case conv.channel != nil && !conv.channel.Team.installed:
		return nil, "", &connError{status: http.StatusForbidden, code: "BotNotInConversationRoster", subCode: "MessageWritesBlocked", message: "The bot is not part of the conversation roster."}
	}
	return conv, thread, nil
}

// postLocked stores an activity the bot sent and returns its ID.
func (s *Server) postLocked(conv *conversation, thread, replyTo string, act *schema.Activity) (string, *connError) {
	if act.Type == schema.TypeTyping {
		return "", nil
	}
	if act.Type != schema.TypeMessage {
		return "", cerr(http.StatusBadRequest, "BadArgument", "Unsupported activity type %q.", act.Type)
	}
	s.checkCardsLocked(act)
	m := &message{id: s.nextIDLocked(), thread: thread, replyTo: replyTo}
	act.ID = m.id
	if act.ReplyToID == "" {
		act.ReplyToID = replyTo
	}
	convID := conv.id
	if thread != "" {
		convID += ";messageid=" + thread
	}
	act.Conversation = &schema.ConversationAccount{ID: convID}
	act.Timestamp = s.now().UTC().Format(time.RFC3339Nano)
	m.activity = *act
	conv.messages = append(conv.messages, m)
	s.notifyLocked()
	return m.id, nil
}

func findMessage(conv *conversation, id string) *message {
	for _, m := range conv.messages {
		if m.id == id && !m.deleted {
			return m
		}
	}
	return nil
}

// createLocked answers POST /v3/conversations.
func (s *Server) createLocked(body []byte) (int, any, *connError) {
	var p schema.ConversationParameters
	if err := json.Unmarshal(body, &p); err != nil {
		return 0, nil, cerr(http.StatusBadRequest, "BadSyntax", "The conversation parameters are not valid JSON: %v", err)
	}
	tenant := p.TenantID
	if p.ChannelData != nil && p.ChannelData.Tenant != nil && p.ChannelData.Tenant.ID != "" {
		tenant = p.ChannelData.Tenant.ID
	}
	switch {
	case p.IsGroup:
		return 0, nil, cerr(http.StatusBadRequest, "BadArgument", "Incorrect conversation creation parameters: a bot cannot create a group chat or a channel in Teams.")
	case len(p.Members) != 1:
		return 0, nil, cerr(http.StatusBadRequest, "BadArgument", "Incorrect conversation creation parameters: a one-to-one conversation needs exactly one member, got %d.", len(p.Members))
	case p.Bot != nil && p.Bot.ID != "" && p.Bot.ID != s.BotID():
		return 0, nil, cerr(http.StatusBadRequest, "BadArgument", "The bot ID does not match the authenticated bot.")
	case tenant == "":
		return 0, nil, cerr(http.StatusBadRequest, "BadArgument", "Tenant ID is required: set channelData.tenant.id.")
	case tenant != s.cfg.tenantID:
		return 0, nil, cerr(http.StatusForbidden, "Forbidden", "The bot is not allowed in tenant %s.", tenant)
	}
	var u *User
	for _, cand := range s.users {
		if cand.ID == p.Members[0].ID {
			u = cand
		}
	}
	if u == nil {
		return 0, nil, cerr(http.StatusBadRequest, "BadArgument", "Invalid user identity in provided tenant (Teams needs the user's 29: ID; UPNs and emails are not supported).")
	}
	if !s.reachableLocked(u) {
		return 0, nil, cerr(http.StatusForbidden, "Forbidden", "The app is not installed for the user or in any team the user belongs to.")
	}
	conv := s.chatLocked(u)
	resp := schema.ConversationResourceResponse{ID: conv.id}
	if p.Activity != nil {
		if s.blocked[u.ID] {
			return 0, nil, &connError{status: http.StatusForbidden, code: "MessageWritesBlocked", subCode: "MessageWritesBlocked", message: "The user blocked the conversation with the bot."}
		}
		id, e := s.postLocked(conv, "", "", p.Activity)
		if e != nil {
			return 0, nil, e
		}
		resp.ActivityID = id
	}
	s.notifyLocked()
	return http.StatusCreated, resp, nil
}

// membersLocked answers the member reads.
func (s *Server) membersLocked(rt route, q url.Values) (int, any, *connError) {
	conv, _, e := s.convLocked(rt.conv)
	if e != nil {
		return 0, nil, e
	}
	var list []*User
	switch {
	case conv.user != nil:
		if !s.reachableLocked(conv.user) {
			return 0, nil, cerr(http.StatusForbidden, "BotNotInConversationRoster", "The bot is not part of the conversation roster.")
		}
		list = []*User{conv.user}
	case conv.channel != nil:
		if !conv.channel.Team.installed {
			return 0, nil, cerr(http.StatusForbidden, "BotNotInConversationRoster", "The bot is not part of the conversation roster.")
		}
		list = conv.channel.Team.members
	}
	switch rt.kind {
	case "member":
		for _, u := range list {
			if u.ID == rt.activity || strings.EqualFold(u.UPN, rt.activity) || strings.EqualFold(u.ObjectID, rt.activity) {
				return http.StatusOK, s.member(u), nil
			}
		}
		return 0, nil, cerr(http.StatusNotFound, "MemberNotFoundInConversation", "The member was not found in the conversation.")
	case "paged":
		size := 0
		if v := q.Get("pageSize"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return 0, nil, cerr(http.StatusBadRequest, "BadArgument", "pageSize is not a number.")
			}
			size = n
		}
		size = min(max(size, 50), 500)
		start := 0
		if tok := q.Get("continuationToken"); tok != "" {
			n, ok := decodeContinuation(tok, rt.conv)
			if !ok || n > len(list) {
				return 0, nil, cerr(http.StatusBadRequest, "BadArgument", "The continuation token is not valid.")
			}
			start = n
		}
		end := min(start+size, len(list))
		page := schema.PagedMembersResult{Members: []schema.TeamsChannelAccount{}}
		for _, u := range list[start:end] {
			page.Members = append(page.Members, s.member(u))
		}
		if end < len(list) {
			page.ContinuationToken = encodeContinuation(end, rt.conv)
		}
		return http.StatusOK, page, nil
	}
	out := make([]schema.TeamsChannelAccount, 0, len(list))
	for _, u := range list {
		out = append(out, s.member(u))
	}
	return http.StatusOK, out, nil
}

// encodeContinuation makes an opaque page token, bound to its conversation.
func encodeContinuation(offset int, conv string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(offset) + "|" + baseConv(conv)))
}

func decodeContinuation(tok, conv string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	n, c, ok := strings.Cut(string(raw), "|")
	if !ok || c != baseConv(conv) {
		return 0, false
	}
	off, err := strconv.Atoi(n)
	return off, err == nil && off >= 0
}
