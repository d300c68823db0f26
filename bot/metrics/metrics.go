// Package metrics counts what the bot does for Prometheus: it implements
// bot.Meter on a registry of its own and serves it as /metrics. Every
// label is a name chosen by the bot from a fixed list; anything else
// becomes "other", so no member's words or IDs can reach a label.
//
// The metrics, besides the Go runtime's (go_*) and the process's
// (process_*):
//
//	rapport_commands_total{platform,kind,name,result}  commands, buttons, forms
//	rapport_platform_latency_seconds{platform,kind}    histogram; kind ack or response
//	rapport_outbox_pending                             read at each scrape
//	rapport_outbox_oldest_age_seconds                  read at each scrape
//	rapport_sends_total{platform,result}               ok, rate_limited, retried, unreachable
//	rapport_rounds_total
//	rapport_round_members                              the last round's
//	rapport_round_intros                               the last round's
//	rapport_intros_total                               over all rounds
//	rapport_round_duration_seconds                     histogram
//	rapport_meetups_total                              meetups announced
//	rapport_rsvps_total{answer}                        going, maybe, not_going, waiting
//	rapport_db_errors_total{op}                        by what was asked
package metrics

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rapport-pcn/rapport/bot"
)

// DefaultReadTimeout bounds the outbox read made for each scrape.
const DefaultReadTimeout = 2 * time.Second

// OutboxReader reads how many outbox messages wait to be sent, and the
// time the oldest of them has waited since (the zero time when none
// waits). The database implements it.
type OutboxReader interface {
	OutboxDepth(ctx context.Context, now time.Time) (pending int, oldest time.Time, err error)
}

// Options configure Metrics.
type Options struct {
	// Outbox is read at each scrape for the outbox gauges; nil leaves
	// them out.
	Outbox OutboxReader
	// ReadTimeout bounds each outbox read (default DefaultReadTimeout),
	// so a slow database does not hold a scrape.
	ReadTimeout time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Metrics is the bot's Prometheus metrics, on a registry of its own. It
// is safe for concurrent use.
type Metrics struct {
	registry *prometheus.Registry

	commands      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	sends         *prometheus.CounterVec
	rounds        prometheus.Counter
	roundMembers  prometheus.Gauge
	roundIntros   prometheus.Gauge
	intros        prometheus.Counter
	roundDuration prometheus.Histogram
	meetups       prometheus.Counter
	rsvps         *prometheus.CounterVec
	dbErrors      *prometheus.CounterVec

	// names are the names each kind of command may be counted under.
	names map[string][]string
}

var _ bot.Meter = (*Metrics)(nil)

// New returns the metrics, with the Go runtime's and the process's.
func New(opt Options) *Metrics {
	if opt.ReadTimeout <= 0 {
		opt.ReadTimeout = DefaultReadTimeout
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rapport_commands_total",
			Help: "Commands typed, buttons pressed and forms submitted, by platform, kind, name and result (ok, refused, error).",
		}, []string{"platform", "kind", "name", "result"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rapport_platform_latency_seconds",
			Help: "How long a platform waited: for its acknowledgement (ack) or until the person's answer was sent (response).",
			// Slack waits 3 s for an ack and Teams 5 s for an invoke.
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 3, 5, 10, 30},
		}, []string{"platform", "kind"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rapport_sends_total",
			Help: "Attempts to send an outbox message, by platform and result (ok, rate_limited, retried, unreachable).",
		}, []string{"platform", "result"}),
		rounds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rapport_rounds_total",
			Help: "Rounds of introductions run.",
		}),
		roundMembers: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rapport_round_members",
			Help: "Members who took part in the last round.",
		}),
		roundIntros: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rapport_round_intros",
			Help: "Introductions made in the last round.",
		}),
		intros: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rapport_intros_total",
			Help: "Introductions made, over all rounds.",
		}),
		roundDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "rapport_round_duration_seconds",
			Help:    "How long planning and storing a round took.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
		}),
		meetups: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rapport_meetups_total",
			Help: "Meetups announced.",
		}),
		rsvps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rapport_rsvps_total",
			Help: "Answers to meetups, by the answer recorded (going, maybe, not_going, waiting).",
		}, []string{"answer"}),
		dbErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rapport_db_errors_total",
			Help: "Database calls that failed, by what was asked.",
		}, []string{"op"}),
		names: map[string][]string{},
	}
	for _, kind := range kinds {
		m.names[kind] = bot.MeterNames(kind)
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.commands, m.latency, m.sends, m.rounds, m.roundMembers, m.roundIntros, m.intros,
		m.roundDuration, m.meetups, m.rsvps, m.dbErrors,
	)
	if opt.Outbox != nil {
		m.registry.MustRegister(newOutboxCollector(opt, m))
	}
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Registry is where the metrics are registered, for a caller that adds
// its own.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// The fixed label values; anything else is counted as bot.OtherName.
var (
	platforms   = []string{"slack", "teams"} // slack.Platform and teams.Platform
	kinds       = []string{bot.KindCommand, bot.KindAction, bot.KindSubmit}
	results     = []string{bot.ResultOK, bot.ResultRefused, bot.ResultError}
	latencies   = []string{bot.LatencyAck, bot.LatencyResponse}
	sendResults = []string{bot.SendOK, bot.SendRateLimited, bot.SendRetried, bot.SendUnreachable}
	answers     = []string{bot.RSVPGoing, bot.RSVPMaybe, bot.RSVPNotGoing, bot.RSVPWaiting}
	// opName is what a database operation's name may look like: the
	// bot's own words, short, never an ID.
	opName = regexp.MustCompile(`^[a-z][a-z _-]{0,39}$`)
)

// oneOf returns v when it is among known, else bot.OtherName.
func oneOf(v string, known []string) string {
	if slices.Contains(known, v) {
		return v
	}
	return bot.OtherName
}

// Command counts a command, button or form by name and result.
func (m *Metrics) Command(platform, kind, name, result string) {
	kind = oneOf(kind, kinds)
	m.commands.WithLabelValues(oneOf(platform, platforms), kind, oneOf(name, m.names[kind]), oneOf(result, results)).Inc()
}

// Latency records how long a platform waited.
func (m *Metrics) Latency(platform, kind string, d time.Duration) {
	m.latency.WithLabelValues(oneOf(platform, platforms), oneOf(kind, latencies)).Observe(d.Seconds())
}

// Send counts one attempt to send an outbox message.
func (m *Metrics) Send(platform, result string) {
	m.sends.WithLabelValues(oneOf(platform, platforms), oneOf(result, sendResults)).Inc()
}

// Round records a round that ran.
func (m *Metrics) Round(members, intros int, d time.Duration) {
	m.rounds.Inc()
	m.roundMembers.Set(float64(members))
	m.roundIntros.Set(float64(intros))
	m.intros.Add(float64(intros))
	m.roundDuration.Observe(d.Seconds())
}

// Meetup counts a meetup announced.
func (m *Metrics) Meetup() { m.meetups.Inc() }

// RSVP counts an answer to a meetup.
func (m *Metrics) RSVP(answer string) { m.rsvps.WithLabelValues(oneOf(answer, answers)).Inc() }

// DBError counts a database call that failed.
func (m *Metrics) DBError(op string) {
	if !opName.MatchString(op) {
		op = bot.OtherName
	}
	m.dbErrors.WithLabelValues(op).Inc()
}

// outboxCollector reads the outbox's depth at each scrape. A failed read
// counts a database error and leaves the gauges as they were. Collectors
// are gathered concurrently, so the error may first show in the next
// scrape.
type outboxCollector struct {
	opt     Options
	m       *Metrics
	mu      sync.Mutex
	pending prometheus.Gauge
	age     prometheus.Gauge
}

func newOutboxCollector(opt Options, m *Metrics) *outboxCollector {
	return &outboxCollector{
		opt: opt, m: m,
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rapport_outbox_pending",
			Help: "Outbox messages waiting to be sent.",
		}),
		age: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rapport_outbox_oldest_age_seconds",
			Help: "How long the oldest waiting outbox message has been due; 0 when none waits.",
		}),
	}
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending.Desc()
	ch <- c.age.Desc()
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), c.opt.ReadTimeout)
	defer cancel()
	now := c.opt.Now()
	pending, oldest, err := c.opt.Outbox.OutboxDepth(ctx, now)
	if err != nil {
		c.m.DBError("outbox depth")
	} else {
		c.pending.Set(float64(pending))
		age := 0.0
		if !oldest.IsZero() && now.After(oldest) {
			age = now.Sub(oldest).Seconds()
		}
		c.age.Set(age)
	}
	ch <- c.pending
	ch <- c.age
}
