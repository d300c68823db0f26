package slack

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// connState is what Ready knows of the Socket Mode connection.
type connState struct {
	grace time.Duration

	mu sync.Mutex
	// connected says Slack has accepted the tokens and connected at
	// least once.
	connected bool
	// down is when the connection was lost, zero while it is up.
	down time.Time
	// stopped is why the adapter stopped for good: a token refused.
	stopped error
}

// up records a connection, or Slack's hello on one.
func (s *connState) up() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.connected, s.down = true, time.Time{}
}

// lost records that the connection went at now, unless it went earlier.
// Before the first connection nothing is lost: Ready says it has not
// connected yet.
func (s *connState) lost(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.connected && s.down.IsZero() {
		s.down = now
	}
}

// stop records why the adapter stopped for good and returns err.
func (s *connState) stop(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped == nil {
		s.stopped = err
	}
	return err
}

// Ready returns nil when Slack has accepted the bot's tokens and Socket
// Mode is connected, or was until less than the grace period (Options'
// ReadyGrace) before now: the routine reconnects every few hours take
// seconds. It returns why not otherwise: a token refused, not connected
// yet, or disconnected for longer than the grace.
func (a *Adapter) Ready(now time.Time) error {
	s := &a.conn
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.stopped != nil:
		return s.stopped
	case !s.connected:
		return errors.New("not connected to Slack yet")
	case !s.down.IsZero() && now.Sub(s.down) > s.grace:
		return fmt.Errorf("disconnected from Slack's Socket Mode for %s (since %s); the bot keeps trying to reconnect", now.Sub(s.down).Round(time.Second), s.down.UTC().Format(time.RFC3339))
	}
	return nil
}

// answered records, once, how long a person waited for their answer:
// from the envelope's arrival until the ack that carried it, or the
// first answer, form or direct message sent after the ack.
type answered struct {
	start time.Time
	meter bot.Meter
	// inAck says the ack itself carries the answer.
	inAck atomic.Bool
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

// answersInAck marks the ack as carrying the answer.
func (r *answered) answersInAck() {
	if r != nil {
		r.inAck.Store(true)
	}
}
