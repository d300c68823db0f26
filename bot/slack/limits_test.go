package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// fill returns s repeated to exactly n characters.
func fill(s string, n int) string {
	r := []rune(strings.Repeat(s, n/utf8.RuneCountInString(s)+1))
	return string(r[:n])
}

// topicsAtLimit returns n distinct typed topics, each as long as a topic may
// be and made of the characters that escaping multiplies.
func topicsAtLimit(prefix string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fill(fmt.Sprintf("%s%02d&<>", prefix, i), bot.MaxTopicLen))
	}
	return out
}

// A profile with every field at its limit, written in the characters that
// escaping multiplies five-fold, still gets its welcome message and its
// status, and its form opens again pre-filled with exactly what was saved.
func TestMaximalProfileIsWelcomedAndShown(t *testing.T) {
	target := storagetest.Databases(t)[0] // what is sent does not depend on the database
	store := storagetest.MustOpenDB(t, target)
	org := fill("&<>", bot.MaxOrganisationLen)
	if _, err := store.AddOrganisation(context.Background(), org, time.Now()); err != nil {
		t.Fatal(err)
	}
	ws := startAdapter(t, store)
	const user = "U0MAXIMAL1"
	ws.AddUser(slacktest.User{ID: user, RealName: fill("&<>", 80)})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	interests := topicsAtLimit("i", bot.MaxInterests)
	offers := topicsAtLimit("o", bot.MaxOffers)
	asks := topicsAtLimit("a", bot.MaxAsks)
	values := map[string]any{
		"organisation": org, "sector": "gp_practice", "role": "salaried_gp", "career_stage": "first_five",
		"interests_other": strings.Join(interests, ", "), "offers_other": strings.Join(offers, ", "),
		"asks_other": strings.Join(asks, ", "), "frequency": "weekly", "mentoring": "mentee", "meeting": "video",
		"bio": fill("&<>", bot.MaxBioLen),
	}
	form := openForm(t, ctx, ws, user)
	ack, err := ws.SubmitView(ctx, user, form.ID, values)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Payload != nil && string(ack.Payload) != "null" {
		t.Fatalf("a valid profile was refused: %s", ack.Payload)
	}

	// The welcome arrives, with all of the profile in it.
	if err := ws.Wait(ctx, func() bool { return len(ws.DMs(user)) > 0 }); err != nil {
		var refused []string
		for _, c := range ws.CallsTo("chat.postMessage") {
			refused = append(refused, c.Error)
		}
		t.Fatalf("no welcome message: %v; Slack answered %q", err, refused)
	}
	welcome := ws.DMs(user)[0]
	if text := string(welcome.Blocks); !strings.Contains(text, "Welcome to Rapport") || !strings.Contains(text, "i14") || !strings.Contains(text, "a09") {
		t.Errorf("the welcome lacks part of the profile: %s", text)
	}

	// Status shows it too.
	ack, err = ws.SlashCommand(ctx, user, "/introduce-me", "status")
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := ws.LastEphemeral(user); !ok || !strings.Contains(string(e.Blocks), "You are *taking part*") || !strings.Contains(string(e.Blocks), "i14") {
		t.Errorf("status not shown: %s", ack.Payload)
	}

	// The form opens again, filled with every topic.
	again := openForm(t, ctx, ws, user)
	for block, want := range map[string][]string{"interests_other": interests, "offers_other": offers, "asks_other": asks} {
		got := initialValue(t, again, block)
		for _, topic := range want {
			if !strings.Contains(got, topic) {
				t.Errorf("%s is pre-filled with %q, without %q", block, got, topic)
			}
		}
	}
}

// openForm runs /introduce-me and waits for the filled profile form.
func openForm(t *testing.T, ctx context.Context, ws *slacktest.Workspace, user string) slacktest.View {
	t.Helper()
	before := len(ws.CallsTo("views.update"))
	if _, err := ws.SlashCommand(ctx, user, "/introduce-me", ""); err != nil {
		t.Fatal(err)
	}
	var form slacktest.View
	err := ws.Wait(ctx, func() bool {
		calls := ws.CallsTo("views.update")
		if len(calls) <= before {
			return false
		}
		if !calls[len(calls)-1].OK() {
			t.Fatalf("Slack refused the form: %s", calls[len(calls)-1].Response)
		}
		for _, v := range ws.OpenViews(user) {
			if len(v.Submit) > 0 {
				form = v
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("the form never opened: %v", err)
	}
	return form
}

// initialValue returns the initial_value of the input in block.
func initialValue(t *testing.T, v slacktest.View, block string) string {
	t.Helper()
	var blocks []struct {
		BlockID string `json:"block_id"`
		Element struct {
			InitialValue string `json:"initial_value"`
			MaxLength    int    `json:"max_length"`
		} `json:"element"`
	}
	if err := json.Unmarshal(v.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		if b.BlockID == block {
			if n := utf8.RuneCountInString(b.Element.InitialValue); b.Element.MaxLength > 0 && n > b.Element.MaxLength {
				t.Errorf("%s: initial value of %d characters, max_length %d", block, n, b.Element.MaxLength)
			}
			return b.Element.InitialValue
		}
	}
	t.Fatalf("no block %s", block)
	return ""
}
