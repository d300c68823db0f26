package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// ReadyTimeout is how long /readyz waits for its checks: a probe that
// hangs longer is as good as a failure.
const ReadyTimeout = 2 * time.Second

// readiness answers /readyz. It logs a check when it starts or stops
// failing rather than at every probe, which come every few seconds.
type readiness struct {
	checks []Check
	log    *slog.Logger

	mu      sync.Mutex
	failing map[string]bool
}

func (rd *readiness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
	defer cancel()
	errs := make([]error, len(rd.checks))
	var wg sync.WaitGroup
	for i, c := range rd.checks {
		wg.Go(func() {
			done := make(chan error, 1)
			go func() { done <- c.Check(ctx) }()
			select {
			case errs[i] = <-done:
			case <-ctx.Done():
				errs[i] = ctx.Err()
			}
		})
	}
	wg.Wait()

	var failed []string
	rd.mu.Lock()
	for i, c := range rd.checks {
		was := rd.failing[c.Name]
		if errs[i] != nil {
			failed = append(failed, c.Name)
			if !was {
				// The error stays in the log: it may name a host, and
				// the probe's answer is read by whoever can reach it.
				rd.log.Warn("not ready", "check", c.Name, "err", errs[i])
			}
		} else if was {
			rd.log.Info("ready again", "check", c.Name)
		}
		rd.failing[c.Name] = errs[i] != nil
	}
	rd.mu.Unlock()

	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if len(failed) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: " + strings.Join(failed, ", ") + "\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}
