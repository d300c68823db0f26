package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// pastRounds is how many past rounds the rounds page lists.
const pastRounds = 52

// previewIntro is one intro of the preview as the page shows it.
type previewIntro struct {
	N           int
	Members     []previewMember
	Explanation string
	Trio        bool
}

type roundsData struct {
	Preview *preview
	// Working says a preview (a first or a newer one) is being worked
	// out.
	Working bool
	When    string
	Summary string
	Trios   int

	LeftOut      []bot.LeftOut
	LeftOutPager pager
	Skipped      []bot.LeftOut
	SkipPager    pager
	Intros       []previewIntro
	IntroPager   pager

	Past []roundRow
}

func (s *Server) rounds(w http.ResponseWriter, r *http.Request, sess *bot.Session) {
	ctx := r.Context()
	d := roundsData{}
	p, working := s.preview.get(ctx)
	d.Preview, d.Working = p, working
	if p != nil && p.Err == nil {
		plan := p.Plan
		for _, in := range plan.Intros {
			if len(in.MemberIDs) == 3 {
				d.Trios++
			}
		}
		d.When = p.Period.In(s.o.Location).Format("Monday 2 January at 15:04")
		d.Summary = fmt.Sprintf("%s would take part, in %s", countWords(plan.Eligible, "member", "members"),
			countWords(len(plan.Intros), "introduction", "introductions"))
		if d.Trios > 0 {
			d.Summary += fmt.Sprintf(" (%s, so nobody is left over)", countWords(d.Trios, "trio", "trios"))
		}
		d.Summary += "."
		d.LeftOutPager = newPager(r, "lpage", pageOf(r, "lpage"), len(plan.LeftOut), "Left-out pages")
		d.LeftOut = window(plan.LeftOut, d.LeftOutPager)
		d.SkipPager = newPager(r, "spage", pageOf(r, "spage"), len(plan.Skipped), "Not-taking-part pages")
		d.Skipped = window(plan.Skipped, d.SkipPager)
		d.IntroPager = newPager(r, "page", pageOf(r, "page"), len(plan.Intros), "Introduction pages")
		for i, in := range window(plan.Intros, d.IntroPager) {
			pi := previewIntro{N: d.IntroPager.offset() + i + 1, Explanation: in.Explanation, Trio: len(in.MemberIDs) == 3}
			for _, id := range in.MemberIDs {
				pi.Members = append(pi.Members, p.Members[id])
			}
			d.Intros = append(d.Intros, pi)
		}
	}
	past, err := s.o.Store.RecentRounds(ctx, pastRounds)
	if err != nil {
		s.failed(w, sess, "read the past rounds", err)
		return
	}
	for i := len(past) - 1; i >= 0; i-- {
		rs := past[i]
		d.Past = append(d.Past, roundRow{RoundStats: rs, Date: rs.CreatedAt, ArrangedPct: pct(rs.Arranged, rs.Delivered), MetPct: pct(rs.Met, rs.Delivered)})
	}
	v := view{Title: "Rounds", Nav: "/admin/rounds", Session: sess, Flash: s.flash(ctx, r), Data: d}
	if q := r.URL.Query(); q.Get("done") == doneRan {
		// The round just run, in figures, as the chat says it.
		for _, rs := range past {
			if strconv.Itoa(rs.Number) == q.Get("round") {
				v.Flash = fmt.Sprintf("Round %d is under way: %s, %d left out. The messages are on their way.",
					rs.Number, countWords(rs.Intros, "introduction", "introductions"), rs.LeftOut)
			}
		}
	}
	if working {
		v.Refresh = 5
	}
	s.pages.render(w, http.StatusOK, "rounds", v)
}

// runData is the page that asks to confirm a round run now.
type runData struct {
	Force bool
	// Refusal is why the last try did not run, to say above the form.
	Refusal string
}

func (s *Server) confirmRun(w http.ResponseWriter, r *http.Request, sess *bot.Session) {
	s.pages.render(w, http.StatusOK, "run", view{Title: "Run a round now", Nav: "/admin/rounds", Session: sess,
		Data: runData{Force: r.URL.Query().Get("force") == "yes"}})
}

// runRound runs a round now, once the admin has confirmed (confirm=yes);
// without it, it asks.
func (s *Server) runRound(w http.ResponseWriter, r *http.Request, sess *bot.Session) {
	force := r.PostForm.Get("force") == "yes"
	if r.PostForm.Get("confirm") != "yes" {
		s.pages.render(w, http.StatusOK, "run", view{Title: "Run a round now", Nav: "/admin/rounds", Session: sess, Data: runData{Force: force}})
		return
	}
	ctx, cancel := contextWithoutCancel(r)
	defer cancel()
	round, _, err := s.o.Admin.RunRound(ctx, sess.Admin, force)
	switch bot.ErrorCode(err) {
	case "":
	case bot.ECONFLICT:
		s.pages.render(w, http.StatusConflict, "run", view{Title: "Run a round now", Nav: "/admin/rounds", Session: sess, Data: runData{
			Force:   true,
			Refusal: "The round for this period has already run, so nothing was run. To run another anyway, tick the box below and run it.",
		}})
		return
	default:
		s.refused(w, sess, "run a round", err)
		return
	}
	s.preview.invalidate()
	seeOther(w, r, "/admin/rounds", doneRan, "round", int64(round.Number))
}

// runTimeout bounds a round run from the page. A round is stored in one
// transaction, so it goes ahead even if the admin closes the page.
const runTimeout = 2 * time.Minute
