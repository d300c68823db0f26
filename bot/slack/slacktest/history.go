package slacktest

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// conversationsHistory returns a channel's messages newest first, with
// their metadata when include_all_metadata is set, paginated by cursor.
func (ws *Workspace) conversationsHistory(r *request) (obj, error) {
	ch, ok := ws.channels[r.get("channel")]
	if !ok {
		return nil, slackErr("channel_not_found")
	}
	limit := 100
	if s := r.get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, slackErr("invalid_limit")
		}
		limit = min(max(n, 1), 999)
	}
	offset := 0
	if cur := r.get("cursor"); cur != "" {
		raw, err := base64.StdEncoding.DecodeString(cur)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(raw), "offset:"))
		if err != nil || err2 != nil || n < 0 {
			return nil, slackErr("invalid_cursor")
		}
		offset = n
	}
	inclusive := isTrue(r.get("inclusive"))
	latest, oldest := tsValue(r.get("latest")), tsValue(r.get("oldest"))
	withMetadata := isTrue(r.get("include_all_metadata"))

	// Newest first; replies stay in their threads.
	var matching []*Message
	all := ws.messages[ch.ID]
	for i := len(all) - 1; i >= 0; i-- {
		m := all[i]
		if m.ThreadTS != "" && m.ThreadTS != m.TS {
			continue
		}
		ts := tsValue(m.TS)
		if latest > 0 && (ts > latest || (!inclusive && ts == latest)) {
			continue
		}
		if oldest > 0 && (ts < oldest || (!inclusive && ts == oldest)) {
			continue
		}
		matching = append(matching, m)
	}
	if offset > len(matching) {
		offset = len(matching)
	}
	page := matching[offset:]
	hasMore := len(page) > limit
	if hasMore {
		page = page[:limit]
	}
	msgs := make([]obj, 0, len(page))
	for _, m := range page {
		msgs = append(msgs, ws.messageJSON(m, withMetadata))
	}
	next := ""
	if hasMore {
		next = base64.StdEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset+limit)))
	}
	return obj{
		"messages":          msgs,
		"has_more":          hasMore,
		"pin_count":         0,
		"response_metadata": obj{"next_cursor": next},
	}, nil
}

func isTrue(s string) bool { return s == "1" || s == "true" }

// tsValue turns "1503435956.000247" into microseconds, 0 if empty or bad.
func tsValue(ts string) int64 {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return 0
	}
	frac = (frac + "000000")[:6]
	f, _ := strconv.ParseInt(frac, 10, 64)
	return s*1_000_000 + f
}
