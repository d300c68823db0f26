package slack

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
)

// An answer too big for an ack, which Slack would drop without a word, goes
// through the response URL instead, whole; a small one stays the ack.
func TestRepliesTooBigForAnAckGoByResponseURL(t *testing.T) {
	got := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	defer srv.Close()
	a := New(nil, slack.New("xoxb-test"), Options{})
	o := origin{user: "U0AAAAAAA1", responseURL: srv.URL}

	if ack, after := a.commandAck(o, bot.Answer("short")); ack == nil || after != nil {
		t.Fatalf("a small answer was not kept as the ack")
	}

	big := &bot.Message{}
	for range 40 {
		big.Add(bot.Section{Text: bot.P(strings.Repeat("&<>", 300))})
	}
	ack, after := a.commandAck(o, bot.AnswerWith(big))
	if ack != nil || after == nil {
		t.Fatalf("a big answer was acked: %T", ack)
	}
	after(context.Background())
	var msg struct {
		Blocks []json.RawMessage `json:"blocks"`
		Type   string            `json:"response_type"`
	}
	if err := json.Unmarshal(<-got, &msg); err != nil {
		t.Fatal(err)
	}
	if _, blocks := renderMessage(big); len(msg.Blocks) != len(blocks) || msg.Type != "ephemeral" {
		t.Errorf("response URL got %d blocks (%s), want %d, ephemeral", len(msg.Blocks), msg.Type, len(blocks))
	}
}
