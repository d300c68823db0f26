package web

import (
	"context"
	"net/http"
	"strconv"
)

// What an action did, as the page it leads back to says it. The address
// carries the key (done=) and an ID; the names are read afresh, so none
// is ever in an address.
const (
	donePaused     = "paused"
	doneResumed    = "resumed"
	doneRemoved    = "removed"
	doneOrgAdded   = "org_added"
	doneOrgRenamed = "org_renamed"
	doneOrgMerged  = "org_merged"
	doneOrgSector  = "org_sector"
	doneOrgRemoved = "org_removed"
	doneRan        = "ran"
)

// flash words what the last action did, or "" for none.
func (s *Server) flash(ctx context.Context, r *http.Request) string {
	q := r.URL.Query()
	id, _ := strconv.ParseInt(q.Get("member")+q.Get("org")+q.Get("round"), 10, 64)
	member := func(fallback string) string {
		if m, err := s.o.Store.MemberByID(ctx, id); err == nil && m.Name != "" {
			return m.Name
		}
		return fallback
	}
	org := func(fallback string) string {
		if orgs, err := s.o.Store.Organisations(ctx); err == nil {
			for _, o := range orgs {
				if o.ID == id {
					return o.Name
				}
			}
		}
		return fallback
	}
	switch q.Get("done") {
	case donePaused:
		return member("The member") + " is paused, and the bot has told them. They take part again when an admin resumes them."
	case doneResumed:
		return member("The member") + " takes part again, and the bot has told them."
	case doneRemoved:
		return "The member has been removed from Rapport. The bot told them first."
	case doneOrgAdded:
		return org("The organisation") + " is on the list."
	case doneOrgRenamed:
		return "The organisation is now called " + org("by its new name") + "; its members follow."
	case doneOrgMerged:
		return "The organisations are merged into " + org("one") + "; its members are all there."
	case doneOrgSector:
		return "The sector of " + org("the organisation") + " is saved."
	case doneOrgRemoved:
		return "The organisation is off the list. Its members keep it as their organisation."
	case doneRan:
		if id > 0 {
			return "Round " + strconv.FormatInt(id, 10) + " is under way: the introductions are on their way to everyone taking part."
		}
		return "The round is under way: the introductions are on their way to everyone taking part."
	}
	return ""
}
