package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrNoAck is returned when the bot did not ack an envelope within the ack
// timeout (three seconds by default, as Slack allows).
var ErrNoAck = errors.New("slacktest: envelope not acked in time")

// Envelope types Slack sends over Socket Mode.
const (
	TypeSlashCommands = "slash_commands"
	TypeInteractive   = "interactive"
	TypeEventsAPI     = "events_api"
)

// Ack is the bot's acknowledgement of an envelope.
type Ack struct {
	// EnvelopeID is the envelope acknowledged.
	EnvelopeID string
	// Payload is the ack's payload (a slash command's response message, a
	// view_submission's response_action...), or nil.
	Payload json.RawMessage
	// ReceivedAt is when the ack arrived, on the real clock.
	ReceivedAt time.Time
	// Latency is the time from sending the (latest) attempt to the ack.
	Latency time.Duration
	// RetryAttempt is the retry_attempt of the delivery it acknowledged.
	RetryAttempt int
	// Conn numbers the connection the ack came on (1 for the first).
	Conn int
}

// Decode unmarshals the ack's payload into v.
func (a Ack) Decode(v any) error {
	if a.Payload == nil {
		return errors.New("slacktest: ack has no payload")
	}
	return json.Unmarshal(a.Payload, v)
}

// Attempt is one sending of an envelope.
type Attempt struct {
	RetryAttempt int
	RetryReason  string
	SentAt       time.Time
	Conn         int
}

// Delivery is an envelope the workspace sent, with its attempts and acks.
type Delivery struct {
	EnvelopeID             string
	Type                   string
	Payload                json.RawMessage
	AcceptsResponsePayload bool
	Attempts               []Attempt
	Acks                   []Ack
}

// Acked reports whether the bot acknowledged the envelope at least once.
func (d Delivery) Acked() bool { return len(d.Acks) > 0 }

// delivery is the workspace's record of an envelope.
type delivery struct {
	id       string
	typ      string
	payload  json.RawMessage
	accepts  bool
	attempts []Attempt
	acks     []Ack

	// What the envelope was about, for the ack's effects.
	user      string
	channel   string
	viewID    string
	kind      string // payload type: "view_submission", "block_actions"...
	messageTS string
}

func (d *delivery) snapshot() Delivery {
	return Delivery{
		EnvelopeID:             d.id,
		Type:                   d.typ,
		Payload:                slices.Clone(d.payload),
		AcceptsResponsePayload: d.accepts,
		Attempts:               slices.Clone(d.attempts),
		Acks:                   slices.Clone(d.acks),
	}
}

// Delivery returns the envelope with the given ID.
func (ws *Workspace) Delivery(envelopeID string) (Delivery, bool) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	d, ok := ws.deliveries[envelopeID]
	if !ok {
		return Delivery{}, false
	}
	return d.snapshot(), true
}

// Deliveries returns every envelope sent, oldest first, with their ack
// latencies in Acks.
func (ws *Workspace) Deliveries() []Delivery {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	out := make([]Delivery, 0, len(ws.deliveryOrder))
	for _, id := range ws.deliveryOrder {
		out = append(out, ws.deliveries[id].snapshot())
	}
	return out
}

// StrayAcks returns acks for envelope IDs the workspace never sent.
func (ws *Workspace) StrayAcks() []Ack {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return slices.Clone(ws.strayAcks)
}

// Send sends an envelope of type typ (TypeEventsAPI, for instance) with the
// given payload and waits for its ack. SlashCommand, ClickButton and
// SubmitView build their payloads and call it.
func (ws *Workspace) Send(ctx context.Context, typ string, payload any, acceptsResponsePayload bool) (Ack, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return Ack{}, fmt.Errorf("slacktest: encode payload: %w", err)
	}
	ws.mu.Lock()
	d := &delivery{id: ws.envelopeIDLocked(), typ: typ, payload: raw, accepts: acceptsResponsePayload}
	ws.mu.Unlock()
	return ws.sendDelivery(ctx, d)
}

// sendDelivery registers d, sends it and waits for the ack.
func (ws *Workspace) sendDelivery(ctx context.Context, d *delivery) (Ack, error) {
	ws.mu.Lock()
	ws.deliveries[d.id] = d
	ws.deliveryOrder = append(ws.deliveryOrder, d.id)
	ws.mu.Unlock()
	if err := ws.deliver(ctx, d, 0, ""); err != nil {
		return Ack{EnvelopeID: d.id}, err
	}
	return ws.waitAck(ctx, d.id, 0)
}

// Redeliver sends an envelope again, with the same envelope_id and
// retry_attempt one higher (retry_reason "timeout"), as Slack does when an
// ack does not arrive, and waits for the ack of this attempt.
func (ws *Workspace) Redeliver(ctx context.Context, envelopeID string) (Ack, error) {
	ws.mu.Lock()
	d, ok := ws.deliveries[envelopeID]
	retry := 0
	if ok && len(d.attempts) > 0 {
		retry = d.attempts[len(d.attempts)-1].RetryAttempt + 1
	}
	ws.mu.Unlock()
	if !ok {
		return Ack{}, fmt.Errorf("slacktest: no envelope %q to redeliver", envelopeID)
	}
	if err := ws.deliver(ctx, d, retry, "timeout"); err != nil {
		return Ack{EnvelopeID: envelopeID}, err
	}
	return ws.waitAck(ctx, envelopeID, retry)
}

// deliver writes one attempt of d to an open connection, waiting for one
// if the bot is between connections.
func (ws *Workspace) deliver(ctx context.Context, d *delivery, retry int, reason string) error {
	for {
		var c *socketConn
		err := ws.waitLocked(ctx, func() bool {
			c = ws.pickConnLocked()
			return c != nil
		})
		if err != nil {
			return fmt.Errorf("slacktest: no Socket Mode connection to send %s: %w", d.typ, err)
		}
		env := obj{
			"envelope_id":              d.id,
			"payload":                  d.payload,
			"type":                     d.typ,
			"accepts_response_payload": d.accepts,
			"retry_attempt":            retry,
			"retry_reason":             reason,
		}
		ws.mu.Lock()
		// Recorded before writing so that a quick ack finds its attempt.
		d.attempts = append(d.attempts, Attempt{RetryAttempt: retry, RetryReason: reason, SentAt: time.Now(), Conn: c.id})
		ws.mu.Unlock()
		if err := c.writeJSON(env); err != nil {
			ws.mu.Lock()
			d.attempts = d.attempts[:len(d.attempts)-1]
			ws.mu.Unlock()
			c.close()
			continue
		}
		ws.log.Debug("slacktest: envelope sent", "type", d.typ, "envelope_id", d.id, "retry_attempt", retry, "conn", c.id)
		return nil
	}
}

// waitAck waits, up to the ack timeout, for an ack of the given attempt.
func (ws *Workspace) waitAck(ctx context.Context, envelopeID string, retry int) (Ack, error) {
	tctx, cancel := context.WithTimeout(ctx, ws.cfg.ackTimeout)
	defer cancel()
	var ack Ack
	err := ws.waitLocked(tctx, func() bool {
		for _, a := range ws.deliveries[envelopeID].acks {
			if a.RetryAttempt == retry {
				ack = a
				return true
			}
		}
		return false
	})
	switch {
	case err == nil:
		return ack, nil
	case ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
		return Ack{EnvelopeID: envelopeID}, fmt.Errorf("%w: %s after %v", ErrNoAck, envelopeID, ws.cfg.ackTimeout)
	default:
		return Ack{EnvelopeID: envelopeID}, err
	}
}

// applyAckLocked gives the first ack of an envelope its effect in the
// workspace, as Slack would: a slash command's response message is shown,
// a view_submission's response_action changes the user's views.
func (ws *Workspace) applyAckLocked(d *delivery, ack Ack) {
	switch {
	case d.typ == TypeSlashCommands && ack.Payload != nil:
		var msg responseMessage
		// Slack shows nothing for an ack it cannot accept.
		if json.Unmarshal(ack.Payload, &msg) == nil && ws.checkResponseLocked("ack", &msg) == nil {
			ws.showResponseLocked(responseTarget{user: d.user, channel: d.channel}, msg, "ack")
		}
	case d.kind == "view_submission":
		var resp struct {
			ResponseAction string          `json:"response_action"`
			View           json.RawMessage `json:"view"`
		}
		if ack.Payload != nil {
			_ = json.Unmarshal(ack.Payload, &resp)
		}
		ws.viewSubmittedLocked(d.user, d.viewID, resp.ResponseAction, resp.View)
	}
}
