package slacktest_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
)

func decode(raw json.RawMessage, v any) error { return json.Unmarshal(raw, v) }

func TestAuth(t *testing.T) {
	ws := newWorkspace(t)
	ctx := testContext(t)

	resp, err := apiClient(ws).AuthTestContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if resp.UserID != ws.BotUserID() || resp.TeamID != ws.TeamID() || resp.BotID == "" {
		t.Errorf("auth.test = %+v", resp)
	}
	tests := []struct {
		name, token, want string
	}{
		{"no token", "", "not_authed"},
		{"unknown token", "xoxb-nope", "invalid_auth"},
		{"app token", ws.AppToken(), "not_allowed_token_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := slack.New(tt.token, slack.OptionAPIURL(ws.APIURL())).AuthTestContext(ctx)
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v; want %s", err, tt.want)
			}
		})
	}
	if calls := ws.CallsTo("auth.test"); len(calls) != 4 || calls[0].Auth != "bot" || calls[1].Error != "not_authed" {
		t.Errorf("recorded calls = %+v", calls)
	}
}

func TestRateLimitedAndServerErrors(t *testing.T) {
	ws := newWorkspace(t)
	api := apiClient(ws)
	ctx := testContext(t)

	ws.RateLimitNext("chat.postMessage", 1, 7*time.Second)
	_, _, err := api.PostMessageContext(ctx, slacktest.DefaultChannelID, slack.MsgOptionText("hi", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
		t.Fatalf("err = %v; want RateLimitedError after 7s", err)
	}

	ws.ServerErrorNext("chat.postMessage", 1)
	_, _, err = api.PostMessageContext(ctx, slacktest.DefaultChannelID, slack.MsgOptionText("hi", false))
	var sc slack.StatusCodeError
	if !errors.As(err, &sc) || sc.Code != http.StatusInternalServerError {
		t.Fatalf("err = %v; want StatusCodeError 500", err)
	}

	// The faults are used up: the next call goes through.
	if _, _, err := api.PostMessageContext(ctx, slacktest.DefaultChannelID, slack.MsgOptionText("hi", false)); err != nil {
		t.Fatal(err)
	}

	ws.FailNext(slacktest.AnyMethod, 1, slacktest.Fault{Error: "fatal_error"})
	if _, err := api.GetUserInfoContext(ctx, alice); err == nil || err.Error() != "fatal_error" {
		t.Errorf("err = %v; want fatal_error", err)
	}
	calls := ws.CallsTo("chat.postMessage")
	if len(calls) != 3 || calls[0].Status != 429 || calls[1].Status != 500 || !calls[2].OK() {
		t.Errorf("calls = %+v", calls)
	}
}

func TestEnforcedRateLimits(t *testing.T) {
	ws := newWorkspace(t, slacktest.WithRateLimits(slacktest.RateLimits{
		Scale:   0.01,
		Methods: map[string]slacktest.RateLimit{"users.info": {Limit: 2, Window: time.Minute}},
	}))
	api := apiClient(ws)
	ctx := testContext(t)
	for i := range 2 {
		if _, err := api.GetUserInfoContext(ctx, alice); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	_, err := api.GetUserInfoContext(ctx, alice)
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Fatalf("third call: err = %v; want RateLimitedError", err)
	}
	time.Sleep(650 * time.Millisecond) // the scaled minute
	if _, err := api.GetUserInfoContext(ctx, alice); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	// chat.postMessage is limited per channel.
	if _, _, err := api.PostMessageContext(ctx, alice, slack.MsgOptionText("a", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessageContext(ctx, bob, slack.MsgOptionText("b", false)); err != nil {
		t.Fatalf("another channel: %v", err)
	}
}

func TestDirectMessagesAndHistory(t *testing.T) {
	ws := newWorkspace(t)
	api := apiClient(ws)
	ctx := testContext(t)

	im, _, already, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{alice}})
	if err != nil || im.ID[0] != 'D' || already {
		t.Fatalf("open IM = %+v, already=%v, err=%v", im, already, err)
	}
	again, _, already, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{alice}, ReturnIM: true})
	if err != nil || again.ID != im.ID || !already || !again.IsIM || again.User != alice {
		t.Errorf("reopen IM = %+v, already=%v, err=%v", again, already, err)
	}
	mpim, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{bob, alice}})
	if err != nil || mpim.ID[0] != 'G' {
		t.Errorf("open MPIM = %+v, err=%v", mpim, err)
	}
	same, _, _, _ := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{alice, bob}})
	if same.ID != mpim.ID {
		t.Errorf("same users gave %s and %s", mpim.ID, same.ID)
	}
	if _, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U404"}}); err == nil || err.Error() != "user_not_found" {
		t.Errorf("unknown user: err = %v", err)
	}

	meta := slack.SlackMetadata{EventType: "rapport_intro", EventPayload: map[string]any{"round": "2026-03"}}
	for _, text := range []string{"first", "second", "third"} {
		if _, _, err := api.PostMessageContext(ctx, im.ID, slack.MsgOptionText(text, false), slack.MsgOptionMetadata(meta)); err != nil {
			t.Fatal(err)
		}
	}
	if dms := ws.DMs(alice); len(dms) != 3 || dms[0].Text != "first" || dms[2].Metadata == nil {
		t.Errorf("DMs = %+v", dms)
	}
	hist, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: im.ID, Limit: 2, IncludeAllMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.Messages) != 2 || !hist.HasMore || hist.Messages[0].Text != "third" || hist.Messages[0].Metadata.EventType != "rapport_intro" ||
		hist.Messages[0].Metadata.EventPayload["round"] != "2026-03" {
		t.Errorf("history = %+v", hist)
	}
	rest, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: im.ID, Cursor: hist.ResponseMetaData.NextCursor})
	if err != nil || len(rest.Messages) != 1 || rest.Messages[0].Text != "first" || rest.HasMore {
		t.Errorf("second page = %+v, err=%v", rest, err)
	}

	// chat.update and chat.postEphemeral.
	if _, _, _, err := api.UpdateMessageContext(ctx, im.ID, hist.Messages[0].Timestamp, slack.MsgOptionText("edited", false)); err != nil {
		t.Fatal(err)
	}
	if dms := ws.DMs(alice); dms[2].Text != "edited" || !dms[2].Edited {
		t.Errorf("updated DM = %+v", dms[2])
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, im.ID, "1.000001", slack.MsgOptionText("x", false)); err == nil || err.Error() != "message_not_found" {
		t.Errorf("update unknown: err = %v", err)
	}
	if _, err := api.PostEphemeralContext(ctx, slacktest.DefaultChannelID, bob, slack.MsgOptionText("psst", false)); err != nil {
		t.Fatal(err)
	}
	if e, ok := ws.LastEphemeral(bob); !ok || e.Text != "psst" || e.MessageTS == "" {
		t.Errorf("ephemeral = %+v", e)
	}
	if _, _, err := api.PostMessageContext(ctx, "C404", slack.MsgOptionText("x", false)); err == nil || err.Error() != "channel_not_found" {
		t.Errorf("unknown channel: err = %v", err)
	}
	if _, _, err := api.PostMessageContext(ctx, im.ID); err == nil || err.Error() != "no_text" {
		t.Errorf("empty message: err = %v", err)
	}
}

func TestUsersInfo(t *testing.T) {
	ws := newWorkspace(t)
	api := apiClient(ws)
	ctx := testContext(t)
	u, err := api.GetUserInfoContext(ctx, bob)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != bob || u.RealName != "Bob Example" || u.Profile.RealName != "Bob Example" || u.TZ != "Europe/Paris" || u.IsBot || u.Deleted {
		t.Errorf("user = %+v", u)
	}
	if _, err := api.GetUserInfoContext(ctx, "U404"); err == nil || err.Error() != "user_not_found" {
		t.Errorf("err = %v; want user_not_found", err)
	}
}

func TestClickButton(t *testing.T) {
	ws := newWorkspace(t)
	api := apiClient(ws)
	clicks := make(chan slack.InteractionCallback, 1)
	startBot(t, ws, func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeInteractive {
			clicks <- evt.Data.(slack.InteractionCallback)
		}
		ackAll(c, evt)
	})
	ctx := testContext(t)
	yes := slack.NewButtonBlockElement("meet", "yes", slack.NewTextBlockObject(slack.PlainTextType, "We met", false, false))
	no := slack.NewButtonBlockElement("meet", "no", slack.NewTextBlockObject(slack.PlainTextType, "Not yet", false, false))
	ch, ts, err := api.PostMessageContext(ctx, alice, slack.MsgOptionText("Did you meet?", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("meetup", yes, no)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ws.ClickButton(ctx, alice, ch, ts, "meet", "no"); err != nil {
		t.Fatal(err)
	}
	cb := <-clicks
	if cb.Type != slack.InteractionTypeBlockActions || cb.User.ID != alice || cb.Channel.ID != ch || cb.Container.Type != "message" ||
		cb.Container.MessageTs != ts || cb.Message.Timestamp != ts || cb.TriggerID == "" || cb.ResponseURL == "" {
		t.Errorf("callback = %+v", cb)
	}
	if acts := cb.ActionCallback.BlockActions; len(acts) != 1 || acts[0].ActionID != "meet" || acts[0].Value != "no" || acts[0].BlockID != "meetup" {
		t.Errorf("actions = %+v", acts)
	}
	if _, err := ws.ClickButton(ctx, alice, ch, ts, "missing", ""); !errors.Is(err, slacktest.ErrNotFound) {
		t.Errorf("err = %v; want ErrNotFound", err)
	}
	// replace_original through the response_url edits the message.
	if _, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionText("Thanks!", false), slack.MsgOptionReplaceOriginal(cb.ResponseURL)); err != nil {
		t.Fatal(err)
	}
	if dms := ws.DMs(alice); len(dms) != 1 || dms[0].Text != "Thanks!" {
		t.Errorf("DMs = %+v", dms)
	}
}

func TestClickButtonInEphemeralMessage(t *testing.T) {
	ws := newWorkspace(t)
	clicks := make(chan slack.InteractionCallback, 1)
	startBot(t, ws, func(c *socketmode.Client, evt socketmode.Event) {
		switch evt.Type {
		case socketmode.EventTypeSlashCommand:
			// Answer the command with an ephemeral message holding a button.
			sure := slack.NewButtonBlockElement("sure", "yes", slack.NewTextBlockObject(slack.PlainTextType, "Yes", false, false))
			_ = c.Ack(*evt.Request, map[string]any{
				"response_type": "ephemeral", "text": "Are you sure?",
				"blocks": []slack.Block{slack.NewActionBlock("confirm", sure)},
			})
		case socketmode.EventTypeInteractive:
			clicks <- evt.Data.(slack.InteractionCallback)
			ackAll(c, evt)
		default:
			ackAll(c, evt)
		}
	})
	ctx := testContext(t)
	if _, err := ws.SlashCommand(ctx, alice, "/demo", ""); err != nil {
		t.Fatal(err)
	}
	e, ok := ws.LastEphemeral(alice)
	if !ok || e.MessageTS == "" || e.Source != "ack" {
		t.Fatalf("ephemeral = %+v", e)
	}
	if _, err := ws.ClickButton(ctx, alice, e.Channel, e.MessageTS, "sure", ""); err != nil {
		t.Fatal(err)
	}
	cb := <-clicks
	if !cb.Container.IsEphemeral || cb.Container.MessageTs != e.MessageTS || cb.Message.Timestamp != "" || cb.ResponseURL == "" {
		t.Errorf("callback container = %+v, message ts %q", cb.Container, cb.Message.Timestamp)
	}
	// replace_original through the response_url replaces the ephemeral message.
	if err := slack.PostWebhookContext(ctx, cb.ResponseURL, &slack.WebhookMessage{Text: "Done", ReplaceOriginal: true}); err != nil {
		t.Fatal(err)
	}
	if all := ws.Ephemerals(alice); len(all) != 1 || all[0].Text != "Done" {
		t.Errorf("ephemerals = %+v", all)
	}
}
