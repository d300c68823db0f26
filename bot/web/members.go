package web

import (
	"cmp"
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/rapport-pcn/rapport/bot"
)

// rosterQuery is the roster's filter as the form sends it: codes and an
// organisation's ID, never a name.
type rosterQuery struct {
	Org                         int64
	Sector, Role, Stage, Status string
}

func readRosterQuery(r *http.Request) rosterQuery {
	q := r.URL.Query()
	org, _ := strconv.ParseInt(q.Get("org"), 10, 64)
	pick := func(choices []bot.Choice, v string) string {
		for _, c := range choices {
			if c.Code == v {
				return v
			}
		}
		return ""
	}
	return rosterQuery{
		Org: max(org, 0), Sector: pick(bot.Sectors, q.Get("sector")), Role: pick(bot.Roles, q.Get("role")),
		Stage: pick(bot.CareerStages, q.Get("stage")), Status: pick(statuses, q.Get("status")),
	}
}

// sectorCount is the members of one sector by status.
type sectorCount struct {
	Sector                           string
	Active, Paused, Unreachable, All int
}

type membersData struct {
	Q             rosterQuery
	Orgs          []bot.OrganisationInfo
	Roster        *bot.Roster
	RosterPager   pager
	Counts        []bot.OrgCount
	CountsPager   pager
	Sectors       []sectorCount
	Back          string
	Filtered      bool
	TotalCounted  sectorCount
	Organisations int
}

func (s *Server) members(w http.ResponseWriter, r *http.Request, sess *bot.Session) {
	ctx, now := r.Context(), s.o.Now()
	q := readRosterQuery(r)
	orgs, err := s.o.Store.Organisations(ctx)
	if err != nil {
		s.failed(w, sess, "read the organisations", err)
		return
	}
	page := pageOf(r, "page")
	f := bot.RosterFilter{OrganisationID: q.Org, Sector: q.Sector, Role: q.Role, CareerStage: q.Stage, Status: q.Status,
		Offset: (page - 1) * perPage, Limit: perPage}
	roster, err := s.o.Store.Roster(ctx, f, now)
	if err != nil {
		s.failed(w, sess, "read the roster", err)
		return
	}
	counts, err := s.o.Store.RosterCounts(ctx, now)
	if err != nil {
		s.failed(w, sess, "read the counts", err)
		return
	}
	d := membersData{Q: q, Orgs: orgs, Roster: roster, Back: here(r), Organisations: len(counts),
		Filtered: q != rosterQuery{}}
	d.RosterPager = newPager(r, "page", page, roster.Total, "Roster pages")
	d.CountsPager = newPager(r, "cpage", pageOf(r, "cpage"), len(counts), "Count table pages")
	d.Counts = window(counts, d.CountsPager)
	d.Sectors, d.TotalCounted = bySector(counts)
	s.pages.render(w, http.StatusOK, "members", view{Title: "Members", Nav: "/admin/members", Session: sess, Flash: s.flash(ctx, r), Data: d})
}

// bySector adds the organisations' counts up by sector, in the sectors'
// order, with those of no sector last, and all of them.
func bySector(counts []bot.OrgCount) ([]sectorCount, sectorCount) {
	m := map[string]*sectorCount{}
	var all sectorCount
	for _, c := range counts {
		sc := m[c.Sector]
		if sc == nil {
			sc = &sectorCount{Sector: c.Sector}
			m[c.Sector] = sc
		}
		for _, x := range []*sectorCount{sc, &all} {
			x.Active += c.Active
			x.Paused += c.Paused
			x.Unreachable += c.Unreachable
			x.All += c.Active + c.Paused + c.Unreachable
		}
	}
	var out []sectorCount
	for _, sc := range m {
		out = append(out, *sc)
	}
	slices.SortFunc(out, func(a, b sectorCount) int {
		return cmp.Or(cmp.Compare(sectorIndex(a.Sector), sectorIndex(b.Sector)), cmp.Compare(a.Sector, b.Sector))
	})
	return out, all
}

// countsCSV hands over the counts by organisation, for ICB reports.
func (s *Server) countsCSV(w http.ResponseWriter, r *http.Request, sess *bot.Session) {
	counts, err := s.o.Store.RosterCounts(r.Context(), s.o.Now())
	if err != nil {
		s.failed(w, sess, "read the counts", err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="rapport-members-by-organisation-`+s.o.Now().In(s.o.Location).Format("2006-01-02")+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"organisation", "sector", "active", "paused", "unreachable", "total"})
	for _, c := range counts {
		_ = cw.Write([]string{
			csvCell(c.Organisation), csvCell(labelOr(bot.Sectors, c.Sector, "")),
			strconv.Itoa(c.Active), strconv.Itoa(c.Paused), strconv.Itoa(c.Unreachable),
			strconv.Itoa(c.Active + c.Paused + c.Unreachable),
		})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.o.Log.Warn("write the counts", "err", err)
	}
}

// csvCell keeps a spreadsheet from running a cell as a formula: text that
// starts like one gets a leading apostrophe.
func csvCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

type removeMemberData struct {
	Member *bot.Member
	Back   string
}

// confirmRemoveMember asks before a member is removed.
func (s *Server) confirmRemoveMember(w http.ResponseWriter, r *http.Request, sess *bot.Session) {
	id, ok := pathID(r)
	if !ok {
		s.pages.message(w, http.StatusNotFound, sess, "No such member", "That member is no longer in Rapport: they may have left, or another admin removed them.")
		return
	}
	m, err := s.o.Store.MemberByID(r.Context(), id)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		s.pages.message(w, http.StatusNotFound, sess, "No such member", "That member is no longer in Rapport: they may have left, or another admin removed them.")
		return
	} else if err != nil {
		s.failed(w, sess, "read a member", err)
		return
	}
	back := r.URL.Query().Get("back")
	if !strings.HasPrefix(back, "/admin/members") {
		back = "/admin/members"
	}
	s.pages.render(w, http.StatusOK, "remove-member", view{Title: "Remove a member", Nav: "/admin/members", Session: sess,
		Data: removeMemberData{Member: m, Back: back}})
}

// memberAction pauses, resumes or removes a member.
func (s *Server) memberAction(w http.ResponseWriter, r *http.Request, sess *bot.Session) {
	id, ok := pathID(r)
	if !ok {
		s.pages.message(w, http.StatusNotFound, sess, "No such member", "That member is no longer in Rapport: they may have left, or another admin removed them.")
		return
	}
	ctx, back := r.Context(), backTo(r, "/admin/members")
	switch r.PathValue("action") {
	case "pause":
		if _, err := s.o.Admin.PauseMember(ctx, sess.Admin, id); err != nil {
			s.refused(w, sess, "pause a member", err)
			return
		}
		seeOther(w, r, back, donePaused, "member", id)
	case "resume":
		if _, err := s.o.Admin.ResumeMember(ctx, sess.Admin, id); err != nil {
			s.refused(w, sess, "resume a member", err)
			return
		}
		seeOther(w, r, back, doneResumed, "member", id)
	case "remove":
		if r.PostForm.Get("confirm") != "yes" {
			http.Redirect(w, r, "/admin/members/"+strconv.FormatInt(id, 10)+"/remove", http.StatusSeeOther)
			return
		}
		if err := s.o.Admin.RemoveMember(ctx, sess.Admin, id); err != nil {
			s.refused(w, sess, "remove a member", err)
			return
		}
		seeOther(w, r, back, doneRemoved, "", 0)
	default:
		s.pages.message(w, http.StatusNotFound, sess, "Page not found", "There is no such action for a member.")
	}
}
