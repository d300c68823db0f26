package slacktest_test

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// The workspace refuses blocks outside Slack's documented limits as Slack
// does, and records every breach, so a test that sends one fails even if
// it never looks at the answer.
func TestBlockKitLimits(t *testing.T) {
	section := func(n int) slack.Block {
		return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("é", n), false, false), nil, nil)
	}
	header := func(n int) slack.Block {
		return slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("h", n), false, false))
	}
	context := func(n int) slack.Block {
		return slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("c", n), false, false))
	}
	button := func(label, value int) slack.Block {
		return slack.NewActionBlock("", slack.NewButtonBlockElement("a", strings.Repeat("v", value),
			slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("b", label), false, false)))
	}
	fields := func(n, size int) slack.Block {
		var fs []*slack.TextBlockObject
		for range n {
			fs = append(fs, slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("f", size), false, false))
		}
		return slack.NewSectionBlock(nil, fs, nil)
	}
	many := func(n int) []slack.Block {
		var out []slack.Block
		for range n {
			out = append(out, slack.NewDividerBlock())
		}
		return out
	}
	tests := []struct {
		name   string
		blocks []slack.Block
		ok     bool
	}{
		{"section of 3000 characters", []slack.Block{section(3000)}, true},
		{"section of 3001 characters", []slack.Block{section(3001)}, false},
		{"empty section", []slack.Block{section(0)}, false},
		{"header of 150", []slack.Block{header(150)}, true},
		{"header of 151", []slack.Block{header(151)}, false},
		{"context of 3000", []slack.Block{context(3000)}, true},
		{"context of 3001", []slack.Block{context(3001)}, false},
		{"button text of 75", []slack.Block{button(75, 10)}, true},
		{"button text of 76", []slack.Block{button(76, 10)}, false},
		{"button value of 2001", []slack.Block{button(5, 2001)}, false},
		{"ten fields of 2000", []slack.Block{fields(10, 2000)}, true},
		{"eleven fields", []slack.Block{fields(11, 10)}, false},
		{"field of 2001", []slack.Block{fields(1, 2001)}, false},
		{"50 blocks", many(50), true},
		{"51 blocks", many(51), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := newWorkspace(t)
			api := apiClient(ws)
			ctx := testContext(t)
			ch, ts, perr := api.PostMessageContext(ctx, alice, slack.MsgOptionText("first", false))
			if perr != nil {
				t.Fatal(perr)
			}
			_, _, err := api.PostMessageContext(ctx, alice, slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(tt.blocks...))
			_, _, _, uerr := api.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(tt.blocks...))
			_, eerr := api.PostEphemeralContext(ctx, alice, alice, slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(tt.blocks...))
			if tt.ok {
				if err != nil || uerr != nil || eerr != nil {
					t.Fatalf("refused: %v, %v, %v", err, uerr, eerr)
				}
				if v := ws.Violations(); len(v) != 0 {
					t.Errorf("violations for a valid message: %q", v)
				}
				return
			}
			for method, err := range map[string]error{"chat.postMessage": err, "chat.update": uerr, "chat.postEphemeral": eerr} {
				if err == nil || err.Error() != "invalid_blocks" {
					t.Errorf("%s: err = %v; want invalid_blocks", method, err)
				}
			}
			if v := ws.Violations(); len(v) < 2 || !strings.Contains(v[0], "json-pointer:/blocks") {
				t.Errorf("violations = %q", v)
			}
			if dms := ws.DMs(alice); len(dms) != 1 || dms[0].Edited {
				t.Errorf("a refused message was posted or applied: %+v", dms)
			}
		})
	}
}

// Slack keeps the first 40,000 characters of a message's text rather than
// refusing it; the workspace does the same but records the breach.
func TestMessageTextLimit(t *testing.T) {
	ws := newWorkspace(t)
	api := apiClient(ws)
	ctx := testContext(t)
	if _, _, err := api.PostMessageContext(ctx, alice, slack.MsgOptionText(strings.Repeat("x", 40000), false)); err != nil {
		t.Fatal(err)
	}
	if v := ws.Violations(); len(v) != 0 {
		t.Fatalf("violations at 40,000: %q", v)
	}
	if _, _, err := api.PostMessageContext(ctx, alice, slack.MsgOptionText(strings.Repeat("é", 40001), false)); err != nil {
		t.Fatal(err)
	}
	dms := ws.DMs(alice)
	if got := len([]rune(dms[len(dms)-1].Text)); got != 40000 {
		t.Errorf("kept %d characters; want 40000", got)
	}
	if v := ws.Violations(); len(v) != 1 || !strings.Contains(v[0], "40001") {
		t.Errorf("violations = %q", v)
	}
}

// Views are checked as messages are, with invalid_arguments, and an input
// may not be pre-filled beyond its own max_length.
func TestViewLimits(t *testing.T) {
	input := func(initial string, maxLen int) slack.ModalViewRequest {
		el := slack.NewPlainTextInputBlockElement(nil, "value")
		el.InitialValue = initial
		el.MaxLength = maxLen
		v := modal()
		v.Submit = slack.NewTextBlockObject(slack.PlainTextType, "Save", false, false)
		v.Blocks.BlockSet = append(v.Blocks.BlockSet, slack.NewInputBlock("in", slack.NewTextBlockObject(slack.PlainTextType, "Label", false, false), nil, el))
		return v
	}
	tests := []struct {
		name string
		view slack.ModalViewRequest
		ok   bool
	}{
		{"initial value within max_length", input(strings.Repeat("é", 200), 200), true},
		{"initial value beyond max_length", input(strings.Repeat("é", 201), 200), false},
		{"max_length beyond 3000", input("", 3001), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := newWorkspace(t)
			startBot(t, ws, ackAll)
			api := apiClient(ws)
			_, err := api.OpenViewContext(testContext(t), triggerFrom(t, ws, alice), tt.view)
			if tt.ok {
				if err != nil || len(ws.Violations()) != 0 {
					t.Fatalf("err = %v, violations %q", err, ws.Violations())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "invalid_arguments") {
				t.Errorf("err = %v; want invalid_arguments", err)
			}
			if len(ws.Violations()) != 1 {
				t.Errorf("violations = %q", ws.Violations())
			}
		})
	}
}

// An ack of 20 KB or more on the wire is dropped, as Slack drops it, and
// recorded; a smaller one is shown.
func TestAckPayloadLimit(t *testing.T) {
	for _, tt := range []struct {
		name string
		size int
		ok   bool
	}{{"small", 1000, true}, {"20 KB", 20 * 1024, false}} {
		t.Run(tt.name, func(t *testing.T) {
			ws := newWorkspace(t)
			raw := dialRaw(t, ws)
			raw.next(t) // hello
			done := make(chan error, 1)
			go func() {
				_, err := ws.SlashCommand(testContext(t), alice, "/introduce-me", "status")
				done <- err
			}()
			env := raw.next(t)
			id, _ := env["envelope_id"].(string)
			raw.ack(t, id, map[string]any{"response_type": "ephemeral", "text": strings.Repeat("x", tt.size)})
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			_, shown := ws.LastEphemeral(alice)
			if shown != tt.ok || (len(ws.Violations()) == 0) != tt.ok {
				t.Errorf("shown %v, violations %q", shown, ws.Violations())
			}
		})
	}
}
