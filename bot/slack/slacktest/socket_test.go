package slacktest_test

import (
	"errors"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/rapport-pcn/rapport/bot/slack/slacktest"
)

func TestSlashCommandRoundTrip(t *testing.T) {
	ws := newWorkspace(t)
	got := make(chan slack.SlashCommand, 1)
	bot := startBot(t, ws, func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Type != socketmode.EventTypeSlashCommand {
			return
		}
		cmd := evt.Data.(slack.SlashCommand)
		got <- cmd
		_ = c.Ack(*evt.Request, map[string]any{"text": "Hello " + cmd.Text})
	})
	ctx := testContext(t)

	ack, err := ws.SlashCommand(ctx, alice, "/rapport", "profile")
	if err != nil {
		t.Fatal(err)
	}
	var msg struct{ Text string }
	if err := ack.Decode(&msg); err != nil || msg.Text != "Hello profile" {
		t.Fatalf("ack payload = %s (%v); want text Hello profile", ack.Payload, err)
	}
	if ack.Latency <= 0 || ack.Latency > 3*time.Second {
		t.Errorf("ack latency = %v", ack.Latency)
	}

	cmd := <-got
	d, _ := ws.Delivery(ack.EnvelopeID)
	if d.Type != slacktest.TypeSlashCommands || !d.AcceptsResponsePayload {
		t.Errorf("delivery = %+v", d)
	}
	want := slack.SlashCommand{
		Token: cmd.Token, TeamID: ws.TeamID(), TeamDomain: "rapport-pcn",
		ChannelID: slacktest.DefaultChannelID, ChannelName: "general",
		UserID: alice, UserName: "alice.example", Command: "/rapport", Text: "profile",
		ResponseURL: cmd.ResponseURL, TriggerID: cmd.TriggerID, APIAppID: ws.AppID(),
	}
	if cmd != want {
		t.Errorf("slash command = %+v\nwant %+v", cmd, want)
	}
	if cmd.Token == "" || cmd.ResponseURL == "" || cmd.TriggerID == "" {
		t.Errorf("token, response_url or trigger_id missing: %+v", cmd)
	}
	if bot.count(socketmode.EventTypeHello) != 1 {
		t.Errorf("hello events = %d; want 1", bot.count(socketmode.EventTypeHello))
	}

	// The ack's message is shown to Alice alone, as Slack does by default.
	if e, ok := ws.LastEphemeral(alice); !ok || e.Text != "Hello profile" || e.Source != "ack" {
		t.Errorf("last ephemeral = %+v, %v", e, ok)
	}

	// The response_url works too, and posts in the channel when asked.
	api := apiClient(ws)
	if _, _, err := api.PostMessageContext(ctx, "", slack.MsgOptionText("Done", false),
		slack.MsgOptionResponseURL(cmd.ResponseURL, slack.ResponseTypeInChannel)); err != nil {
		t.Fatal(err)
	}
	msgs := ws.Messages(slacktest.DefaultChannelID)
	if len(msgs) != 1 || msgs[0].Text != "Done" {
		t.Errorf("general = %+v", msgs)
	}
}

func TestUnackedEnvelopeAndRedelivery(t *testing.T) {
	ws := newWorkspace(t, slacktest.WithAckTimeout(200*time.Millisecond))
	seen := make(chan string, 10)
	acking := make(chan bool, 1)
	acking <- false
	startBot(t, ws, func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Type != socketmode.EventTypeSlashCommand {
			return
		}
		seen <- evt.Request.EnvelopeID
		ok := <-acking
		acking <- true
		if ok {
			_ = c.Ack(*evt.Request)
		}
		if evt.Request.RetryAttempt > 0 && evt.Request.RetryReason != "timeout" {
			t.Errorf("retry reason = %q", evt.Request.RetryReason)
		}
	})
	ctx := testContext(t)

	ack, err := ws.SlashCommand(ctx, bob, "/rapport", "")
	if !errors.Is(err, slacktest.ErrNoAck) {
		t.Fatalf("err = %v; want ErrNoAck", err)
	}
	again, err := ws.Redeliver(ctx, ack.EnvelopeID)
	if err != nil {
		t.Fatal(err)
	}
	if again.EnvelopeID != ack.EnvelopeID || again.RetryAttempt != 1 {
		t.Errorf("redelivered ack = %+v", again)
	}
	if first, second := <-seen, <-seen; first != second {
		t.Errorf("envelope IDs differ: %s, %s", first, second)
	}
	d, _ := ws.Delivery(ack.EnvelopeID)
	if len(d.Attempts) != 2 || d.Attempts[1].RetryAttempt != 1 || d.Attempts[1].RetryReason != "timeout" || len(d.Acks) != 1 {
		t.Errorf("delivery = %+v", d)
	}
}

func TestClientReconnectsAfterDisconnectAndDrop(t *testing.T) {
	ws := newWorkspace(t, slacktest.WithDisconnectGrace(100*time.Millisecond))
	startBot(t, ws, ackAll)
	ctx := testContext(t)

	if n := ws.Disconnect("refresh_requested"); n != 1 {
		t.Fatalf("told %d connections; want 1", n)
	}
	if err := ws.WaitForHello(ctx, 2); err != nil {
		t.Fatalf("no reconnection after disconnect: %v", err)
	}
	if _, err := ws.SlashCommand(ctx, alice, "/rapport", "after disconnect"); err != nil {
		t.Fatal(err)
	}
	// The old connection lingers until the client closes it or the grace
	// period ends; only the new one should be left to drop.
	if err := ws.Wait(ctx, func() bool { return ws.Connections() == 1 }); err != nil {
		t.Fatalf("the connection told to go is still open: %v", err)
	}

	if n := ws.DropSockets(); n != 1 {
		t.Fatalf("dropped %d connections; want 1", n)
	}
	if err := ws.WaitForHello(ctx, 3); err != nil {
		t.Fatalf("no reconnection after drop: %v", err)
	}
	if _, err := ws.SlashCommand(ctx, alice, "/rapport", "after drop"); err != nil {
		t.Fatal(err)
	}
	if got := len(ws.CallsTo("apps.connections.open")); got != 3 {
		t.Errorf("apps.connections.open calls = %d; want 3", got)
	}
}

func TestReconnectSurvivesFailingConnectionsOpen(t *testing.T) {
	ws := newWorkspace(t)
	startBot(t, ws, ackAll)
	ctx := testContext(t)

	ws.FailConnectionsOpen(1, "internal_error")
	ws.DropSockets()
	if err := ws.WaitForHello(ctx, 2); err != nil {
		t.Fatal(err)
	}
	calls := ws.CallsTo("apps.connections.open")
	if len(calls) != 3 || calls[1].Error != "internal_error" || !calls[2].OK() {
		t.Errorf("apps.connections.open calls = %+v", calls)
	}
}

func TestPingsKeepClientConnected(t *testing.T) {
	ws := newWorkspace(t, slacktest.WithPingInterval(50*time.Millisecond))
	startBot(t, ws, ackAll, socketmode.OptionPingInterval(300*time.Millisecond))

	time.Sleep(time.Second) // more than three of the client's ping intervals
	if h := ws.Hellos(); h != 1 {
		t.Fatalf("hellos = %d with pings; want 1 (no reconnection)", h)
	}

	// Without pings the client gives up on the connection and reconnects.
	ws.PausePings(true)
	if err := ws.WaitForHello(testContext(t), 2); err != nil {
		t.Fatalf("client did not reconnect without pings: %v", err)
	}
	ws.PausePings(false)
}
