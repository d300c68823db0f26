package web

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// view is what every page's template gets: the page's own data in Data,
// and the layout's.
type view struct {
	Title string
	// Nav is the address of the page's section, to mark it in the menu.
	Nav     string
	Session *bot.Session
	// Flash is the outcome of the action just done.
	Flash   string
	CSS     string
	Refresh int // seconds, for a page that is still being worked out
	Data    any
}

// Admin returns the signed-in admin's name, for the header.
func (v view) Admin() string {
	if v.Session == nil {
		return ""
	}
	if v.Session.Admin.Name != "" {
		return v.Session.Admin.Name
	}
	return "an admin"
}

// navItem is one link of the menu.
type navItem struct{ Path, Label string }

var nav = []navItem{
	{"/admin/", "Overview"},
	{"/admin/map", "Network map"},
	{"/admin/members", "Members"},
	{"/admin/organisations", "Organisations"},
	{"/admin/rounds", "Rounds"},
	{"/admin/meetups", "Meetups"},
	{"/admin/gaps", "Learning gaps"},
	{"/admin/log", "Admin log"},
}

// pages holds each page's template, each the layout with its content.
type pages struct {
	byName map[string]*template.Template
	loc    *time.Location
}

func newPages(loc *time.Location) *pages {
	funcs := template.FuncMap{
		"nav":         func() []navItem { return nav },
		"sector":      func(code string) string { return labelOr(bot.Sectors, code, "No sector") },
		"role":        func(code string) string { return labelOr(bot.Roles, code, "Not given") },
		"stage":       func(code string) string { return labelOr(bot.CareerStages, code, "Not given") },
		"status":      statusLabel,
		"num":         thousands,
		"pct":         pct,
		"date":        func(t time.Time) string { return t.In(loc).Format("2 Jan 2006") },
		"datetime":    func(t time.Time) string { return t.In(loc).Format("Mon 2 Jan 2006, 15:04") },
		"isoDate":     func(t time.Time) string { return t.In(loc).Format(time.RFC3339) },
		"plural":      bot.Plural,
		"count":       func(n int, one, many string) string { return thousands(n) + " " + bot.Plural(n, one, many) },
		"sectors":     func() []bot.Choice { return bot.Sectors },
		"roles":       func() []bot.Choice { return bot.Roles },
		"stages":      func() []bot.Choice { return bot.CareerStages },
		"statuses":    func() []bot.Choice { return statuses },
		"sectorClass": sectorClass,
		"add":         func(a, b int) int { return a + b },
		"gapText":     func(g bot.LearningGap) string { return bot.LearningGapText(g).Plain() },
	}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html"))
	p := &pages{byName: map[string]*template.Template{}, loc: loc}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, name := range names {
		if name == "templates/layout.html" {
			continue
		}
		t := template.Must(template.Must(layout.Clone()).ParseFS(files, name))
		p.byName[strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")] = t
	}
	return p
}

// render writes a page with the status. It renders into a buffer first,
// so that a template error gives a clean error page, not half a page.
func (p *pages) render(w http.ResponseWriter, status int, name string, v view) {
	t, ok := p.byName[name]
	if !ok {
		panic("web: no template " + name)
	}
	v.CSS = staticPath + "?v=" + cssVersion
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		http.Error(w, "Sorry, this page could not be shown.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// messageData is a page that only says something, with a link onwards.
type messageData struct {
	Heading string
	Text    string
	Link    string
	LinkTo  string
}

// message shows a page that says one thing; s, when not nil, keeps the
// menu.
func (p *pages) message(w http.ResponseWriter, status int, s *bot.Session, heading, text string) {
	d := messageData{Heading: heading, Text: text}
	if s != nil {
		d.Link, d.LinkTo = "Back to the overview", "/admin/"
	}
	p.render(w, status, "message", view{Title: heading, Session: s, Data: d})
}

func labelOr(choices []bot.Choice, code, none string) string {
	if code == "" {
		return none
	}
	return bot.Label(choices, code)
}

var statuses = []bot.Choice{
	{Code: bot.RosterActive, Label: "Taking part"},
	{Code: bot.RosterPaused, Label: "Paused"},
	{Code: bot.RosterUnreachable, Label: "Unreachable"},
}

func statusLabel(code string) string { return bot.Label(statuses, code) }

// sectorClass is the CSS class that colours a sector on the map.
func sectorClass(code string) string {
	for i, s := range bot.Sectors {
		if s.Code == code {
			return "sector-" + strconv.Itoa(i)
		}
	}
	return "sector-none"
}

// thousands writes n with commas: 100,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// pct is a share of n in d as a whole percentage, "–" when d is 0.
func pct(n, d int) string {
	if d == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(d))
}

// pager is a page of a long list and the links to its neighbours.
type pager struct {
	Page, Pages, Total int
	Prev, Next         string // addresses, "" at either end
	// Label names the list for screen readers: "Roster pages".
	Label string
}

// perPage is how many rows a page of a long table shows.
const perPage = 50

// pageOf reads the page number in the query parameter param and returns
// the offset and the page, clamped to those there are.
func pageOf(r *http.Request, param string) int {
	n, err := strconv.Atoi(r.URL.Query().Get(param))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// newPager returns the pager for a list of total rows, on page, whose
// links change only param in the request's query.
func newPager(r *http.Request, param string, page, total int, label string) pager {
	pages := max(1, (total+perPage-1)/perPage)
	page = min(max(page, 1), pages)
	p := pager{Page: page, Pages: pages, Total: total, Label: label}
	link := func(n int) string {
		q := r.URL.Query()
		q.Del("done")
		q.Del("member")
		q.Del("org")
		q.Del("round")
		if n == 1 {
			q.Del(param)
		} else {
			q.Set(param, strconv.Itoa(n))
		}
		return (&url.URL{Path: r.URL.Path, RawQuery: q.Encode()}).String()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < pages {
		p.Next = link(page + 1)
	}
	return p
}

// offset is the first row of the pager's page.
func (p pager) offset() int { return (p.Page - 1) * perPage }

// window returns the rows of the pager's page of a slice.
func window[T any](rows []T, p pager) []T {
	from := min(p.offset(), len(rows))
	return rows[from:min(from+perPage, len(rows))]
}

// failed answers a page whose reading failed: the admin gets an apology,
// the log what went wrong.
func (s *Server) failed(w http.ResponseWriter, sess *bot.Session, what string, err error) {
	s.o.Log.Error(what, "err", err)
	s.pages.message(w, http.StatusInternalServerError, sess, "Sorry, this page could not be shown",
		"Something went wrong on our side. Please try again in a minute; if it keeps happening, tell whoever runs Rapport.")
}

// refused answers an action that was not done, with the reason a person
// can act on; an error that is nobody's fault is logged.
func (s *Server) refused(w http.ResponseWriter, sess *bot.Session, what string, err error) {
	status := http.StatusInternalServerError
	switch bot.ErrorCode(err) {
	case bot.ENOTFOUND:
		status = http.StatusNotFound
	case bot.ECONFLICT:
		status = http.StatusConflict
	case bot.EINVALID:
		status = http.StatusBadRequest
	case bot.EFORBIDDEN:
		status = http.StatusForbidden
	case bot.EEXPIRED:
		status = http.StatusGone
	default:
		s.o.Log.Error(what, "err", err)
	}
	s.pages.message(w, status, sess, "That was not done", bot.ErrorMessage(err))
}

// seeOther sends the browser back to path after an action, with the key
// of what was done and the ID it was done to (never a name).
func seeOther(w http.ResponseWriter, r *http.Request, path string, done string, idParam string, id int64) {
	u, err := url.Parse(path)
	if err != nil || !strings.HasPrefix(u.Path, "/admin/") || u.Host != "" || u.Scheme != "" {
		u = &url.URL{Path: "/admin/"}
	}
	q := u.Query()
	q.Set("done", done)
	if idParam != "" {
		q.Set(idParam, strconv.FormatInt(id, 10))
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// backTo is the page a form came from (its field "back"), when that is an
// admin page, else fallback.
func backTo(r *http.Request, fallback string) string {
	b := r.PostForm.Get("back")
	if u, err := url.Parse(b); err == nil && u.Host == "" && u.Scheme == "" && strings.HasPrefix(u.Path, "/admin/") && !strings.HasPrefix(b, "//") {
		return b
	}
	return fallback
}

// here is the request's own address, for a form's "back" field, without
// the outcome of an earlier action.
func here(r *http.Request) string {
	q := r.URL.Query()
	for _, k := range []string{"done", "member", "org", "round"} {
		q.Del(k)
	}
	return (&url.URL{Path: r.URL.Path, RawQuery: q.Encode()}).String()
}

// pathID reads the ID in the path.
func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// contextWithoutCancel is the request's context for work that must not
// stop halfway when the browser goes away, bounded by runTimeout.
func contextWithoutCancel(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(r.Context()), runTimeout)
}
