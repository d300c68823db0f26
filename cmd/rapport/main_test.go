package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
	"github.com/rapport-pcn/rapport/storage/storagetest"
)

// Members of the test workspace.
const (
	alice = "U0ALICE01"
	bob   = "U0BOB0001"
	admin = "U0ADMIN01"
	ghost = "U0GHOST01" // a deactivated account
)

// syncBuffer is a bytes.Buffer safe for the bot's logger and the test.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed on the next write, if anyone waits
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	return s.b.Write(p)
}

// wait waits until cond holds for what has been written, checking again
// after every write.
func (s *syncBuffer) wait(ctx context.Context, cond func(string) bool) error {
	for {
		s.mu.Lock()
		text := s.b.String()
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		ch := s.changed
		s.mu.Unlock()
		if cond(text) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness is one running "rapport serve" connected to a local Slack
// workspace.
type harness struct {
	t   testing.TB
	ws  *slacktest.Workspace
	log *syncBuffer
}

// startServe runs the real serve command against a fresh workspace and the
// target database, and stops it when the test ends.
func startServe(t testing.TB, target storagetest.Target, opts ...slacktest.Option) *harness {
	t.Helper()
	ws := slacktest.New(append([]slacktest.Option{slacktest.WithPingInterval(500 * time.Millisecond)}, opts...)...)
	t.Cleanup(ws.Close)
	return startServeOn(t, ws, target, nil)
}

// startServeOn runs serve against an existing workspace, with extra
// environment variables.
func startServeOn(t testing.TB, ws *slacktest.Workspace, target storagetest.Target, extra map[string]string) *harness {
	t.Helper()
	t.Cleanup(func() {
		for _, v := range ws.Violations() {
			t.Errorf("Slack would refuse or cut this: %s", v)
		}
	})
	ws.AddUser(slacktest.User{ID: alice, RealName: "Alice Adebayo"})
	ws.AddUser(slacktest.User{ID: bob, RealName: "Bob Brennan"})
	ws.AddUser(slacktest.User{ID: admin, RealName: "Priya Patel"})
	ws.AddUser(slacktest.User{ID: ghost, RealName: "Gone Away", Deleted: true})

	env := map[string]string{
		"SLACK_APP_TOKEN":   ws.AppToken(),
		"SLACK_BOT_TOKEN":   ws.BotToken(),
		"SLACK_API_URL":     ws.APIURL(),
		"DATABASE_URL":      target.URL,
		"RAPPORT_DATA_DIR":  target.DataDir,
		"RAPPORT_HTTP_ADDR": "127.0.0.1:0",
		"RAPPORT_ADMINS":    admin,
		"RAPPORT_LOG_LEVEL": "debug",
	}
	for k, v := range extra {
		env[k] = v
	}
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	go func() { exit <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, logs, logs) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-exit:
			if code != 0 {
				t.Errorf("serve exited with %d; log:\n%s", code, logs.String())
			}
		case <-time.After(20 * time.Second):
			t.Errorf("serve did not stop")
		}
		for _, secret := range []string{ws.AppToken(), ws.BotToken()} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("the log contains a token")
			}
		}
	})

	wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer wcancel()
	if err := ws.WaitForHello(wctx, 1); err != nil {
		select {
		case code := <-exit:
			t.Fatalf("serve exited with %d before connecting; log:\n%s", code, logs.String())
		default:
		}
		t.Fatalf("bot never connected: %v; log:\n%s", err, logs.String())
	}
	return &harness{t: t, ws: ws, log: logs}
}

func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

// command types "/introduce-me text" as user and returns the ack.
func (h *harness) command(user, text string) slacktest.Ack {
	h.t.Helper()
	ack, err := h.ws.SlashCommand(h.ctx(), user, "/introduce-me", text)
	if err != nil {
		h.t.Fatalf("/introduce-me %s: %v", text, err)
	}
	return ack
}

// reply types a command and returns the text of the private answer.
func (h *harness) reply(user, text string) string {
	h.t.Helper()
	ack := h.command(user, text)
	var msg struct {
		Text         string          `json:"text"`
		ResponseType string          `json:"response_type"`
		Blocks       json.RawMessage `json:"blocks"`
	}
	if err := ack.Decode(&msg); err != nil {
		h.t.Fatalf("/introduce-me %s: ack without a message: %v", text, err)
	}
	if msg.ResponseType != "ephemeral" {
		h.t.Errorf("/introduce-me %s: answer is %q, want ephemeral", text, msg.ResponseType)
	}
	return msg.Text + "\n" + blockText(h.t, msg.Blocks)
}

// blockText returns every text in a Block Kit array, as people read it.
func blockText(t testing.TB, raw json.RawMessage) string {
	t.Helper()
	if len(raw) == 0 {
		return ""
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				out = append(out, s)
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return strings.Join(out, "\n")
}

// openProfile runs /introduce-me and waits for the filled form.
func (h *harness) openProfile(user string) slacktest.View {
	h.t.Helper()
	before := len(h.ws.CallsTo("views.update"))
	if ack := h.command(user, ""); ack.Payload != nil && string(ack.Payload) != "null" {
		h.t.Fatalf("/introduce-me should ack empty and open a modal, acked %s", ack.Payload)
	}
	var form slacktest.View
	err := h.ws.Wait(h.ctx(), func() bool {
		if len(h.ws.CallsTo("views.update")) <= before {
			return false
		}
		for _, v := range h.ws.OpenViews(user) {
			if v.CallbackID == "profile" && len(v.Submit) > 0 {
				form = v
				return true
			}
		}
		return false
	})
	if err != nil {
		h.t.Fatalf("profile form never appeared for %s: %v; calls: %v", user, err, h.ws.CallsTo("views.open"))
	}
	return form
}

func (h *harness) submit(user string, v slacktest.View, values map[string]any) slacktest.Ack {
	h.t.Helper()
	ack, err := h.ws.SubmitView(h.ctx(), user, v.ID, values)
	if err != nil {
		h.t.Fatalf("submit: %v", err)
	}
	return ack
}

// fieldErrors returns a view_submission ack's inline errors, or nil when
// the ack closed the modal.
func fieldErrors(t testing.TB, ack slacktest.Ack) map[string]string {
	t.Helper()
	if ack.Payload == nil || string(ack.Payload) == "null" {
		return nil
	}
	var r struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	if err := ack.Decode(&r); err != nil {
		t.Fatalf("ack: %v", err)
	}
	if r.ResponseAction != "errors" {
		t.Fatalf("response_action = %q, want errors", r.ResponseAction)
	}
	return r.Errors
}

func (h *harness) waitDMs(user string, n int) []slacktest.Message {
	h.t.Helper()
	err := h.ws.Wait(h.ctx(), func() bool { return len(h.ws.DMs(user)) >= n })
	if err != nil {
		h.t.Fatalf("waiting for %d DMs to %s: %v (have %d)", n, user, err, len(h.ws.DMs(user)))
	}
	return h.ws.DMs(user)
}

func aliceProfile() map[string]any {
	return map[string]any{
		"organisation":    "Riverside Surgery",
		"sector":          "gp_practice",
		"role":            "practice_nurse",
		"career_stage":    "established",
		"interests":       []string{"Frailty", "Cycling"},
		"offers":          []string{"Diabetes"},
		"asks":            []string{"Quality improvement"},
		"offers_other":    "insulin starts",
		"frequency":       "weekly",
		"mentoring":       "mentor",
		"meeting":         "in_person",
		"bio":             "Diabetes lead <!channel> & cyclist",
		"interests_other": "sea swimming",
	}
}

func TestIntroduceMeEndToEnd(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			h := startServe(t, target)

			// An admin sets up the network's list; members cannot.
			if got := h.reply(alice, "admin practices add Riverside Surgery"); !strings.Contains(got, "Only network admins") {
				t.Errorf("non-admin got %q", got)
			}
			for _, name := range []string{"Riverside Surgery", "Hillview Medical Centre"} {
				if got := h.reply(admin, "admin practices add "+name); !strings.Contains(got, "Added "+name) {
					t.Errorf("add %s: %q", name, got)
				}
			}
			if got := h.reply(admin, "admin practices add riverside surgery"); !strings.Contains(got, "already") {
				t.Errorf("duplicate add: %q", got)
			}
			if got := h.reply(admin, "admin practices list"); !strings.Contains(got, "Hillview Medical Centre") || !strings.Contains(got, "2 practices") {
				t.Errorf("list: %q", got)
			}

			// Before joining, member commands explain what to do.
			if got := h.reply(alice, "pause"); !strings.Contains(got, "haven't joined") {
				t.Errorf("pause before joining: %q", got)
			}
			if got := h.reply(alice, "leave"); !strings.Contains(got, "nothing to erase") {
				t.Errorf("leave before joining: %q", got)
			}

			// Invalid answers come back inline and nothing is stored.
			form := h.openProfile(alice)
			if !strings.Contains(string(form.Blocks), "Hillview Medical Centre") {
				t.Errorf("form does not offer the network's practices")
			}
			bad := aliceProfile()
			bad["organisation"] = "__other__"
			bad["offers_other"] = "a1, a2, a3, a4, a5, a6, a7, a8, a9, a10"
			errs := fieldErrors(t, h.submit(alice, form, bad))
			if errs["organisation_other"] == "" || errs["offers_other"] == "" || len(errs) != 2 {
				t.Errorf("inline errors = %v", errs)
			}
			if got := h.reply(alice, "status"); !strings.Contains(got, "haven't joined") {
				t.Errorf("an invalid submission stored something: %q", got)
			}

			// A valid profile closes the modal and sends a summary DM.
			if errs := fieldErrors(t, h.submit(alice, form, aliceProfile())); errs != nil {
				t.Fatalf("valid profile refused: %v", errs)
			}
			dm := h.waitDMs(alice, 1)[0]
			for _, want := range []string{"Welcome to Rapport, Alice", "Riverside Surgery", "next round is on Monday"} {
				if !strings.Contains(dm.Text+blockText(t, dm.Blocks), want) {
					t.Errorf("welcome DM lacks %q: %s", want, dm.Text)
				}
			}
			if text := blockText(t, dm.Blocks); strings.Contains(text, "<!channel>") || !strings.Contains(text, "&lt;!channel&gt; &amp; cyclist") {
				t.Errorf("user text not escaped in the DM: %s", dm.Blocks)
			}

			// Running it again opens the form pre-filled.
			again := h.openProfile(alice)
			for _, want := range []string{"Diabetes lead", "insulin starts", "sea swimming", `"value":"Riverside Surgery"`} {
				if !strings.Contains(string(again.Blocks), want) {
					t.Errorf("pre-filled form lacks %q", want)
				}
			}

			status := h.reply(alice, "status")
			for _, want := range []string{"taking part", "Riverside Surgery", "Practice nurse", "insulin starts"} {
				if !strings.Contains(status, want) {
					t.Errorf("status lacks %q: %s", want, status)
				}
			}

			// Pause, with kind answers to bad dates.
			if got := h.reply(alice, "pause until 2020-01-01"); !strings.Contains(got, "already passed") {
				t.Errorf("past date: %q", got)
			}
			if got := h.reply(alice, "pause until someday"); !strings.Contains(got, "couldn't read") {
				t.Errorf("bad date: %q", got)
			}
			if got := h.reply(alice, "pause 3 weeks"); !strings.Contains(got, "paused until") {
				t.Errorf("pause: %q", got)
			}
			if got := h.reply(alice, "status"); !strings.Contains(got, "paused") {
				t.Errorf("status after pause: %q", got)
			}
			if got := h.reply(alice, "resume"); !strings.Contains(got, "Welcome back") {
				t.Errorf("resume: %q", got)
			}
			if got := h.reply(alice, "pause"); !strings.Contains(got, "until you resume") {
				t.Errorf("indefinite pause: %q", got)
			}

			// Export arrives by DM as JSON.
			if got := h.reply(alice, "export"); !strings.Contains(got, "direct message") {
				t.Errorf("export: %q", got)
			}
			dms := h.waitDMs(alice, 3)
			var export strings.Builder
			for _, m := range dms[1:] {
				export.WriteString(blockText(t, m.Blocks))
			}
			for _, want := range []string{`"organisation": "Riverside Surgery"`, `"bio": "Diabetes lead &lt;!channel&gt; &amp; cyclist"`, `"paused": true`} {
				if !strings.Contains(export.String(), want) {
					t.Errorf("export lacks %q:\n%s", want, export.String())
				}
			}

			// Unknown words get help with a suggestion.
			if got := h.reply(alice, "paws"); !strings.Contains(got, "Did you mean `/introduce-me pause`") || !strings.Contains(got, "/introduce-me export") {
				t.Errorf("unknown word: %q", got)
			}

			// Leave asks first, then erases everything.
			h.command(alice, "leave")
			confirm, _ := h.ws.LastEphemeral(alice)
			if !strings.Contains(confirm.Text, "Are you sure") && !strings.Contains(string(confirm.Blocks), "Are you sure") {
				t.Fatalf("leave did not ask for confirmation: %+v", confirm)
			}
			if got := h.reply(alice, "status"); !strings.Contains(got, "taking part") && !strings.Contains(got, "paused") {
				t.Errorf("asking to leave erased already: %q", got)
			}
			h.command(alice, "leave")
			last, _ := h.ws.LastEphemeral(alice)
			if _, err := h.ws.ClickButton(h.ctx(), alice, last.Channel, last.MessageTS, "leave_confirm", "leave"); err != nil {
				t.Fatalf("click: %v", err)
			}
			err := h.ws.Wait(h.ctx(), func() bool {
				e, _ := h.ws.LastEphemeral(alice)
				return strings.Contains(e.Text, "erased")
			})
			if err != nil {
				t.Fatalf("no confirmation of erasure: %v", err)
			}
			if got := h.reply(alice, "status"); !strings.Contains(got, "haven't joined") {
				t.Errorf("still stored after leaving: %q", got)
			}
			if got := h.reply(alice, "export"); !strings.Contains(got, "nothing to export") {
				t.Errorf("export after leaving: %q", got)
			}

			// Profile text never reaches the log.
			for _, private := range []string{"Diabetes lead", "insulin starts", "sea swimming"} {
				if strings.Contains(h.log.String(), private) {
					t.Errorf("the log contains profile text %q", private)
				}
			}
		})
	}
}

func TestUnknownUserCannotSaveAProfile(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			h := startServe(t, target)
			h.reply(admin, "admin practices add Riverside Surgery")
			form := h.openProfile(ghost)
			errs := fieldErrors(t, h.submit(ghost, form, aliceProfile()))
			if !strings.Contains(errs["organisation"], "couldn't find your account") {
				t.Fatalf("errors = %v", errs)
			}
			if got := h.reply(ghost, "status"); !strings.Contains(got, "haven't joined") {
				t.Errorf("a profile was stored for an unknown account: %q", got)
			}
		})
	}
}

func TestResilience(t *testing.T) {
	for _, target := range storagetest.Databases(t) {
		t.Run(target.Name, func(t *testing.T) {
			h := startServe(t, target)
			h.reply(admin, "admin practices add Riverside Surgery")

			// A socket dropped between opening the form and submitting it:
			// the bot reconnects and the submission still lands.
			form := h.openProfile(bob)
			if n := h.ws.DropSockets(); n == 0 {
				t.Fatal("no socket to drop")
			}
			if err := h.ws.WaitForHello(h.ctx(), 2); err != nil {
				t.Fatalf("no reconnect after a dropped socket: %v", err)
			}
			// 429 on the DM and a 500 on opening the DM channel: both
			// retried, and the DM arrives once.
			h.ws.RateLimitNext("chat.postMessage", 1, time.Second)
			h.ws.ServerErrorNext("conversations.open", 1)
			ack := h.submit(bob, form, aliceProfile())
			if errs := fieldErrors(t, ack); errs != nil {
				t.Fatalf("profile refused after reconnect: %v", errs)
			}
			dms := h.waitDMs(bob, 1)
			var limited, served int
			for _, c := range h.ws.CallsTo("chat.postMessage") {
				if c.Status == 429 {
					limited++
				} else if c.OK() {
					served++
				}
			}
			if limited != 1 || served != 1 || len(dms) != 1 {
				t.Errorf("chat.postMessage: %d limited, %d served, %d DMs; want 1, 1, 1", limited, served, len(dms))
			}

			// A redelivered submission is acked again and does nothing more.
			again, err := h.ws.Redeliver(h.ctx(), ack.EnvelopeID)
			if err != nil {
				t.Fatalf("redeliver: %v", err)
			}
			if string(again.Payload) != string(ack.Payload) {
				t.Errorf("redelivery acked %s, first delivery %s", again.Payload, ack.Payload)
			}
			time.Sleep(300 * time.Millisecond)
			if n := len(h.ws.DMs(bob)); n != 1 {
				t.Errorf("redelivery sent another DM: %d DMs", n)
			}

			// Slack's routine disconnect: the bot reconnects and serves on.
			h.ws.Disconnect("refresh_requested")
			if err := h.ws.WaitForHello(h.ctx(), 3); err != nil {
				t.Fatalf("no reconnect after disconnect: %v", err)
			}
			if got := h.reply(bob, "status"); !strings.Contains(got, "taking part") {
				t.Errorf("status after reconnect: %q", got)
			}

			// A malformed envelope is acked and dropped; the bot carries on.
			if _, err := h.ws.Send(h.ctx(), slacktest.TypeSlashCommands, json.RawMessage(`"not a command"`), true); err != nil {
				t.Errorf("malformed envelope was not acked: %v", err)
			}
			if got := h.reply(bob, "help"); !strings.Contains(got, "/introduce-me pause") {
				t.Errorf("help after a malformed envelope: %q", got)
			}

			// A 429 on views.open within the trigger's life is waited out.
			h.ws.RateLimitNext("views.open", 1, time.Second)
			h.openProfile(bob)
		})
	}
}
