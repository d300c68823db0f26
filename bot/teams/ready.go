package teams

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// DefaultReadyGrace is how long Microsoft's sign-in service (Entra) or
// the Bot Framework's signing keys may be out of reach before Ready says
// so: a blip of a few seconds is not worth taking the bot out of service.
const DefaultReadyGrace = 2 * time.Minute

// retryWhileFailing is how often Ready starts a fetch again, in the
// background, while the last one failed: an unready bot gets no requests
// that would fetch one, so it would otherwise never become ready again.
const retryWhileFailing = 30 * time.Second

// Ready returns nil when Microsoft gave the bot a token the last time it
// asked (or one is cached) and the Bot Framework's signing keys are
// loaded. It returns why not otherwise: the credentials refused (at
// once), no token or keys yet, or Microsoft out of reach for longer than
// the grace period (Options' ReadyGrace). While a fetch is failing, Ready
// starts another now and then, so the bot becomes ready again by itself.
func (a *Adapter) Ready(now time.Time) error {
	if a.conn == nil || a.conn.opt.Tokens == nil {
		return errors.New("teams: no Connector to answer Teams with")
	}
	if a.verifier == nil {
		return errors.New("teams: no verifier for Teams' requests")
	}
	if err := a.conn.opt.Tokens.ready(now, a.grace); err != nil {
		return err
	}
	return a.verifier.ready(now, a.grace)
}

// ready says whether the token source has a token, or could get one
// until less than grace before now.
func (s *TokenSource) ready(now time.Time, grace time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastErr != nil {
		s.retryLocked()
	}
	var refused *TokenError
	switch {
	case s.lastErr != nil && (errors.As(s.lastErr, &refused) || errors.Is(s.lastErr, errNoCredentials)):
		return s.lastErr
	case s.fetched.IsZero() && s.lastErr == nil:
		return errors.New("teams: no token has been asked for yet")
	case s.fetched.IsZero():
		return fmt.Errorf("teams: no token from Microsoft Entra yet: %w", s.lastErr)
	case s.lastErr != nil && now.Sub(s.failingSince) > grace:
		return fmt.Errorf("teams: no token from Microsoft Entra for %s (since %s): %w", now.Sub(s.failingSince).Round(time.Second), s.failingSince.UTC().Format(time.RFC3339), s.lastErr)
	}
	return nil
}

// retryLocked starts a fetch in the background when none is under way
// and the last started long enough ago.
func (s *TokenSource) retryLocked() {
	if s.inflight != nil || s.opt.Now().Sub(s.attempted) < retryWhileFailing {
		return
	}
	f := &tokenFetch{done: make(chan struct{})}
	s.inflight = f
	s.attempted = s.opt.Now()
	go s.fetch(context.Background(), f)
}

// ready says whether the verifier has keys to check requests with, or
// had until less than grace before now.
func (v *Verifier) ready(now time.Time, grace time.Duration) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	stale := v.fetched.IsZero() || now.Sub(v.fetched) >= v.opt.MaxKeyAge
	if stale && v.inflight == nil && v.lastErr != nil && v.opt.Now().Sub(v.attempted) >= retryFailedFetch {
		f := &keyFetch{done: make(chan struct{})}
		v.inflight = f
		v.attempted = v.opt.Now()
		go v.fetch(context.Background(), f)
	}
	switch {
	case v.fetched.IsZero() && v.lastErr != nil:
		return fmt.Errorf("teams: the Bot Framework's signing keys could not be loaded (check TEAMS_OPENID_METADATA_URL): %w", v.lastErr)
	case v.fetched.IsZero():
		return errors.New("teams: the Bot Framework's signing keys have not been loaded yet")
	case stale && v.lastErr != nil && now.Sub(v.failingSince) > grace:
		return fmt.Errorf("teams: the Bot Framework's signing keys are out of date and could not be fetched for %s: %w", now.Sub(v.failingSince).Round(time.Second), v.lastErr)
	}
	return nil
}

// answered records, once, how long a person waited for their reply: from
// the request's arrival until the HTTP response that carried it (an
// invoke's card or message), or the first reply, form or direct message
// sent after.
type answered struct {
	start time.Time
	meter bot.Meter
	once  sync.Once
}

// done records the wait, the first time it is called; on nil it does
// nothing.
func (r *answered) done() {
	if r == nil {
		return
	}
	r.once.Do(func() { r.meter.Latency(Platform, bot.LatencyResponse, time.Since(r.start)) })
}

type answeredKey struct{}

// withAnswered carries r with a request's context to where its reply is
// sent.
func withAnswered(ctx context.Context, r *answered) context.Context {
	return context.WithValue(ctx, answeredKey{}, r)
}

// answeredIn returns the request's answered, or nil.
func answeredIn(ctx context.Context) *answered {
	r, _ := ctx.Value(answeredKey{}).(*answered)
	return r
}
