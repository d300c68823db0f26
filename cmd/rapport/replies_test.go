package main

import (
	"strings"
	"testing"

	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// Small things people read: what the bot says should be true, in the
// right number, whatever case the command was typed in.
func TestRepliesSayWhatIsTrue(t *testing.T) {
	target := storagetest.Databases(t)[0] // the words do not depend on the database
	h := startServe(t, target)

	h.reply(admin, "admin practices add Riverside Surgery")

	// A newcomer's form promises the pace they will get: fortnightly by
	// default, not weekly.
	form := h.openProfile(alice)
	if text := blockText(t, form.Blocks); strings.Contains(text, "Each week") || !strings.Contains(text, "Every two weeks, Rapport introduces you") {
		t.Errorf("the form's pace does not match the default:\n%s", text)
	}
	if errs := fieldErrors(t, h.submit(alice, form, aliceProfile())); errs != nil {
		t.Fatalf("profile refused: %v", errs)
	}
	h.waitDMs(alice, 1)

	// resume when not paused says so, rather than welcoming them back.
	if got := h.reply(alice, "resume"); strings.Contains(got, "Welcome back") || !strings.Contains(got, "already taking part") || !strings.Contains(got, "The next round is on") {
		t.Errorf("resume when not paused: %q", got)
	}
	h.reply(alice, "pause")
	if got := h.reply(alice, "resume"); !strings.Contains(got, "Welcome back") {
		t.Errorf("resume after a pause: %q", got)
	}

	// Admin subcommands match whatever their case.
	if got := h.reply(admin, "ADMIN Practices ADD Hillview Surgery"); !strings.Contains(got, "Added Hillview Surgery") {
		t.Errorf("admin practices in capitals: %q", got)
	}
	if got := h.reply(admin, "admin PRACTICES list"); !strings.Contains(got, "has 2 practices and organisations") {
		t.Errorf("admin practices list: %q", got)
	}
	h.reply(admin, "admin practices remove Hillview Surgery")
	if got := h.reply(admin, "admin practices list"); !strings.Contains(got, "has 1 practice or organisation") {
		t.Errorf("one practice: %q", got)
	}
	h.command(admin, "admin PREVIEW")
	h.waitEphemeral(admin, "Preview of the round")
	h.command(admin, "admin Stats")
	stats := h.waitEphemeral(admin, "Rapport in numbers")
	if text := stats.Text + blockText(t, stats.Blocks); !strings.Contains(text, "met *0%*, arranged to meet (not yet met) *0%*") {
		t.Errorf("stats do not show met and arranged apart: %s", text)
	}
	h.command(admin, "admin RUN-NOW")
	h.waitEphemeral(admin, "Run a round of introductions now?")
}

// A run-now confirmation forged by a member (a crafted payload, with no
// confirmation of theirs behind it) is refused before anything is said
// about running a round, and no round runs.
func TestForgedRunNowIsRefusedFirst(t *testing.T) {
	target := storagetest.Databases(t)[0]
	h := startServe(t, target)
	h.waitLog("why=catch-up")
	payload := map[string]any{
		"type":       "block_actions",
		"team":       map[string]any{"id": h.ws.TeamID()},
		"user":       map[string]any{"id": bob, "username": "bob", "team_id": h.ws.TeamID()},
		"api_app_id": h.ws.AppID(),
		"trigger_id": "1.2.forged",
		"container":  map[string]any{"type": "message", "channel_id": slacktest.DefaultChannelID},
		"channel":    map[string]any{"id": slacktest.DefaultChannelID},
		"actions":    []any{map[string]any{"action_id": "rounds_run_confirm", "block_id": "rounds_run", "type": "button", "value": "force", "action_ts": "1.2"}},
	}
	if _, err := h.ws.Send(h.ctx(), slacktest.TypeInteractive, payload, false); err != nil {
		t.Fatal(err)
	}
	// The answer goes by DM, as the payload has no response URL: the first
	// thing the member hears is the refusal.
	dms := h.waitDMs(bob, 1)
	if !strings.Contains(dms[0].Text, "Only network admins") {
		t.Errorf("the first answer to a forged confirm: %q", dms[0].Text)
	}
	if strings.Contains(h.log.String(), "round run by an admin") {
		t.Errorf("a forged confirm ran a round")
	}
}
