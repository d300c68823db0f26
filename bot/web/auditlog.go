package web

import (
	"net/http"

	"github.com/rapport-pcn/rapport/bot"
)

// auditWords are the admin log's actions as the page says them.
var auditWords = map[string]string{
	bot.AuditPause:       "Paused a member",
	bot.AuditResume:      "Resumed a member",
	bot.AuditRemove:      "Removed a member",
	bot.AuditRunRound:    "Ran a round",
	bot.AuditOrgAdd:      "Added an organisation",
	bot.AuditOrgRename:   "Renamed an organisation",
	bot.AuditOrgMerge:    "Merged organisations",
	bot.AuditOrgRemove:   "Removed an organisation",
	bot.AuditOrgSector:   "Set an organisation's sector",
	bot.AuditSignIn:      "Signed in to the admin pages",
	bot.AuditDashboardDM: "Asked for a sign-in link",
	bot.AuditInvite:      "Posted an invitation to join",
}

// auditRow is one entry as the page shows it.
type auditRow struct {
	bot.AuditEntry
	Words, Who, Member string
}

type auditData struct {
	Rows  []auditRow
	Pager pager
}

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request, sess *bot.Session) {
	page := pageOf(r, "page")
	entries, total, err := s.o.Store.AuditLog(r.Context(), (page-1)*perPage, perPage)
	if err != nil {
		s.failed(w, sess, "read the admin log", err)
		return
	}
	d := auditData{Pager: newPager(r, "page", page, total, "Admin log pages")}
	for _, e := range entries {
		row := auditRow{AuditEntry: e, Words: auditWords[e.Action], Who: e.ActorName}
		if row.Words == "" {
			row.Words = e.Action
		}
		if row.Who == "" {
			row.Who = "an admin who has left"
		}
		switch {
		case e.Left || (e.MemberID == 0 && e.Action == bot.AuditRemove):
			row.Member = bot.LeftMemberName
		case e.MemberID != 0 && e.MemberName == "":
			row.Member = bot.LeftMemberName
		default:
			row.Member = e.MemberName
		}
		d.Rows = append(d.Rows, row)
	}
	s.pages.render(w, http.StatusOK, "log", view{Title: "Admin log", Nav: "/admin/log", Session: sess, Data: d})
}
