// Package web serves the admin's window and the health endpoints as one
// http.Handler.
//
// Routes (see routes for the handlers):
//
//	GET  /healthz                        the process is alive: 200 "ok"
//	GET  /readyz                         200 when every Check passes within ReadyTimeout, else 503 naming the failing ones
//	GET  /metrics                        Options.Metrics, when set
//	GET  /admin/sign-in/{token}          a page with a Sign in button; it does not spend the link
//	POST /admin/sign-in/{token}          spends the link, sets the session cookie, 303 to /admin/
//	POST /admin/sign-out                 ends the session
//	GET  /admin/                         overview: members, joins, each round's rates (SVG charts and tables)
//	GET  /admin/map?rounds=N             the network map (SVG) over the last N rounds, with its table
//	GET  /admin/members?org=&sector=&role=&stage=&status=&page=&cpage=
//	                                     the roster, filtered, and the counts by organisation and sector
//	GET  /admin/members/counts.csv       the counts as CSV, for ICB reports
//	GET  /admin/members/{id}/remove      asks to confirm a removal
//	POST /admin/members/{id}/pause|resume|remove
//	GET  /admin/organisations?page=      the organisations, with forms to add, rename, set sector
//	POST /admin/organisations            adds one (name, sector)
//	GET  /admin/organisations/{id}/merge|remove
//	                                     asks which to merge into, or to confirm a removal
//	POST /admin/organisations/{id}/rename|sector|merge|remove
//	GET  /admin/rounds                   the next round's preview (worked out in the background) and past rounds
//	GET  /admin/rounds/run               asks to confirm a round run now
//	POST /admin/rounds/run               runs it, with confirm=yes (and force=yes to run another this period)
//	GET  /admin/meetups                  upcoming meetups and who is coming
//	GET  /admin/gaps                     learning gaps: topics members want to learn and nobody offers
//	GET  /admin/log?page=                the admin log
//	GET  /admin/static/app.css           the pages' style sheet
//
// Every admin page but sign-in needs a session (cookie rapport_session);
// admin rights are checked again on every request. Every POST carries the
// session's CSRF token in the form field csrf; a POST without the right
// one changes nothing. Actions that change something answer 303 to the
// page they came from with a message key (done=) and an ID, never a name,
// in the address; a refused action shows its reason on a page of its own.
//
// The round preview runs the matcher, which takes a while on a large
// network: Server.Run works it out in the background and again whenever
// the members or the rounds change; the page shows it when it is ready.
//
// Wiring it up:
//
//	srv := web.New(web.Options{
//		Admin: core.Admin, Store: db, Rounds: core.Rounds, Meetups: db,
//		PublicURL: cfg.PublicURL, Location: loc, Log: log,
//		Ready:   []web.Check{{Name: "database", Check: db.Ping}},
//		Metrics: promhttp.Handler(),
//	})
//	go srv.Run(ctx) // the round preview, until ctx is cancelled
//	http.Serve(listener, srv.Handler())
package web

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// MeetupReader is what the meetups page reads.
type MeetupReader interface {
	// ListMeetups returns announced, scheduled meetups that end after
	// from, soonest first, at most limit.
	ListMeetups(ctx context.Context, from time.Time, limit int) ([]bot.Meetup, error)
	// MeetupAttendees returns every answer to the meetup. Returns
	// ENOTFOUND.
	MeetupAttendees(ctx context.Context, id int64) ([]bot.Attendee, error)
}

// Check is one thing /readyz asks: Check returns nil when it is ready.
// Name is shown when it is not, so it must say what, not why.
type Check struct {
	Name  string
	Check func(ctx context.Context) error
}

// Options are what the pages need.
type Options struct {
	// Admin signs admins in and carries out their actions.
	Admin *bot.Admin
	// Store is what the pages read.
	Store bot.DashboardStore
	// Rounds works out the next round's preview.
	Rounds *bot.Rounds
	// Meetups lists upcoming meetups; nil leaves the page empty.
	Meetups MeetupReader
	// Gaps lists the learning gaps; nil means Store's, when it has them.
	Gaps GapReader
	// PublicURL is where the pages are reached; an https one makes the
	// session cookie Secure.
	PublicURL string
	// Now returns the current time; nil means the system clock.
	Now func() time.Time
	// Location is the network's time zone for dates; nil means UTC.
	Location *time.Location
	// Log records what went wrong; nil logs nothing.
	Log *slog.Logger
	// Ready are the checks of /readyz.
	Ready []Check
	// Metrics, when set, is served at /metrics.
	Metrics http.Handler
}

// Server serves the admin's pages and the health endpoints.
type Server struct {
	o       Options
	pages   *pages
	preview *previewCache
	ready   *readiness
}

// New returns a server for the options. Call Run for the round preview.
func New(o Options) *Server {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if g, ok := o.Store.(GapReader); ok && o.Gaps == nil {
		o.Gaps = g
	}
	s := &Server{o: o}
	s.pages = newPages(o.Location)
	s.preview = newPreviewCache(o.Store, o.Rounds, o.Now, o.Log)
	s.ready = &readiness{checks: o.Ready, log: o.Log, failing: map[string]bool{}}
	return s
}

// Run keeps the round preview up to date until ctx is cancelled.
func (s *Server) Run(ctx context.Context) { s.preview.run(ctx) }

// Handler returns the handler of every route.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.Handle("GET /readyz", s.ready)
	if s.o.Metrics != nil {
		mux.Handle("GET /metrics", s.o.Metrics)
	}

	mux.HandleFunc("GET "+staticPath, serveCSS)
	mux.HandleFunc("GET /admin", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET "+bot.SignInPath+"{token}", s.signInPage)
	mux.HandleFunc("POST "+bot.SignInPath+"{token}", s.signIn)
	mux.HandleFunc("POST /admin/sign-out", s.signOut)

	mux.Handle("GET /admin/{$}", s.signedIn(s.overview))
	mux.Handle("GET /admin/map", s.signedIn(s.networkMap))
	mux.Handle("GET /admin/members", s.signedIn(s.members))
	mux.Handle("GET /admin/members/counts.csv", s.signedIn(s.countsCSV))
	mux.Handle("GET /admin/members/{id}/remove", s.signedIn(s.confirmRemoveMember))
	mux.Handle("POST /admin/members/{id}/{action}", s.signedIn(s.memberAction))
	mux.Handle("GET /admin/organisations", s.signedIn(s.organisations))
	mux.Handle("POST /admin/organisations", s.signedIn(s.addOrganisation))
	mux.Handle("GET /admin/organisations/{id}/{action}", s.signedIn(s.organisationForm))
	mux.Handle("POST /admin/organisations/{id}/{action}", s.signedIn(s.organisationAction))
	mux.Handle("GET /admin/rounds", s.signedIn(s.rounds))
	mux.Handle("GET /admin/rounds/run", s.signedIn(s.confirmRun))
	mux.Handle("POST /admin/rounds/run", s.signedIn(s.runRound))
	mux.Handle("GET /admin/meetups", s.signedIn(s.meetups))
	mux.Handle("GET /admin/gaps", s.signedIn(s.gaps))
	mux.Handle("GET /admin/log", s.signedIn(s.auditLog))
	mux.HandleFunc("/admin/", func(w http.ResponseWriter, r *http.Request) {
		s.pages.message(w, http.StatusNotFound, nil, "Page not found",
			"There is no admin page at this address. The links at the top of every page lead to each of them.")
	})

	// Browsers say where a form comes from; a POST from another site is
	// refused before it reaches the session check.
	cop := http.NewCrossOriginProtection()
	if u, err := url.Parse(s.o.PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
		// Behind a proxy the Host the server sees may not be the one the
		// browser used.
		_ = cop.AddTrustedOrigin(u.Scheme + "://" + u.Host)
	}
	return securityHeaders(cop.Handler(mux))
}

// securityHeaders sets what every answer carries: nothing but this
// origin's style sheet and forms, no framing, and no address (which may
// hold a sign-in token) sent on to another site.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		if strings.HasPrefix(r.URL.Path, "/admin") && r.URL.Path != staticPath {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

//go:embed templates/*.html static/app.css
var files embed.FS

// staticPath is the style sheet's address; cssVersion, added as a query,
// changes with its content, so a browser may keep it a day.
const staticPath = "/admin/static/app.css"

var css, cssVersion = func() ([]byte, string) {
	b, err := fs.ReadFile(files, "static/app.css")
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:6])
}()

func serveCSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(css)
}
