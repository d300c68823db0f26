package slacktest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// triggerFrom sends a slash command acked by a bot that keeps the trigger.
func triggerFrom(t *testing.T, ws *slacktest.Workspace, user string) string {
	t.Helper()
	ctx := testContext(t)
	ack, err := ws.SlashCommand(ctx, user, "/rapport", "")
	if err != nil {
		t.Fatal(err)
	}
	d, _ := ws.Delivery(ack.EnvelopeID)
	var cmd slack.SlashCommand
	if err := decode(d.Payload, &cmd); err != nil {
		t.Fatal(err)
	}
	return cmd.TriggerID
}

func TestViewsOpenTriggers(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	ws := newWorkspace(t, slacktest.WithClock(clock.now))
	startBot(t, ws, ackAll)
	api := apiClient(ws)
	ctx := testContext(t)

	tests := []struct {
		name    string
		trigger func() string
		wantErr string
	}{
		{"valid", func() string { return triggerFrom(t, ws, alice) }, ""},
		{"reused", func() string {
			tr := triggerFrom(t, ws, alice)
			if _, err := api.OpenViewContext(ctx, tr, modal()); err != nil {
				t.Fatal(err)
			}
			return tr
		}, "exchanged_trigger_id"},
		{"expired", func() string {
			tr := triggerFrom(t, ws, alice)
			clock.advance(3*time.Second + time.Millisecond)
			return tr
		}, "expired_trigger_id"},
		{"never issued", func() string { return "123.456.abc" }, "invalid_trigger_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := api.OpenViewContext(ctx, tt.trigger(), modal())
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v; want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			v := resp.View
			if len(v.ID) < 2 || v.ID[0] != 'V' || v.Hash == "" || v.CallbackID != "profile" || v.RootViewID != v.ID ||
				v.AppID != ws.AppID() || v.TeamID != ws.TeamID() || len(v.Blocks.BlockSet) != 4 || v.Title.Text != "Your profile" {
				t.Errorf("view = %+v", v)
			}
			open := ws.OpenViews(alice)
			if len(open) != 1 || open[0].ID != v.ID {
				t.Errorf("open views = %+v", open)
			}
		})
	}
}

func TestViewsUpdateHash(t *testing.T) {
	ws := newWorkspace(t)
	startBot(t, ws, ackAll)
	api := apiClient(ws)
	ctx := testContext(t)
	resp, err := api.OpenViewContext(ctx, triggerFrom(t, ws, bob), modal())
	if err != nil {
		t.Fatal(err)
	}
	updated, err := api.UpdateViewContext(ctx, modal(), "", resp.View.Hash, resp.View.ID)
	if err != nil {
		t.Fatal(err)
	}
	if updated.View.Hash == resp.View.Hash {
		t.Error("hash did not change on update")
	}
	if _, err := api.UpdateViewContext(ctx, modal(), "", resp.View.Hash, resp.View.ID); err == nil || err.Error() != "hash_conflict" {
		t.Errorf("stale hash: err = %v; want hash_conflict", err)
	}
	if _, err := api.UpdateViewContext(ctx, modal(), "", "", "V404"); err == nil || err.Error() != "not_found" {
		t.Errorf("unknown view: err = %v; want not_found", err)
	}
}

func TestViewSubmissionRoundTrip(t *testing.T) {
	ws := newWorkspace(t)
	api := apiClient(ws)
	submissions := make(chan slack.InteractionCallback, 2)
	startBot(t, ws, func(c *socketmode.Client, evt socketmode.Event) {
		switch evt.Type {
		case socketmode.EventTypeSlashCommand:
			cmd := evt.Data.(slack.SlashCommand)
			_ = c.Ack(*evt.Request)
			// Open the modal first, as the trigger expires in 3 seconds.
			go func() { _, _ = api.OpenViewContext(context.Background(), cmd.TriggerID, modal()) }()
		case socketmode.EventTypeInteractive:
			cb := evt.Data.(slack.InteractionCallback)
			submissions <- cb
			if cb.View.State.Values["role"]["role_input"].Value == "" {
				_ = c.Ack(*evt.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"role": "Say what you do"}))
				return
			}
			_ = c.Ack(*evt.Request)
		}
	})
	ctx := testContext(t)

	if _, err := ws.SlashCommand(ctx, alice, "/rapport", "profile"); err != nil {
		t.Fatal(err)
	}
	call, err := ws.WaitForCall(ctx, "views.open", func(c slacktest.Call) bool { return c.OK() })
	if err != nil {
		t.Fatal(err)
	}
	var opened struct{ View struct{ ID string } }
	_ = call.Decode(&opened)

	// Slack's client refuses to submit with a required input empty.
	if _, err := ws.SubmitView(ctx, alice, opened.View.ID, map[string]any{"site_select": "north"}); !errors.Is(err, slacktest.ErrInvalidInput) {
		t.Fatalf("err = %v; want ErrInvalidInput", err)
	}
	if _, err := ws.SubmitView(ctx, alice, opened.View.ID, map[string]any{"role": "GP", "nope": "x", "topics": []string{"books"}}); !errors.Is(err, slacktest.ErrInvalidInput) {
		t.Fatalf("unknown input: err = %v; want ErrInvalidInput", err)
	}

	ack, err := ws.SubmitView(ctx, alice, opened.View.ID, map[string]any{
		"role":             "Practice nurse",
		"site/site_select": "south",
		"topics_select":    []string{"running", "books"},
		"since":            "2021-09-01",
	})
	if err != nil {
		t.Fatal(err)
	}
	if ack.Payload != nil {
		t.Errorf("ack payload = %s; want none", ack.Payload)
	}
	cb := <-submissions
	if cb.Type != slack.InteractionTypeViewSubmission || cb.User.ID != alice || cb.Team.ID != ws.TeamID() ||
		cb.View.ID != opened.View.ID || cb.View.CallbackID != "profile" || cb.TriggerID == "" || cb.APIAppID != ws.AppID() {
		t.Errorf("callback = %+v", cb)
	}
	vals := cb.View.State.Values
	if got := vals["role"]["role_input"]; got.Type != "plain_text_input" || got.Value != "Practice nurse" {
		t.Errorf("role = %+v", got)
	}
	if got := vals["site"]["site_select"]; got.Type != "static_select" || got.SelectedOption.Value != "south" || got.SelectedOption.Text.Text != "South surgery" {
		t.Errorf("site = %+v", got)
	}
	if got := vals["topics"]["topics_select"].SelectedOptions; len(got) != 2 || got[0].Value != "running" || got[1].Value != "books" {
		t.Errorf("topics = %+v", got)
	}
	if got := vals["since"]["since_date"]; got.Type != "datepicker" || got.SelectedDate != "2021-09-01" {
		t.Errorf("since = %+v", got)
	}
	if open := ws.OpenViews(alice); len(open) != 0 {
		t.Errorf("views still open after an empty ack: %+v", open)
	}
}

func TestViewSubmissionErrorsKeepViewOpen(t *testing.T) {
	ws := newWorkspace(t)
	api := apiClient(ws)
	startBot(t, ws, func(c *socketmode.Client, evt socketmode.Event) {
		switch evt.Type {
		case socketmode.EventTypeSlashCommand:
			cmd := evt.Data.(slack.SlashCommand)
			_ = c.Ack(*evt.Request)
			go func() { _, _ = api.OpenViewContext(context.Background(), cmd.TriggerID, modal()) }()
		case socketmode.EventTypeInteractive:
			_ = c.Ack(*evt.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"role": "Too vague"}))
		}
	})
	ctx := testContext(t)
	if _, err := ws.SlashCommand(ctx, bob, "/rapport", ""); err != nil {
		t.Fatal(err)
	}
	call, err := ws.WaitForCall(ctx, "views.open", nil)
	if err != nil {
		t.Fatal(err)
	}
	var opened struct{ View struct{ ID string } }
	_ = call.Decode(&opened)
	ack, err := ws.SubmitView(ctx, bob, opened.View.ID, map[string]any{"role": "Stuff", "topics": []string{"books"}})
	if err != nil {
		t.Fatal(err)
	}
	var resp slack.ViewSubmissionResponse
	if err := ack.Decode(&resp); err != nil || resp.ResponseAction != slack.RAErrors || resp.Errors["role"] != "Too vague" {
		t.Errorf("ack = %s (%v)", ack.Payload, err)
	}
	if open := ws.OpenViews(bob); len(open) != 1 {
		t.Errorf("open views = %+v; want the modal still open", open)
	}
}
