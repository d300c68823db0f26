package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/rapport-pcn/rapport/bot"
)

// scheduler runs a round each scheduled period. Every replica runs one:
// the database lets only the first claim a period.
type scheduler struct {
	rounds   *bot.Rounds
	delivery *bot.Delivery
	spec     string
	loc      *time.Location
	log      *slog.Logger
	now      func() time.Time
}

// Run runs the round of the current period if it has not run (the bot may
// have been down when it was due), then each scheduled one, until ctx is
// cancelled.
func (s *scheduler) Run(ctx context.Context) error {
	s.runPeriod(ctx, s.rounds.CurrentPeriod(s.now()), "catch-up")
	c := cron.New(cron.WithLocation(s.loc), cron.WithChain(cron.Recover(cronLogger{s.log})))
	if _, err := c.AddFunc(s.spec, func() {
		s.runPeriod(ctx, s.rounds.CurrentPeriod(s.now()), "schedule")
	}); err != nil {
		return err
	}
	c.Start()
	<-ctx.Done()
	<-c.Stop().Done()
	return nil
}

func (s *scheduler) runPeriod(ctx context.Context, period time.Time, why string) {
	if ctx.Err() != nil {
		return
	}
	round, plan, err := s.rounds.Run(ctx, period, false)
	switch code := bot.ErrorCode(err); {
	case err != nil && ctx.Err() != nil:
		// Stopping mid-round is not a failure: nothing was stored, and the
		// next start catches the period up.
		s.log.Info("round not run: stopping", "period", period, "why", why)
	case code == "":
		s.log.Info("round planned", "round", round.Number, "period", period, "why", why,
			"eligible", plan.Eligible, "intros", round.Intros, "left_out", round.LeftOut, "method", plan.Method)
		s.delivery.Wake()
	case code == bot.ECONFLICT:
		s.log.Debug("this period's round has already run", "period", period, "why", why)
	case code == bot.EINVALID:
		s.log.Info("no round: too few members take part", "period", period, "why", why)
	default:
		s.log.Error("round failed", "period", period, "why", why, "err", err)
	}
}

// cronLogger passes cron's messages to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
