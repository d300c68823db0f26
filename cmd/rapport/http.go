package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/config"
)

// httpListener serves /healthz, /readyz, /metrics and the admin pages on
// RAPPORT_HTTP_ADDR. It listens before the rest of serve starts, so that
// a port in use stops serve at once with the reason, and so that the
// admin pages' address is known (":0" picks a free port).
type httpListener struct {
	ln  net.Listener
	log *slog.Logger
}

func listenHTTP(cfg config.Config, log *slog.Logger) (*httpListener, error) {
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("listening on RAPPORT_HTTP_ADDR %s (the health checks, metrics and admin pages): %w", cfg.HTTPAddr, err)
	}
	log.Info("admin pages, health checks and metrics listening", "addr", ln.Addr().String())
	return &httpListener{ln: ln, log: log}, nil
}

// adminURL is where the admin pages are reached: RAPPORT_PUBLIC_URL, or
// this listener's own address.
func (h *httpListener) adminURL(cfg config.Config) string {
	if cfg.PublicURL != "" {
		return cfg.PublicURL
	}
	local := cfg
	local.HTTPAddr = h.ln.Addr().String()
	return local.AdminURL()
}

// serve serves handler until ctx ends, then lets requests in flight
// finish for a few seconds.
func (h *httpListener) serve(ctx context.Context, handler http.Handler) error {
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(h.ln) }()
	select {
	case err := <-served:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("serving RAPPORT_HTTP_ADDR: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return nil
}

// healthcheck asks a running Rapport whether it is ready, for a
// container's HEALTHCHECK: the image has no shell or curl to do it.
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("healthcheck", "Asks the Rapport serving on RAPPORT_HTTP_ADDR whether it is ready (GET /readyz) and exits 0 when it is, 1 when it is not or does not answer. For Docker's HEALTHCHECK and other probes.", stderr)
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(getenv, false)
	if err != nil {
		return fmt.Errorf("configuration:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	local := cfg
	local.PublicURL = "" // ask this machine's listener, not the public address
	url := local.AdminURL() + "/readyz"
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("not ready: %s did not answer: %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready (%s): %s", resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprintln(stdout, "ready")
	return nil
}
