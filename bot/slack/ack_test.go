package slack

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// A reply too big for an ack, which Slack would drop without a word, goes
// through the response URL instead, whole; a small one stays the ack.
func TestRepliesTooBigForAnAckGoByResponseURL(t *testing.T) {
	got := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	defer srv.Close()
	a := New(nil, slack.New("xoxb-test"), Options{})
	cmd := slack.SlashCommand{UserID: "U0AAAAAAA1", ResponseURL: srv.URL}

	small := plainReply("short")
	if ack, after := a.fitAck(cmd, small, nil); ack != small || after != nil {
		t.Fatalf("a small reply was not kept as the ack")
	}

	b := messageBlocks()
	for range 40 {
		b.section(esc(strings.Repeat("&<>", 300)))
	}
	big := ephemeral("big", b.done())
	ack, after := a.fitAck(cmd, big, nil)
	if ack != nil || after == nil {
		t.Fatalf("a big reply was acked: %T", ack)
	}
	after(context.Background())
	var msg struct {
		Blocks []json.RawMessage `json:"blocks"`
		Type   string            `json:"response_type"`
	}
	if err := json.Unmarshal(<-got, &msg); err != nil {
		t.Fatal(err)
	}
	if len(msg.Blocks) != len(big.Blocks) || msg.Type != "ephemeral" {
		t.Errorf("response URL got %d blocks (%s), want %d, ephemeral", len(msg.Blocks), msg.Type, len(big.Blocks))
	}
}
