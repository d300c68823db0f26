package teams

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/teams/schema"
)

// serveActivity answers one POST to the messaging endpoint. Nothing is
// read from, stored for or sent to anyone before the request's token is
// verified against the activity.
func (a *Adapter) serveActivity(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			a.log.Warn("refused a Teams request over the size limit", "limit", maxBody)
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "could not read the request", http.StatusBadRequest)
		return
	}
	var act schema.Activity
	if err := json.Unmarshal(body, &act); err != nil || act.Type == "" {
		a.log.Warn("refused a malformed Teams activity", "bytes", len(body))
		http.Error(w, "malformed activity", http.StatusBadRequest)
		return
	}
	if a.verifier == nil {
		http.Error(w, "not configured", http.StatusInternalServerError)
		return
	}
	budget := a.messageIn
	if act.Type == schema.TypeInvoke {
		budget = a.invokeIn
	}
	// Fetching the signing keys counts towards the answer's time too.
	vctx, vcancel := context.WithDeadline(r.Context(), start.Add(budget-time.Second))
	err = a.verifier.Verify(vctx, r.Header.Get("Authorization"), &act)
	vcancel()
	if err != nil {
		status := http.StatusUnauthorized
		reason := err.Error()
		var ae *AuthError
		if errors.As(err, &ae) {
			status, reason = ae.Status, ae.Reason
		}
		a.log.Warn("refused a Teams request that failed verification", "status", status, "reason", reason, "type", truncate(act.Type, 40))
		http.Error(w, http.StatusText(status), status)
		return
	}
	if act.ChannelID != schema.ChannelTeams {
		// A key endorsed for another channel (Web Chat, Direct Line) can
		// vouch for an activity whose sender that channel's client wrote:
		// only Teams says who a Teams user is.
		a.log.Warn("refused an activity from another channel", "channel", truncate(act.ChannelID, 40))
		http.Error(w, http.StatusText(http.StatusForbidden), http.StatusForbidden)
		return
	}
	if !handled(act.Type) {
		// Reactions, typing and whatever Teams adds next: nothing to do,
		// and nothing to remember.
		w.WriteHeader(http.StatusOK)
		return
	}

	// The whole answer, shared de-duplication included, fits in the budget.
	deadline := start.Add(budget)
	ans := &answered{start: start, meter: a.meter}
	ctx := withAnswered(r.Context(), ans)

	if act.ID != "" {
		key := activityKey(&act)
		entry, first := a.seen.claim(key, a.now())
		if !first {
			a.log.Info("redelivered Teams activity answered again", "type", act.Type)
			writeJSON(w, orEmptyInvoke(&act, entry.wait(time.Until(deadline))))
			a.timeAnswer(start, nil, nil)
			return
		}
		if !a.claimShared(ctx, key) {
			a.log.Info("Teams activity handled by another replica", "type", act.Type)
			entry.finish(nil)
			writeJSON(w, orEmptyInvoke(&act, nil))
			a.timeAnswer(start, nil, nil)
			return
		}
		defer func() {
			if p := recover(); p != nil {
				a.log.Error("Teams handler panicked", "type", act.Type, "panic", p, "stack", string(debug.Stack()))
				entry.finish(nil)
				writeJSON(w, a.fallback(&act))
			}
		}()
		reply := a.handle(ctx, &act, deadline)
		resp := orEmptyInvoke(&act, reply)
		entry.finish(resp)
		writeJSON(w, resp)
		a.timeAnswer(start, ans, reply)
		return
	}
	reply := a.handle(ctx, &act, deadline)
	writeJSON(w, orEmptyInvoke(&act, reply))
	a.timeAnswer(start, ans, reply)
}

// timeAnswer records how long Teams waited for the response to its
// request, and the person for their reply when reply, the handler's own
// answer, carries it.
func (a *Adapter) timeAnswer(start time.Time, ans *answered, reply []byte) {
	a.meter.Latency(Platform, bot.LatencyAck, time.Since(start))
	if len(reply) > 0 {
		ans.done()
	}
}

// handled reports whether activities of the type are acted on.
func handled(typ string) bool {
	switch typ {
	case schema.TypeMessage, schema.TypeInvoke, schema.TypeConversationUpdate, schema.TypeInstallationUpdate:
		return true
	}
	return false
}

// activityKey names an activity for de-duplication. Teams' message IDs
// are unique only within a conversation (they are timestamps), so two
// people's messages can share one: the key is the conversation and the
// ID, hashed to a fixed length.
func activityKey(act *schema.Activity) string {
	conv := ""
	if act.Conversation != nil {
		conv = act.Conversation.ID
	}
	sum := sha256.Sum256([]byte(conv + "\x00" + act.ID))
	return hex.EncodeToString(sum[:])
}

// handle works out the answer to a verified activity by deadline, and
// leaves what can wait for after the answer.
func (a *Adapter) handle(ctx context.Context, act *schema.Activity, deadline time.Time) []byte {
	// Work in flight finishes even when the bot is shutting down.
	base := context.WithoutCancel(ctx)
	hctx, cancel := context.WithDeadline(base, deadline)
	defer cancel()

	type result struct {
		body  []byte
		after func(context.Context)
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				a.log.Error("Teams handler panicked", "type", act.Type, "panic", p, "stack", string(debug.Stack()))
				done <- result{body: a.fallback(act)}
			}
		}()
		body, after := a.dispatch(hctx, act)
		done <- result{body, after}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(time.Until(deadline.Add(200 * time.Millisecond))):
		// The handler ignored its deadline: answer anyway so Teams does not
		// show an error, and let the handler finish.
		a.log.Warn("Teams handler overran its budget", "type", act.Type)
		r = result{body: a.fallback(act)}
		// What the handler decides once it finishes is still carried out:
		// a command's answer comes late rather than never.
		a.work.Add(1)
		go func() {
			defer a.work.Done()
			late := <-done
			if late.after != nil {
				actx, cancel := context.WithTimeout(base, 2*time.Minute)
				defer cancel()
				late.after(actx)
			}
		}()
	}
	if r.after != nil {
		a.work.Add(1)
		go func() {
			defer a.work.Done()
			actx, cancel := context.WithTimeout(base, 2*time.Minute)
			defer cancel()
			r.after(actx)
		}()
	}
	return r.body
}

// fallback is the answer when the handler failed or ran out of time.
func (a *Adapter) fallback(act *schema.Activity) []byte {
	if act.Type != schema.TypeInvoke {
		return nil
	}
	return invokeMessage(bot.SlowMessage)
}

// dispatch turns an activity into a call on the core.
func (a *Adapter) dispatch(ctx context.Context, act *schema.Activity) ([]byte, func(context.Context)) {
	switch act.Type {
	case schema.TypeMessage:
		return nil, a.onMessage(ctx, act)
	case schema.TypeInvoke:
		return a.onInvoke(ctx, act)
	case schema.TypeConversationUpdate:
		return nil, a.onConversationUpdate(ctx, act)
	case schema.TypeInstallationUpdate:
		return nil, a.onInstallationUpdate(ctx, act)
	}
	return nil, nil
}

// claimBudget bounds the wait for the shared claim of an activity, so a
// busy database still leaves the handler most of its budget.
const claimBudget = 750 * time.Millisecond

// claimShared claims the activity named key in the shared store and reports whether
// this replica is the first to see it. If the store cannot answer within
// claimBudget, the activity is handled: a redelivery to another replica
// is rare, a lost command is not.
func (a *Adapter) claimShared(ctx context.Context, key string) bool {
	if a.store == nil {
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
		first, err := a.store.ClaimEnvelope(cctx, "teams:"+key, now)
		got <- claim{first, err}
	}()
	t := time.NewTimer(claimBudget)
	defer t.Stop()
	select {
	case c := <-got:
		if c.err != nil {
			a.log.Warn("could not claim a Teams activity; handling it here", "err", c.err)
			return true
		}
		return c.first
	case <-t.C:
		a.log.Warn("claiming a Teams activity is slow; handling it here")
		return true
	}
}

// orEmptyInvoke gives an invoke that has no answer of its own the empty
// answer Teams expects: a 200 with a well-formed body.
func orEmptyInvoke(act *schema.Activity, body []byte) []byte {
	if len(body) == 0 && act.Type == schema.TypeInvoke {
		return invokeMessage("")
	}
	return body
}

// writeJSON writes a 200 with body, or an empty 200.
func writeJSON(w http.ResponseWriter, body []byte) {
	if len(body) == 0 {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// invokeMessage answers an adaptiveCard/action invoke with a short text
// Teams shows the person.
func invokeMessage(text string) []byte {
	b, _ := json.Marshal(schema.AdaptiveCardInvokeResponse{StatusCode: http.StatusOK, Type: schema.ContentTypeMessage, Value: text})
	return b
}

// invokeCard answers an adaptiveCard/action invoke with a card that takes
// the place of the one whose button was pressed.
func invokeCard(att schema.Attachment) []byte {
	b, _ := json.Marshal(schema.AdaptiveCardInvokeResponse{StatusCode: http.StatusOK, Type: schema.ContentTypeAdaptiveCard, Value: att.Content})
	return b
}
