package web

import (
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// overviewRounds is how many of the latest rounds the overview charts.
const overviewRounds = 26

// overviewWeeks is how many weeks of joins the overview charts.
const overviewWeeks = 26

// roundRow is one round's figures as the overview's table shows them.
type roundRow struct {
	bot.RoundStats
	Date                  time.Time
	ArrangedPct, MetPct   string
	ArrangedRate, MetRate float64
}

type overviewData struct {
	O           *bot.Overview
	Total       int
	Weeks       []bot.WeekCount
	Rounds      []roundRow
	JoinsChart  template.HTML
	IntrosChart template.HTML
	RatesChart  template.HTML
}

func (s *Server) overview(w http.ResponseWriter, r *http.Request, sess *bot.Session) {
	now := s.o.Now()
	o, err := s.o.Store.DashboardOverview(r.Context(), now, overviewRounds)
	if err != nil {
		s.failed(w, sess, "read the overview", err)
		return
	}
	d := overviewData{O: o, Total: o.Active + o.Paused + o.Unreachable, Weeks: lastWeeks(o.Joins, now, overviewWeeks)}
	var joins, intros []point
	var met, arranged series
	met.Name, met.Class = "Met", "line-met"
	arranged.Name, arranged.Class = "Arranged to meet", "line-arranged"
	for _, wk := range d.Weeks {
		label := wk.Week.Format("2 Jan")
		joins = append(joins, point{Label: label, Value: float64(wk.Count),
			Title: fmt.Sprintf("Week of %s: %s joined", wk.Week.Format("2 Jan 2006"), countWords(wk.Count, "member", "members"))})
	}
	for _, rs := range o.Rounds {
		row := roundRow{RoundStats: rs, Date: rs.CreatedAt, ArrangedPct: pct(rs.Arranged, rs.Delivered), MetPct: pct(rs.Met, rs.Delivered)}
		if rs.Delivered > 0 {
			row.ArrangedRate = float64(rs.Arranged) / float64(rs.Delivered)
			row.MetRate = float64(rs.Met) / float64(rs.Delivered)
		}
		d.Rounds = append(d.Rounds, row)
		label := fmt.Sprintf("%d", rs.Number)
		intros = append(intros, point{Label: label, Value: float64(rs.Intros),
			Title: fmt.Sprintf("Round %d: %s", rs.Number, countWords(rs.Intros, "introduction", "introductions"))})
		met.Points = append(met.Points, point{Label: label, Value: row.MetRate, Title: fmt.Sprintf("Round %d: met %s", rs.Number, row.MetPct)})
		arranged.Points = append(arranged.Points, point{Label: label, Value: row.ArrangedRate, Title: fmt.Sprintf("Round %d: arranged %s", rs.Number, row.ArrangedPct)})
	}
	const tableSays = " The table below gives the same figures."
	d.JoinsChart = barChart("joins-chart", "Members who joined, by week", "A bar for each week."+tableSays, joins)
	if len(o.Rounds) > 0 {
		d.IntrosChart = barChart("intros-chart", "Introductions in each round", "A bar for each round, by round number."+tableSays, intros)
		d.RatesChart = lineChart("rates-chart", "Arranged and met, as a share of delivered introductions", "Two lines across the rounds, by round number."+tableSays, []series{met, arranged})
	}
	s.pages.render(w, http.StatusOK, "overview", view{Title: "Overview", Nav: "/admin/", Session: sess, Flash: s.flash(r.Context(), r), Data: d})
}

// lastWeeks is the joins over the n weeks up to now's, with the weeks
// nobody joined in as zeros, oldest first.
func lastWeeks(joins []bot.WeekCount, now time.Time, n int) []bot.WeekCount {
	counts := map[time.Time]int{}
	for _, j := range joins {
		counts[monday(j.Week)] += j.Count
	}
	this := monday(now)
	out := make([]bot.WeekCount, n)
	for i := range n {
		wk := this.AddDate(0, 0, -7*(n-1-i))
		out[i] = bot.WeekCount{Week: wk, Count: counts[wk]}
	}
	return out
}

// monday is the start of t's week (Monday, in UTC), as Overview counts
// joins.
func monday(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}
