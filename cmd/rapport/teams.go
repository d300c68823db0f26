package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/rapport-pcn/rapport/bot"
	teamsbot "github.com/rapport-pcn/rapport/bot/teams"
	"github.com/rapport-pcn/rapport/config"
	"github.com/rapport-pcn/rapport/storage"
)

// teamsPlatform is the Teams side of a running bot: the adapter and the
// HTTP listener Teams posts activities to.
type teamsPlatform struct {
	cfg      config.Config
	tokens   *teamsbot.TokenSource
	verifier *teamsbot.Verifier
	adapter  *teamsbot.Adapter
	log      *slog.Logger
	// admin, when set, serves the admin pages on Teams' public listener.
	admin http.Handler
}

// teamsServing is what serve needs of the database for Teams.
type teamsServing interface {
	teamsbot.Store
	teamsbot.DownloadStore
}

var _ teamsServing = (*storage.DB)(nil)

func newTeams(cfg config.Config, core *bot.Core, db teamsServing, logger *slog.Logger) *teamsPlatform {
	tokens := teamsbot.NewTokenSource(teamsbot.TokenOptions{URL: cfg.TeamsTokenURL, AppID: cfg.TeamsAppID, Password: cfg.TeamsAppPassword, TenantID: cfg.TeamsTenantID})
	verifier := teamsbot.NewVerifier(teamsbot.VerifierOptions{MetadataURL: cfg.TeamsOpenIDMetadataURL, AppID: cfg.TeamsAppID, TenantID: cfg.TeamsTenantID})
	// Every call to Teams, replies and outbox alike, counts against the
	// same limits, so both connectors share one pacer and its pause.
	pacer := teamsbot.NewPacer(teamsbot.Limits{}, nil)
	adapter := teamsbot.New(core.Chat, teamsbot.Options{
		AppID: cfg.TeamsAppID, TenantID: cfg.TeamsTenantID, Verifier: verifier, Pacer: pacer,
		// Someone is waiting for a reply: retry briefly and wait out a short 429.
		Connector: teamsbot.NewConnector(teamsbot.ConnectorOptions{Tokens: tokens, Pace: pacer, Retries: 2, Wait429: 2 * time.Second}),
		// The outbox handles 429s itself, pausing all of Teams' sending at
		// once; it keeps a connection open for each delivery worker.
		DeliveryConnector: teamsbot.NewConnector(teamsbot.ConnectorOptions{Tokens: tokens, Pace: pacer, HTTPClient: deliveryHTTPClient()}),
		Store:             db, Downloads: db, PublicURL: cfg.PublicURL, Logger: logger,
		Meter: core.Chat.Meter,
	})
	return &teamsPlatform{cfg: cfg, tokens: tokens, verifier: verifier, adapter: adapter, log: logger}
}

// teamsDeliveryWorkers is how many outbox messages are sent at once when
// Teams is served. Each intro goes to each member's own chat, one call
// each, so the tenant's 50 calls a second are reached only with several
// calls in flight (four manage it with round trips up to 80 ms); the
// pacer, not the workers, bounds the rate.
const teamsDeliveryWorkers = 4

// deliveryHTTPClient is the delivery connector's client: a connection
// kept open for each worker, so sends do not each open a new one.
func deliveryHTTPClient() *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 16
	return &http.Client{Transport: transport, Timeout: 30 * time.Second}
}

// run checks the bot's credentials with Microsoft, then serves the
// messaging endpoint until ctx ends.
func (t *teamsPlatform) run(ctx context.Context, onConnected func()) error {
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	_, err := t.tokens.Token(tctx)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("Teams: %w", err)
	}
	// The keys that sign Teams' requests are fetched before the first one
	// comes, and again well within the day they are kept, so no request
	// waits for them.
	kctx, kcancel := context.WithTimeout(ctx, 30*time.Second)
	if err := t.verifier.Refresh(kctx); err != nil && ctx.Err() == nil {
		t.log.Warn("could not fetch the Bot Framework's signing keys yet; the first request will try again", "err", err)
	}
	kcancel()
	go func() {
		tick := time.NewTicker(12 * time.Hour)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				if err := t.verifier.Refresh(rctx); err != nil && ctx.Err() == nil {
					t.log.Warn("could not refresh the Bot Framework's signing keys", "err", err)
				}
				cancel()
			}
		}
	}()
	ln, err := net.Listen("tcp", t.cfg.TeamsAddr)
	if err != nil {
		return fmt.Errorf("Teams: listening on RAPPORT_TEAMS_ADDR %s: %w", t.cfg.TeamsAddr, err)
	}
	t.log.Info("Teams messaging endpoint listening", "addr", ln.Addr().String(), "path", "/api/messages")
	onConnected()
	mux := http.NewServeMux()
	bot := t.adapter.Handler()
	mux.Handle("/api/messages", bot)
	mux.Handle("/download/", bot)
	servePages(mux, t.cfg)
	if t.admin != nil {
		mux.Handle("/admin/", t.admin)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("Teams: serving: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	t.adapter.Wait(15 * time.Second)
	return nil
}
