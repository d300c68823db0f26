package slacktest_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
)

func homeView(blocks ...slack.Block) slack.HomeTabViewRequest {
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: "home", Blocks: slack.Blocks{BlockSet: blocks}}
}

func section(text string) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)
}

// views.publish as Slack documents it: a bot token, a known user_id, a
// home view of at most 100 blocks; the answer is the view, whose ID stays
// while its hash changes, and a stale hash is a conflict.
func TestViewsPublish(t *testing.T) {
	ws := newWorkspace(t)
	ctx := testContext(t)
	api := apiClient(ws)

	var got map[string]any
	if err := postJSON(ctx, ws, "views.publish", map[string]any{"user_id": alice, "view": homeView(section("Hello"))}, &got); err != nil || got["ok"] != true {
		t.Fatalf("views.publish: %v %v", err, got)
	}
	// Slack adds verbatim to the text objects it stores; the workspace
	// keeps blocks as sent.
	checkShape(t, "views_publish_response.json", got, "view.blocks[0].text.verbatim")
	first, ok := ws.HomeView(alice)
	if !ok || first.Type != "home" || !strings.Contains(string(first.Blocks), "Hello") {
		t.Fatalf("HomeView = %+v, %v", first, ok)
	}

	resp, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: alice, View: homeView(section("Again"))})
	if err != nil {
		t.Fatal(err)
	}
	if resp.View.ID != first.ID || resp.View.Hash == first.Hash {
		t.Errorf("republished view: id %s hash %s; first id %s hash %s", resp.View.ID, resp.View.Hash, first.ID, first.Hash)
	}
	stale := first.Hash
	if _, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: alice, View: homeView(section("Late")), Hash: &stale}); err == nil || err.Error() != "hash_conflict" {
		t.Errorf("stale hash: %v", err)
	}
	if all := ws.PublishedHomes(alice); len(all) != 2 || !strings.Contains(string(all[1].Blocks), "Again") {
		t.Errorf("PublishedHomes = %+v", all)
	}
	if _, ok := ws.HomeView(bob); ok {
		t.Error("bob has a Home view nobody published")
	}

	tooMany := make([]slack.Block, 101)
	for i := range tooMany {
		tooMany[i] = section("x")
	}
	for name, body := range map[string]map[string]any{
		"no user_id":      {"view": homeView(section("x"))},
		"unknown user":    {"user_id": "U0NOBODY01", "view": homeView(section("x"))},
		"the bot":         {"user_id": ws.BotUserID(), "view": homeView(section("x"))},
		"a modal":         {"user_id": alice, "view": modal()},
		"no view":         {"user_id": alice},
		"101 blocks":      {"user_id": alice, "view": homeView(tooMany...)},
		"section too big": {"user_id": alice, "view": homeView(section(strings.Repeat("x", 3001)))},
	} {
		var out struct {
			OK    bool   `json:"ok"`
			Error string `json:"error"`
		}
		if err := postJSON(ctx, ws, "views.publish", body, &out); err != nil {
			t.Fatal(err)
		}
		if out.OK || out.Error != "invalid_arguments" {
			t.Errorf("%s: ok=%v error=%q, want invalid_arguments", name, out.OK, out.Error)
		}
	}
	if v := ws.Violations(); len(v) != 2 {
		t.Errorf("violations = %v, want the 101 blocks and the long section", v)
	}
	if all := ws.PublishedHomes(alice); len(all) != 2 {
		t.Errorf("a refused publish changed the Home tab: %d publishes", len(all))
	}

	appOnly := slack.New(ws.AppToken(), slack.OptionAPIURL(ws.APIURL()))
	if _, err := appOnly.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: alice, View: homeView(section("x"))}); err == nil || err.Error() != "not_allowed_token_type" {
		t.Errorf("app token: %v", err)
	}
}

// The App Home's events as Slack sends them over Socket Mode: an
// events_api envelope around an event_callback, with app_home_opened
// (carrying the view once one is published) and message.im shaped as the
// documentation shows them, and readable by slack-go; a press in the Home
// tab is a block_actions from a view, with no channel.
func TestAppHomeEventsHaveDocumentedShape(t *testing.T) {
	ws := newWorkspace(t)
	raw := dialRaw(t, ws)
	raw.next(t) // hello
	ctx := testContext(t)

	event := func(send func() error) (env, payload map[string]any, parsed slackevents.EventsAPIEvent) {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- send() }()
		env = raw.next(t)
		if env["type"] != "events_api" || env["accepts_response_payload"] != false {
			t.Errorf("envelope = %v", env)
		}
		payload = env["payload"].(map[string]any)
		b, _ := json.Marshal(payload)
		parsed, err := slackevents.ParseEvent(b, slackevents.OptionNoVerifyToken())
		if err != nil {
			t.Fatalf("slack-go cannot read the event: %v", err)
		}
		raw.ack(t, env["envelope_id"].(string), nil)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		return env, payload, parsed
	}

	_, payload, parsed := event(func() error { _, err := ws.OpenHome(ctx, alice); return err })
	checkShape(t, "message_im_event.json", payload, "event.channel_type", "event.text", "event.ts")
	checkShape(t, "app_home_opened_event.json", payload["event"], "view")
	if _, ok := payload["event"].(map[string]any)["view"]; ok {
		t.Error("the first opening carries a view, though none was published")
	}
	opened, ok := parsed.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	if !ok || opened.User != alice || opened.Tab != "home" || !strings.HasPrefix(opened.Channel, "D") {
		t.Errorf("app_home_opened = %+v", parsed.InnerEvent.Data)
	}
	if cb, ok := parsed.Data.(*slackevents.EventsAPICallbackEvent); !ok || cb.EventID == "" || cb.EventTime == 0 {
		t.Errorf("outer event = %+v", parsed.Data)
	}

	btn := slack.NewButtonBlockElement("pause", "", slack.NewTextBlockObject(slack.PlainTextType, "Pause", false, false))
	if _, err := apiClient(ws).PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: alice, View: homeView(section("Hi"), slack.NewActionBlock("", btn))}); err != nil {
		t.Fatal(err)
	}
	_, payload, _ = event(func() error { _, err := ws.OpenHome(ctx, alice); return err })
	checkShape(t, "app_home_opened_event.json", payload["event"])

	_, payload, parsed = event(func() error { _, _, err := ws.SendDM(ctx, alice, "status"); return err })
	checkShape(t, "message_im_event.json", payload)
	msg, ok := parsed.InnerEvent.Data.(*slackevents.MessageEvent)
	if !ok || !msg.IsIM() || msg.User != alice || msg.Text != "status" || msg.SubType != "" || msg.BotID != "" {
		t.Errorf("message.im = %+v", parsed.InnerEvent.Data)
	}

	_, payload, parsed = event(func() error { _, err := ws.EditDM(ctx, alice, msg.TimeStamp, "help"); return err })
	if edit, ok := parsed.InnerEvent.Data.(*slackevents.MessageEvent); !ok || edit.SubType != "message_changed" || edit.Message == nil || edit.Message.Text != "help" || !edit.IsIM() {
		t.Errorf("message_changed = %+v", parsed.InnerEvent.Data)
	}

	home, _ := ws.HomeView(alice)
	done := make(chan error, 1)
	go func() { _, err := ws.ClickViewButton(ctx, alice, home.ID, "pause", ""); done <- err }()
	env := raw.next(t)
	click := env["payload"].(map[string]any)
	if c := click["container"].(map[string]any); c["type"] != "view" || c["view_id"] != home.ID {
		t.Errorf("container = %v", c)
	}
	if v := click["view"].(map[string]any); v["type"] != "home" || v["id"] != home.ID {
		t.Errorf("view = %v", v)
	}
	if _, ok := click["channel"]; ok {
		t.Errorf("a press in the Home tab has a channel: %v", click["channel"])
	}
	raw.ack(t, env["envelope_id"].(string), nil)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// With message.im subscribed, the bot hears its own messages in a direct
// message, as in Slack, marked with its bot_id; elsewhere it does not.
func TestBotHearsItsOwnDirectMessages(t *testing.T) {
	ws := newWorkspace(t, slacktest.WithEventSubscriptions("message.im"))
	raw := dialRaw(t, ws)
	raw.next(t) // hello
	ctx := testContext(t)
	api := apiClient(ws)

	if _, _, err := api.PostMessageContext(ctx, slacktest.DefaultChannelID, slack.MsgOptionText("to everyone", false)); err != nil {
		t.Fatal(err)
	}
	ch, ts, err := api.PostMessageContext(ctx, alice, slack.MsgOptionText("just for you", false))
	if err != nil {
		t.Fatal(err)
	}
	env := raw.next(t)
	payload := env["payload"].(map[string]any)
	b, _ := json.Marshal(payload)
	parsed, err := slackevents.ParseEvent(b, slackevents.OptionNoVerifyToken())
	if err != nil {
		t.Fatal(err)
	}
	m, ok := parsed.InnerEvent.Data.(*slackevents.MessageEvent)
	if !ok || m.Channel != ch || m.TimeStamp != ts || m.BotID == "" || m.User != ws.BotUserID() || !m.IsIM() || m.Text != "just for you" {
		t.Errorf("echo = %+v", parsed.InnerEvent.Data)
	}
	raw.ack(t, env["envelope_id"].(string), nil)
	if err := ws.Wait(ctx, func() bool {
		ds := ws.Deliveries()
		return len(ds) == 1 && ds[0].Acked()
	}); err != nil {
		t.Errorf("deliveries: %+v", ws.Deliveries())
	}
	if n := len(ws.DMs(alice)); n != 1 {
		t.Errorf("DMs = %d", n)
	}
}
