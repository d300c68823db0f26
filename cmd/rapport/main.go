// Command rapport runs the Rapport networking bot.
//
//	rapport serve          serve the network in Slack, Microsoft Teams or both
//	rapport demo           run the whole product against a local stand-in for Slack or Teams
//	rapport teams-package  write the Teams app package to upload
//	rapport migrate        apply database migrations and exit
//	rapport healthcheck    ask a running Rapport whether it is ready
//	rapport version        print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/bot/metrics"
	slackbot "github.com/rapport-pcn/rapport/bot/slack"
	teamsbot "github.com/rapport-pcn/rapport/bot/teams"
	"github.com/rapport-pcn/rapport/bot/web"
	"github.com/rapport-pcn/rapport/config"
	"github.com/rapport-pcn/rapport/storage"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

const usage = `Rapport introduces people across the practices and sectors of a Primary Care Network.

Usage:
  rapport <command> [flags]

Commands:
  serve          serve the network in Slack (Socket Mode), Microsoft Teams
                 (the Bot Framework) or both at once
  demo           try Rapport with no Slack or Teams account: a local stand-in
                 for the platform, a synthetic network, one round, and what
                 members saw (--platform slack or teams)
  teams-package  write the Teams app package (manifest and icons) to upload
  migrate        apply database migrations and exit
  healthcheck    ask the Rapport running here whether it is ready (exit 0 or 1)
  version        print the version and exit

Run "rapport <command> --help" for a command's flags. Configuration comes
from environment variables; see README.md.
`

// run is the whole program, callable from tests: it returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		err = migrate(ctx, args[1:], getenv, stdout, stderr)
	case "demo":
		err = demo(ctx, args[1:], getenv, stdout, stderr)
	case "healthcheck":
		err = healthcheck(ctx, args[1:], getenv, stdout, stderr)
	case "teams-package":
		err = teamsPackage(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "rapport", versionString())
		return 0
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "rapport: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintln(stderr, "rapport:", err)
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "rapport:", err)
		return 1
	}
	return 0
}

type usageError struct{ error }

func newFlags(name, help string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: rapport %s\n\n%s\n", name, help)
		fs.PrintDefaults()
	}
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "Serves introduce-me, meetup and the scheduled rounds in Slack (over Socket Mode), Microsoft Teams (a Bot Framework endpoint at RAPPORT_TEAMS_ADDR, POST /api/messages) or both, until stopped (Ctrl-C or SIGTERM).\nSettings come from the environment: SLACK_APP_TOKEN and SLACK_BOT_TOKEN for Slack; TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID for Teams; every setting is below, and in README.md.", stderr)
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprintln(stderr, "\nEnvironment variables (a secret's NAME_FILE reads it from a file):")
		config.PrintVariables(stderr)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(getenv, true)
	if err != nil {
		return fmt.Errorf("configuration:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	logger := newLogger(stderr, cfg.LogLevel)

	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	logger.Info("database ready", "kind", db.Dialect())

	httpLn, err := listenHTTP(cfg, logger)
	if err != nil {
		return err
	}
	defer httpLn.ln.Close()
	adminURL := httpLn.adminURL(cfg)
	meter := metrics.New(metrics.Options{Outbox: db})

	// One clock, one time zone, one schedule and one admin check for the
	// whole core.
	core := bot.NewCore(bot.Network{
		PublicURL: adminURL, Meter: meter,
		Store: db, Now: time.Now, Location: cfg.Location, Log: logger,
		NextRound:      func(t time.Time) time.Time { return config.NextRun(cfg.Schedule, cfg.Location, t) },
		IsAdmin:        func(u bot.User) bool { return isAdmin(cfg, u) },
		Rounds:         bot.RoundSettings{FollowUpAfter: cfg.FollowUpAfter, SecondAskAfter: 2 * cfg.FollowUpAfter, RepeatWindow: cfg.RepeatWindow},
		Requests:       bot.RequestLimits{PerWindow: cfg.AskLimit, Window: bot.AskWindow, AskAgainAfter: bot.AskAgainAfter},
		ClaimTimeout:   cfg.ClaimTimeout,
		UnreachableFor: cfg.UnreachableFor,
		HistoryCutoff:  cfg.Retention.Cutoff,
	})
	delivery := core.Delivery
	delivery.Platforms = map[string]bot.Deliverer{}

	// Each platform runs until ctx ends or it fails; rounds start once a
	// platform has accepted the bot's credentials, so that a bot with a
	// refused token stops with the reason before planning a round it could
	// not send.
	var platforms []func(ctx context.Context) error
	ready := []web.Check{{Name: "database", Check: db.Ping}}
	connected := make(chan struct{})
	var connectedOnce sync.Once
	onConnected := func() { connectedOnce.Do(func() { close(connected) }) }

	var teamsAdapter *teamsPlatform
	if cfg.SlackEnabled() {
		api := slackbot.NewClient(cfg.SlackBotToken, cfg.SlackAppToken, cfg.SlackAPIURL)
		adapter := slackbot.New(core.Chat, api, slackbot.Options{
			Logger: logger,
			// The outbox handles 429s itself, pausing all of Slack's sending at once.
			DeliveryAPI: slackbot.NewDeliveryClient(cfg.SlackBotToken, cfg.SlackAPIURL),
			Limits:      slackbot.Limits{ConversationsOpenPerMinute: cfg.OpenPerMinute},
			Envelopes:   db,
			OnConnected: onConnected,
			Meter:       meter,
		})
		ready = append(ready, web.Check{Name: "slack", Check: func(context.Context) error { return adapter.Ready(time.Now()) }})
		// Each platform's messages go out through its own deliverer, which
		// keeps that platform's pause after a 429.
		delivery.Platforms[slackbot.Platform] = adapter.Deliverer(nil)
		if cfg.AnnounceChannel != "" {
			core.Meetups.Boards = append(core.Meetups.Boards, bot.MeetupBoard{Platform: slackbot.Platform, Channel: cfg.AnnounceChannel, Board: adapter.Board()})
		}
		platforms = append(platforms, adapter.Run)
	}
	if cfg.TeamsEnabled() {
		t := newTeams(cfg, core, db, logger)
		teamsAdapter = t
		ready = append(ready, web.Check{Name: "teams", Check: func(context.Context) error { return t.adapter.Ready(time.Now()) }})
		delivery.Platforms[teamsbot.Platform] = t.adapter.Deliverer()
		delivery.Workers = max(delivery.Workers, teamsDeliveryWorkers)
		// Teams' meetups go to the channel an admin chooses in Teams.
		core.Meetups.Boards = append(core.Meetups.Boards, bot.MeetupBoard{Platform: teamsbot.Platform, Board: t.adapter.Board()})
		platforms = append(platforms, func(ctx context.Context) error { return t.run(ctx, onConnected) })
	}
	site := web.New(web.Options{
		Admin: core.Admin, Store: db, Rounds: core.Rounds, Meetups: db, Gaps: db,
		PublicURL: adminURL, Now: time.Now, Location: cfg.Location, Log: logger, Ready: ready,
		Metrics: meter.Handler(),
	})
	if teamsAdapter != nil {
		// Teams' listener is public already, so the admin pages are
		// served there too, under the same address as its download links.
		teamsAdapter.admin = site.Handler()
	}
	sched := &scheduler{rounds: core.Rounds, delivery: delivery, spec: cfg.Schedule, loc: cfg.Location, log: logger, now: time.Now}

	logger.Info("rapport starting", "version", versionString(), "timezone", cfg.Location.String(), "schedule", cfg.Schedule, "retention", cfg.Retention.String(),
		"slack", cfg.SlackEnabled(), "teams", cfg.TeamsEnabled())
	// Background work stops when the platforms do, whatever the reason.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var background sync.WaitGroup
	background.Go(func() {
		if err := core.Meetups.RunReminders(ctx); err != nil {
			logger.Error("meetup reminders stopped", "err", err)
		}
	})
	background.Go(func() {
		if err := delivery.Run(ctx); err != nil {
			logger.Error("delivery stopped", "err", err)
		}
	})
	background.Go(func() {
		select {
		case <-connected:
		case <-ctx.Done():
			return
		}
		if err := sched.Run(ctx); err != nil {
			logger.Error("scheduler stopped", "err", err)
		}
	})
	background.Go(func() {
		if err := httpLn.serve(ctx, site.Handler()); err != nil {
			logger.Error("admin pages, health checks and metrics stopped", "err", err)
		}
	})
	background.Go(func() { site.Run(ctx) })
	background.Go(func() {
		if err := core.Sweeper.Run(ctx); err != nil {
			logger.Error("retention sweep stopped", "err", err)
		}
	})
	err = runPlatforms(ctx, platforms)
	cancel()
	background.Wait()
	logger.Info("rapport stopped")
	return err
}

// isAdmin reports whether u is named in RAPPORT_ADMINS: by Slack user ID,
// or in Teams by Entra object ID or user principal name.
func isAdmin(cfg config.Config, u bot.User) bool {
	switch u.Platform {
	case slackbot.Platform:
		return cfg.IsAdmin(u.ID)
	case teamsbot.Platform:
		return cfg.IsTeamsAdmin(u.ObjectID, u.PrincipalName)
	}
	return false
}

// runPlatforms runs each platform until ctx ends; when one fails, the
// others stop too and its error is returned.
func runPlatforms(ctx context.Context, platforms []func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(platforms))
	for _, run := range platforms {
		go func() {
			err := run(ctx)
			if err != nil {
				cancel()
			}
			errs <- err
		}()
	}
	var first error
	for range platforms {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", "Applies the database migrations (DATABASE_URL, or the SQLite file in RAPPORT_DATA_DIR) and exits. serve does this too at start.", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(getenv, false)
	if err != nil {
		return fmt.Errorf("configuration:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "database is up to date (%s)\n", db.Dialect())
	return nil
}

// openDB opens the configured database and brings its schema up to date.
func openDB(ctx context.Context, cfg config.Config) (*storage.DB, error) {
	db, err := storage.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("opening the database: %w", err)
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrating the database: %w", err)
	}
	return db, nil
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

func versionString() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}
