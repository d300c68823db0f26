package slacktest

import (
	"fmt"
	"time"
)

// trigger is a trigger_id the workspace issued with an interaction.
type trigger struct {
	user   string
	issued time.Time
	used   bool
}

// issueTriggerLocked returns a new trigger_id for user, shaped like
// Slack's ("13345224609.738474920.8088930838d88f008e0...").
func (ws *Workspace) issueTriggerLocked(user string) string {
	ws.seq++
	id := fmt.Sprintf("%d.%d.%s", 10000000000+ws.seq, 738474920, ws.randomHexLocked(32))
	ws.triggers[id] = &trigger{user: user, issued: ws.now()}
	return id
}

// exchangeTriggerLocked uses up a trigger_id, returning the user it was
// issued to. A trigger works once and for triggerTTL after it was issued.
func (ws *Workspace) exchangeTriggerLocked(id string) (string, error) {
	if id == "" {
		return "", slackErr("invalid_arguments", "[ERROR] missing required field: trigger_id")
	}
	t, ok := ws.triggers[id]
	switch {
	case !ok:
		return "", slackErr("invalid_trigger_id")
	case t.used:
		return "", slackErr("exchanged_trigger_id")
	case ws.now().Sub(t.issued) > ws.cfg.triggerTTL:
		return "", slackErr("expired_trigger_id")
	}
	t.used = true
	return t.user, nil
}
