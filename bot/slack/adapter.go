// Package slack connects Rapport to Slack through Socket Mode: it turns
// slash commands and interactions into calls on bot.Chat, renders the
// replies and the outbox's messages as Block Kit, and sends them within
// Slack's limits.
package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// Platform is the name under which Slack members are stored.
const Platform = "slack"

// DefaultAckBudget is how long a handler may work before its envelope must
// be acknowledged. Slack waits three seconds; the rest is margin for the
// network.
const DefaultAckBudget = 2 * time.Second

// DefaultReadyGrace is how long Socket Mode may stay disconnected before
// Ready says so. Slack refreshes each connection every few hours and the
// client reconnects within seconds, which must not make the bot unready.
const DefaultReadyGrace = 2 * time.Minute

// Options configure an Adapter.
type Options struct {
	Logger *slog.Logger
	// Now returns the current time; tests pass a controllable clock.
	Now func() time.Time
	// AckBudget overrides DefaultAckBudget.
	AckBudget time.Duration
	// DeliveryAPI sends intros and follow-ups. It should not retry by
	// itself, so that the outbox can pause as a whole on a 429; nil means
	// a client like api without retries.
	DeliveryAPI *slack.Client
	// Limits pace delivery; the zero value is Slack's published limits.
	Limits Limits
	// Envelopes shares which envelopes have been handled between
	// replicas, so a redelivery that reaches another replica does nothing
	// twice; nil means this process alone remembers.
	Envelopes EnvelopeStore
	// OnConnected is called each time Socket Mode connects: by then Slack
	// has accepted both tokens, so work that needs Slack can start.
	OnConnected func()
	// Meter records how long Slack waited for each ack and each person
	// for their answer; nil records nothing.
	Meter bot.Meter
	// ReadyGrace overrides DefaultReadyGrace.
	ReadyGrace time.Duration
}

// Adapter serves one Slack workspace over Socket Mode: it turns Slack's
// payloads into calls on the conversation core and carries out its
// replies.
type Adapter struct {
	chat        *bot.Chat
	deliveryAPI *slack.Client
	limits      Limits
	api         *slack.Client
	sm          *socketmode.Client
	log         *slog.Logger
	now         func() time.Time
	budget      time.Duration

	seen        *envelopes
	envelopes   EnvelopeStore
	work        sync.WaitGroup
	onConnected func()
	meter       bot.Meter

	// botUserID is the bot's own user, whose messages it does not answer;
	// set by Run before any envelope arrives.
	botUserID string
	// homeMu serialises the Home tab publishes of each person (by a hash
	// of their ID).
	homeMu [32]sync.Mutex

	// conn is the Socket Mode connection's state, for Ready.
	conn connState
	// observed, when set, is told of each connection event once it has
	// been taken into account; tests wait on it.
	observed func(socketmode.EventType)
}

// EnvelopeStore remembers which Socket Mode envelopes have been handled,
// where every replica sees it.
type EnvelopeStore interface {
	// ClaimEnvelope records the envelope ID and reports whether this is its
	// first delivery to any replica.
	ClaimEnvelope(ctx context.Context, id string, now time.Time) (bool, error)
}

// NewClient returns a Slack Web API client for the tokens and API URL.
// It waits out 429 answers as Retry-After asks, and retries 5xx answers
// with jittered backoff, a few times each.
func NewClient(botToken, appToken, apiURL string) *slack.Client {
	cfg := slack.DefaultRetryConfig()
	cfg.MaxRetries = 3
	cfg.Handlers = []slack.RetryHandler{slack.NewRateLimitErrorRetryHandler(cfg), slack.NewServerErrorRetryHandler(cfg)}
	return slack.New(botToken,
		slack.OptionAppLevelToken(appToken),
		slack.OptionAPIURL(apiURL),
		slack.OptionRetryConfig(cfg),
	)
}

// NewDeliveryClient returns the client that sends intros and follow-ups.
// It does not retry by itself, so that the outbox can pause as a whole on
// a 429, and it keeps a connection open per delivery worker.
func NewDeliveryClient(botToken, apiURL string) *slack.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 32
	return slack.New(botToken, slack.OptionAPIURL(apiURL), slack.OptionHTTPClient(&http.Client{Transport: transport, Timeout: 30 * time.Second}))
}

// New returns an adapter that serves chat through api.
func New(chat *bot.Chat, api *slack.Client, opt Options) *Adapter {
	a := &Adapter{
		chat: chat, api: api, deliveryAPI: opt.DeliveryAPI, limits: opt.Limits,
		log: opt.Logger, now: opt.Now, budget: opt.AckBudget,
		seen: newEnvelopes(15 * time.Minute), envelopes: opt.Envelopes, onConnected: opt.OnConnected,
		meter: opt.Meter, conn: connState{grace: opt.ReadyGrace},
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.meter == nil {
		a.meter = bot.NoMeter{}
	}
	if a.conn.grace <= 0 {
		a.conn.grace = DefaultReadyGrace
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.budget <= 0 {
		a.budget = DefaultAckBudget
	}
	if a.deliveryAPI == nil {
		a.deliveryAPI = api
	}
	// slack-go writes only debug lines through this logger, and those are
	// off; route them to slog all the same so nothing reaches stderr raw.
	a.sm = socketmode.New(api, socketmode.OptionLog(log.New(slogWriter{a.log}, "", 0)))
	return a
}

// Run connects to Slack and serves envelopes until ctx is cancelled, then
// waits briefly for work in progress. It returns an error when Slack
// refuses the tokens.
func (a *Adapter) Run(ctx context.Context) error {
	auth, err := a.api.AuthTestContext(ctx)
	if slackErrorIs(err, "invalid_auth", "not_authed", "account_inactive", "token_revoked") {
		return a.conn.stop(fmt.Errorf("Slack refused SLACK_BOT_TOKEN (%w): copy the Bot User OAuth Token again from your app's OAuth & Permissions page", err))
	} else if err != nil {
		return a.conn.stop(fmt.Errorf("checking SLACK_BOT_TOKEN with Slack (auth.test) at SLACK_API_URL: %w", err))
	}
	a.log.Info("connected to Slack workspace", "team", auth.Team, "bot_user", auth.UserID)
	a.botUserID = auth.UserID

	runErr := make(chan error, 1)
	go func() { runErr <- a.sm.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			a.drain()
			return nil
		case err := <-runErr:
			if ctx.Err() != nil {
				a.drain()
				return nil
			}
			a.drain()
			if slackErrorIs(err, "invalid_auth", "not_authed", "account_inactive", "token_revoked") {
				return a.conn.stop(fmt.Errorf("Slack refused SLACK_APP_TOKEN (%w): copy the app-level token (xapp-…) again from your app's Basic Information page", err))
			}
			return a.conn.stop(fmt.Errorf("Socket Mode connection failed (check SLACK_APP_TOKEN and that Socket Mode is on): %w", err))
		case evt := <-a.sm.Events:
			a.dispatch(ctx, evt)
		}
	}
}

// drain waits for handlers in flight, so a shutdown does not cut a
// profile save or a DM in half.
func (a *Adapter) drain() {
	done := make(chan struct{})
	go func() { a.work.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		a.log.Warn("gave up waiting for Slack handlers to finish")
	}
}

func (a *Adapter) dispatch(ctx context.Context, evt socketmode.Event) {
	received := time.Now()
	if a.observed != nil {
		defer a.observed(evt.Type)
	}
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		a.log.Debug("connecting to Slack Socket Mode")
		a.conn.lost(a.now())
	case socketmode.EventTypeConnected:
		a.log.Info("Socket Mode connected")
		a.conn.up()
		if a.onConnected != nil {
			a.onConnected()
		}
	case socketmode.EventTypeHello:
		a.log.Debug("Socket Mode hello")
		a.conn.up()
	case socketmode.EventTypeDisconnect:
		a.log.Info("Slack asked us to reconnect")
		a.conn.lost(a.now())
	case socketmode.EventTypeConnectionError:
		if e, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			a.log.Warn("Socket Mode connection error; retrying", "attempt", e.Attempt, "backoff", e.Backoff, "err", e.ErrorObj)
		}
		a.conn.lost(a.now())
	case socketmode.EventTypeInvalidAuth:
		a.log.Error("Slack refused the app-level token")
		a.conn.stop(errors.New("Slack refused SLACK_APP_TOKEN: copy the app-level token (xapp-…) again from your app's Basic Information page"))
	case socketmode.EventTypeErrorBadMessage:
		a.dropBadMessage(evt)
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if ok && evt.Request != nil {
			a.serve(ctx, received, evt.Request, "slash_command", a.commandFallback(), func(ctx context.Context, ans *answered) (any, func(context.Context)) {
				return a.onCommand(ctx, cmd, ans)
			})
		}
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if ok && evt.Request != nil {
			a.serve(ctx, received, evt.Request, string(cb.Type), a.interactionFallback(cb), func(ctx context.Context, ans *answered) (any, func(context.Context)) {
				return a.onInteraction(ctx, cb, ans)
			})
		}
	case socketmode.EventTypeEventsAPI:
		if evt.Request == nil || evt.Request.EnvelopeID == "" {
			return
		}
		if ev, ok := evt.Data.(slackevents.EventsAPIEvent); ok {
			a.onEvent(ctx, received, evt.Request, ev)
		} else {
			a.ack(evt.Request.EnvelopeID, nil)
		}
	default:
		// Anything newer: acknowledge so Slack does not retry, and ignore.
		if evt.Request != nil && evt.Request.EnvelopeID != "" {
			a.ack(evt.Request.EnvelopeID, nil)
		}
	}
}

// dropBadMessage acknowledges an envelope that could not be parsed, so
// Slack does not redeliver it, and logs it without its content.
func (a *Adapter) dropBadMessage(evt socketmode.Event) {
	bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
	if !ok {
		return
	}
	var head struct {
		EnvelopeID string `json:"envelope_id"`
		Type       string `json:"type"`
	}
	_ = json.Unmarshal(bad.Message, &head)
	a.log.Warn("dropped a malformed Slack envelope", "type", head.Type, "envelope_id", head.EnvelopeID, "bytes", len(bad.Message))
	if head.EnvelopeID != "" {
		a.ack(head.EnvelopeID, nil)
	}
}

// handler does the part of a request that decides its ack within the
// context's deadline, and may return work to do after the ack. It marks
// ans when the ack itself carries the person's answer.
type handler func(ctx context.Context, ans *answered) (ack any, after func(context.Context))

// serve runs h for one envelope and acknowledges it within the budget,
// whatever h does. A redelivered envelope has no other effect: it gets the
// first delivery's ack when that came to this process, and an empty ack
// when another replica handled it.
func (a *Adapter) serve(ctx context.Context, received time.Time, req *socketmode.Request, kind string, fallback any, h handler) {
	entry, first := a.seen.claim(req.EnvelopeID, a.now())
	a.work.Add(1)
	go func() {
		defer a.work.Done()
		// The shared claim's time counts towards the ack budget.
		start := time.Now()
		if first && !a.claimShared(ctx, req.EnvelopeID) {
			a.log.Info("Slack envelope handled by another replica; acknowledged", "kind", kind, "envelope_id", req.EnvelopeID, "retry_attempt", req.RetryAttempt)
			entry.finish(nil)
			a.ack(req.EnvelopeID, nil)
			a.meter.Latency(Platform, bot.LatencyAck, time.Since(received))
			return
		}
		if !first {
			a.log.Info("redelivered Slack envelope acknowledged again", "kind", kind, "envelope_id", req.EnvelopeID, "retry_attempt", req.RetryAttempt)
			a.ack(req.EnvelopeID, entry.wait(a.budget))
			a.meter.Latency(Platform, bot.LatencyAck, time.Since(received))
			return
		}
		ans := &answered{start: received, meter: a.meter}
		// Work in flight finishes even when the bot is shutting down.
		base := context.WithoutCancel(ctx)
		hctx, cancel := context.WithDeadline(base, start.Add(a.budget))
		defer cancel()

		type result struct {
			ack   any
			after func(context.Context)
		}
		done := make(chan result, 1)
		go func() {
			defer func() {
				if p := recover(); p != nil {
					a.log.Error("Slack handler panicked", "kind", kind, "panic", p, "stack", string(debug.Stack()))
					done <- result{ack: fallback}
				}
			}()
			ack, after := h(hctx, ans)
			done <- result{ack, after}
		}()

		var r result
		select {
		case r = <-done:
		case <-time.After(time.Until(start.Add(a.budget + 300*time.Millisecond))):
			// The handler ignored its deadline; ack anyway so Slack does
			// not show the person an error, and let the handler finish.
			a.log.Warn("Slack handler overran its ack budget", "kind", kind)
			r = result{ack: fallback}
			// The fallback tells the person it took too long: that is
			// their answer.
			ans.inAck.Store(fallback != nil)
		}
		entry.finish(r.ack)
		a.ack(req.EnvelopeID, r.ack)
		a.meter.Latency(Platform, bot.LatencyAck, time.Since(received))
		if ans.inAck.Load() {
			ans.done()
		}
		if r.after != nil {
			actx, cancel := context.WithTimeout(base, 2*time.Minute)
			defer cancel()
			r.after(actx)
		}
	}()
}

// claimBudget bounds the wait for the shared envelope claim, so that a
// busy database (a burst of clicks all writing) still leaves the handler
// most of its ack budget, which the claim's time counts towards.
const claimBudget = 750 * time.Millisecond

// claimShared claims the envelope in the shared store and reports whether
// this replica is the first to see it. If the store cannot answer within
// claimBudget, the envelope is handled (the claim is still recorded when
// it lands): a redelivery to another replica is rare, a lost command is
// not.
func (a *Adapter) claimShared(ctx context.Context, id string) bool {
	if a.envelopes == nil || id == "" {
		return true
	}
	type claim struct {
		first bool
		err   error
	}
	got := make(chan claim, 1)
	now := a.now()
	a.work.Add(1)
	go func() {
		defer a.work.Done()
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		first, err := a.envelopes.ClaimEnvelope(cctx, id, now)
		got <- claim{first, err}
	}()
	t := time.NewTimer(claimBudget)
	defer t.Stop()
	select {
	case c := <-got:
		if c.err != nil {
			a.log.Warn("could not record a Slack envelope as handled; handling it", "envelope_id", id, "err", c.err)
			return true
		}
		return c.first
	case <-t.C:
		a.log.Warn("recording a Slack envelope as handled is slow; handling it", "envelope_id", id)
		return true
	}
}

// commandFallback is the ack of a command whose handler failed or ran out
// of time.
func (a *Adapter) commandFallback() any {
	ack, _ := a.commandAck(origin{}, bot.Slow())
	return ack
}

// interactionFallback is the ack of an interaction whose handler failed or
// ran out of time: a submitted form stays open, asking for another press.
func (a *Adapter) interactionFallback(cb slack.InteractionCallback) any {
	if cb.Type != slack.InteractionTypeViewSubmission {
		return nil
	}
	ack, _ := a.submissionAck(originOf(cb), bot.SubmitTimedOut(cb.View.CallbackID))
	return ack
}

func (a *Adapter) ack(envelopeID string, payload any) {
	if err := a.sm.AckCtx(context.Background(), envelopeID, payload); err != nil {
		a.log.Error("could not acknowledge a Slack envelope", "envelope_id", envelopeID, "err", err)
	}
}

// envelopes remembers recent envelope IDs and their acks, because Slack
// redelivers an envelope whose ack it did not see (after a reconnect, say).
type envelopes struct {
	mu   sync.Mutex
	ttl  time.Duration
	byID map[string]*envelope
}

type envelope struct {
	at   time.Time
	done chan struct{}
	ack  any
}

func newEnvelopes(ttl time.Duration) *envelopes {
	return &envelopes{ttl: ttl, byID: map[string]*envelope{}}
}

// claim returns the envelope's entry and whether this is its first
// delivery.
func (e *envelopes) claim(id string, now time.Time) (*envelope, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, v := range e.byID {
		if now.Sub(v.at) > e.ttl {
			delete(e.byID, k)
		}
	}
	if v, ok := e.byID[id]; ok && id != "" {
		return v, false
	}
	v := &envelope{at: now, done: make(chan struct{})}
	if id != "" {
		e.byID[id] = v
	}
	return v, true
}

func (v *envelope) finish(ack any) {
	v.ack = ack
	close(v.done)
}

// wait returns the first delivery's ack once it is known, or nil after d.
func (v *envelope) wait(d time.Duration) any {
	select {
	case <-v.done:
		return v.ack
	case <-time.After(d):
		return nil
	}
}

// slogWriter turns slack-go's log lines into debug records.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.log.Debug("slack-go", "line", string(p))
	return len(p), nil
}

// slackErrorIs reports whether err is a Slack Web API error with one of
// the codes.
func slackErrorIs(err error, codes ...string) bool {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		for _, c := range codes {
			if se.Err == c {
				return true
			}
		}
	}
	for _, c := range codes {
		if err != nil && err.Error() == c {
			return true
		}
	}
	return false
}
