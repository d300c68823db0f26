package bot

import "time"

// Meter counts what the bot does, for whoever runs it (bot/metrics
// implements it with Prometheus). Labels are names and codes chosen by
// the bot, never member text or IDs. A nil Meter in Network counts
// nothing.
type Meter interface {
	// Command counts a command ("join", "admin stats") or an action (a
	// button's action ID) by its result: ResultOK, ResultRefused (the
	// person was told why) or ResultError.
	Command(platform, kind, name, result string)
	// Latency records how long a platform waited for its answer: kind is
	// LatencyAck (Slack's envelope ack, Teams' HTTP response) or
	// LatencyResponse (until the person's reply was sent).
	Latency(platform, kind string, d time.Duration)
	// Send counts one attempt to send a message: SendOK, SendRateLimited,
	// SendRetried or SendUnreachable.
	Send(platform, result string)
	// Round records a round that ran: its members taking part, intros
	// and how long it took.
	Round(members, intros int, d time.Duration)
	// Meetup counts a meetup announced; RSVP an answer to one (going,
	// maybe, not_going, or waitlist).
	Meetup()
	RSVP(answer string)
	// DBError counts a database call that failed, by what was asked.
	DBError(op string)
}

// Results and kinds a Meter is given.
const (
	ResultOK      = "ok"
	ResultRefused = "refused"
	ResultError   = "error"

	KindCommand = "command"
	KindAction  = "action"
	KindSubmit  = "submit"

	LatencyAck      = "ack"
	LatencyResponse = "response"

	SendOK          = "ok"
	SendRateLimited = "rate_limited"
	SendRetried     = "retried"
	SendUnreachable = "unreachable"
)

// NoMeter counts nothing.
type NoMeter struct{}

func (NoMeter) Command(platform, kind, name, result string)    {}
func (NoMeter) Latency(platform, kind string, d time.Duration) {}
func (NoMeter) Send(platform, result string)                   {}
func (NoMeter) Round(members, intros int, d time.Duration)     {}
func (NoMeter) Meetup()                                        {}
func (NoMeter) RSVP(answer string)                             {}
func (NoMeter) DBError(op string)                              {}
