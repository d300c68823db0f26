package slacktest_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
)

// readFixture decodes a documented example from testdata.
func readFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// missingKeys lists the keys (as paths) the documented example has and got
// lacks, descending into objects and the first element of arrays.
func missingKeys(doc, got any, path string, skip []string) []string {
	var out []string
	switch d := doc.(type) {
	case map[string]any:
		g, _ := got.(map[string]any)
		for k, dv := range d {
			p := strings.TrimPrefix(path+"."+k, ".")
			if slices.Contains(skip, p) {
				continue
			}
			gv, ok := g[k]
			if !ok {
				out = append(out, p)
				continue
			}
			out = append(out, missingKeys(dv, gv, p, skip)...)
		}
	case []any:
		g, _ := got.([]any)
		if len(d) > 0 && len(g) > 0 {
			out = append(out, missingKeys(d[0], g[0], path+"[0]", skip)...)
		}
	}
	sort.Strings(out)
	return out
}

func checkShape(t *testing.T, fixture string, got any, skip ...string) {
	t.Helper()
	if missing := missingKeys(readFixture(t, fixture), got, "", skip); len(missing) > 0 {
		b, _ := json.MarshalIndent(got, "", "  ")
		t.Errorf("generated payload lacks keys of %s: %v\n%s", fixture, missing, b)
	}
}

func TestEnvelopesHaveDocumentedShape(t *testing.T) {
	ws := newWorkspace(t)
	raw := dialRaw(t, ws)
	ctx := testContext(t)

	hello := raw.next(t)
	checkShape(t, "hello.json", hello)
	if hello["type"] != "hello" || hello["num_connections"] != 1.0 {
		t.Errorf("hello = %v", hello)
	}

	// A slash command, answered with the documented ack.
	done := make(chan error, 1)
	go func() {
		_, err := ws.SlashCommand(ctx, alice, "/rapport", "help")
		done <- err
	}()
	env := raw.next(t)
	checkShape(t, "slash_commands_envelope.json", env)
	for _, k := range []string{"retry_attempt", "retry_reason"} {
		if _, ok := env[k]; !ok {
			t.Errorf("envelope lacks %s", k)
		}
	}
	// The fields of the HTTP form example, except the Enterprise-only ones.
	form, _ := url.ParseQuery(strings.TrimSpace(readText(t, "slash_command_payload.txt")))
	payload := env["payload"].(map[string]any)
	for k := range form {
		if _, ok := payload[k]; !ok && !strings.HasPrefix(k, "enterprise_") {
			t.Errorf("slash command payload lacks %s", k)
		}
	}
	ackDoc := readFixture(t, "slash_command_ack.json")
	raw.ack(t, env["envelope_id"].(string), ackDoc["payload"])
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if e, ok := ws.LastEphemeral(alice); !ok || !strings.Contains(string(e.Blocks), "Duino Elegies") {
		t.Errorf("documented ack not shown: %+v", e)
	}

	// A button click on a message the bot posted.
	api := apiClient(ws)
	btn := slack.NewButtonBlockElement("WaXA", "click_me_123", slack.NewTextBlockObject(slack.PlainTextType, "View", true, false))
	ch, ts, err := api.PostMessageContext(ctx, slacktest.DefaultChannelID, slack.MsgOptionText("Who if I cried out", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("", btn)))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		_, err := ws.ClickButton(ctx, alice, ch, ts, "WaXA", "")
		done <- err
	}()
	env = raw.next(t)
	if env["type"] != "interactive" {
		t.Errorf("envelope type = %v", env["type"])
	}
	// The documented container is a message attachment's; ours is a block
	// message's, which has no attachment_id or is_app_unfurl.
	checkShape(t, "block_actions_payload.json", env["payload"], "container.attachment_id", "container.is_app_unfurl")
	raw.ack(t, env["envelope_id"].(string), nil)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// A submission of the documented example view.
	view := readFixture(t, "view_submission_view.json")["view"]
	viewJSON, _ := json.Marshal(view)
	trigger := issueTrigger(t, ws, raw, bob)
	var opened slack.ViewResponse
	if err := postJSON(ctx, ws, "views.open", map[string]any{"trigger_id": trigger, "view": json.RawMessage(viewJSON)}, &opened); err != nil || !opened.Ok {
		t.Fatalf("views.open: %v %+v", err, opened.SlackResponse)
	}
	go func() {
		_, err := ws.SubmitView(ctx, bob, opened.View.ID, map[string]any{"mlvalue": "This is my example inputted value", "target_select": "C123B12DE"})
		done <- err
	}()
	env = raw.next(t)
	checkShape(t, "view_submission_payload.json", env["payload"], "view.response_urls")
	got := env["payload"].(map[string]any)["view"].(map[string]any)["state"]
	want := readFixture(t, "view_submission_payload.json")["view"].(map[string]any)["state"]
	if gb, wb := mustJSON(got), mustJSON(want); gb != wb {
		t.Errorf("state = %s\nwant %s", gb, wb)
	}
	raw.ack(t, env["envelope_id"].(string), readFixture(t, "view_submission_ack.json")["payload"])
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if open := ws.OpenViews(bob); len(open) != 1 || open[0].CallbackID != "updated-view-id" {
		t.Errorf("response_action update not applied: %+v", open)
	}

	// Disconnect envelopes.
	for _, reason := range []string{"refresh_requested", "link_disabled"} {
		ws.Disconnect(reason)
		env := raw.next(t)
		checkShape(t, "disconnect_"+reason+".json", env)
		if env["reason"] != reason {
			t.Errorf("reason = %v", env["reason"])
		}
		raw = dialRaw(t, ws)
		raw.next(t) // hello
	}
}

func TestConnectionsOpenShape(t *testing.T) {
	ws := newWorkspace(t)
	var got map[string]any
	if err := postJSON(testContext(t), ws, "apps.connections.open", nil, &got); err != nil {
		t.Fatal(err)
	}
	checkShape(t, "apps_connections_open.json", got)
	if u, _ := got["url"].(string); !strings.HasPrefix(u, "ws://127.0.0.1:") {
		t.Errorf("url = %q", u)
	}
}

func TestCloseStopsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	ws := slacktest.New(slacktest.WithPingInterval(10 * time.Millisecond))
	raw := dialRaw(t, ws)
	raw.next(t)
	ws.Close()
	_ = raw.conn.Close()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines: %d before, %d after Close\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
	if err := ws.WaitForHello(context.Background(), 5); err != slacktest.ErrClosed {
		t.Errorf("wait after Close: err = %v; want ErrClosed", err)
	}
}

// issueTrigger gets a trigger_id for user through a slash command answered
// on the raw socket.
func issueTrigger(t *testing.T, ws *slacktest.Workspace, raw *rawSocket, user string) string {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := ws.SlashCommand(context.Background(), user, "/rapport", "")
		done <- err
	}()
	env := raw.next(t)
	raw.ack(t, env["envelope_id"].(string), nil)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return env["payload"].(map[string]any)["trigger_id"].(string)
}

// postJSON calls a method with a JSON body and a Bearer token, as slack-go
// calls views.*, with the token the method needs.
func postJSON(ctx context.Context, ws *slacktest.Workspace, method string, body any, out any) error {
	token := ws.BotToken()
	if method == "apps.connections.open" {
		token = ws.AppToken()
	}
	b, _ := json.Marshal(body)
	req, _ := newRequest(ctx, ws.APIURL()+method, string(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}

func readText(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
