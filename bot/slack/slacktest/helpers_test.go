package slacktest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
)

const (
	alice = "U0000ALICE"
	bob   = "U00000BOB1"
)

// newWorkspace starts a workspace with two users, closed when the test ends.
func newWorkspace(t *testing.T, opts ...slacktest.Option) *slacktest.Workspace {
	t.Helper()
	ws := slacktest.New(opts...)
	t.Cleanup(ws.Close)
	ws.AddUser(slacktest.User{ID: alice, RealName: "Alice Example", DisplayName: "alice"})
	ws.AddUser(slacktest.User{ID: bob, RealName: "Bob Example", TZ: "Europe/Paris"})
	return ws
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// apiClient is slack-go's Web API client pointed at the workspace.
func apiClient(ws *slacktest.Workspace, opts ...slack.Option) *slack.Client {
	opts = append([]slack.Option{slack.OptionAppLevelToken(ws.AppToken()), slack.OptionAPIURL(ws.APIURL())}, opts...)
	return slack.New(ws.BotToken(), opts...)
}

// testBot runs slack-go's Socket Mode client against the workspace and
// hands each event to handle, which must be quick.
type testBot struct {
	client *socketmode.Client
	mu     sync.Mutex
	seen   []socketmode.EventType
}

func (b *testBot) count(typ socketmode.EventType) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, s := range b.seen {
		if s == typ {
			n++
		}
	}
	return n
}

func startBot(t *testing.T, ws *slacktest.Workspace, handle func(*socketmode.Client, socketmode.Event), opts ...socketmode.Option) *testBot {
	t.Helper()
	b := &testBot{client: socketmode.New(apiClient(ws), opts...)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = b.client.RunContext(ctx) })
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-b.client.Events:
				b.mu.Lock()
				b.seen = append(b.seen, evt.Type)
				b.mu.Unlock()
				if handle != nil {
					handle(b.client, evt)
				}
			}
		}
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	if err := ws.WaitForHello(testContext(t), 1); err != nil {
		t.Fatalf("bot did not connect: %v", err)
	}
	return b
}

// ackAll acks every request without a payload.
func ackAll(c *socketmode.Client, evt socketmode.Event) {
	if evt.Request != nil && evt.Request.EnvelopeID != "" {
		_ = c.Ack(*evt.Request)
	}
}

// rawSocket is a bare WebSocket client, to see the workspace's JSON as sent.
type rawSocket struct {
	conn *websocket.Conn
}

func dialRaw(t *testing.T, ws *slacktest.Workspace) *rawSocket {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ws.APIURL()+"apps.connections.open", strings.NewReader(url.Values{}.Encode()))
	req.Header.Set("Authorization", "Bearer "+ws.AppToken())
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var open struct {
		OK  bool   `json:"ok"`
		URL string `json:"url"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&open); err != nil || !open.OK {
		t.Fatalf("apps.connections.open: ok=%v err=%v", open.OK, err)
	}
	conn, _, err := websocket.DefaultDialer.Dial(open.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &rawSocket{conn: conn}
}

// next reads the next JSON message.
func (r *rawSocket) next(t *testing.T) map[string]any {
	t.Helper()
	_ = r.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m map[string]any
	if err := r.conn.ReadJSON(&m); err != nil {
		t.Fatalf("read from socket: %v", err)
	}
	return m
}

func (r *rawSocket) ack(t *testing.T, envelopeID string, payload any) {
	t.Helper()
	msg := map[string]any{"envelope_id": envelopeID}
	if payload != nil {
		msg["payload"] = payload
	}
	if err := r.conn.WriteJSON(msg); err != nil {
		t.Fatal(err)
	}
}

// modal is a view with a required text input, an optional select and a
// date, as the bot might open it.
func modal() slack.ModalViewRequest {
	opt := func(v, text string) *slack.OptionBlockObject {
		return slack.NewOptionBlockObject(v, slack.NewTextBlockObject(slack.PlainTextType, text, false, false), nil)
	}
	return slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: "profile",
		Title:      slack.NewTextBlockObject(slack.PlainTextType, "Your profile", false, false),
		Submit:     slack.NewTextBlockObject(slack.PlainTextType, "Save", false, false),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("role", slack.NewTextBlockObject(slack.PlainTextType, "Role", false, false), nil,
				slack.NewPlainTextInputBlockElement(nil, "role_input")),
			func() slack.Block {
				b := slack.NewInputBlock("site", slack.NewTextBlockObject(slack.PlainTextType, "Site", false, false), nil,
					slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, nil, "site_select", opt("north", "North surgery"), opt("south", "South surgery")))
				b.Optional = true
				return b
			}(),
			slack.NewInputBlock("topics", slack.NewTextBlockObject(slack.PlainTextType, "Topics", false, false), nil,
				slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, nil, "topics_select", opt("gardening", "Gardening"), opt("running", "Running"), opt("books", "Books"))),
			func() slack.Block {
				b := slack.NewInputBlock("since", slack.NewTextBlockObject(slack.PlainTextType, "Since", false, false), nil,
					slack.NewDatePickerBlockElement("since_date"))
				b.Optional = true
				return b
			}(),
		}},
	}
}

var httpClient = http.DefaultClient

func newRequest(ctx context.Context, target, body string) (*http.Request, error) {
	return http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(body))
}
