package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/rapport-pcn/rapport/bot"
)

type organisationsData struct {
	Orgs  []bot.OrganisationInfo
	Pager pager
	Back  string
	CSRF  string
}

func (s *Server) organisations(w http.ResponseWriter, r *http.Request, sess *bot.Session) {
	orgs, err := s.o.Store.Organisations(r.Context())
	if err != nil {
		s.failed(w, sess, "read the organisations", err)
		return
	}
	d := organisationsData{Back: here(r)}
	d.Pager = newPager(r, "page", pageOf(r, "page"), len(orgs), "Organisation pages")
	d.Orgs = window(orgs, d.Pager)
	s.pages.render(w, http.StatusOK, "organisations", view{Title: "Organisations", Nav: "/admin/organisations", Session: sess, Flash: s.flash(r.Context(), r), Data: d})
}

// addOrganisation puts a new organisation on the list.
func (s *Server) addOrganisation(w http.ResponseWriter, r *http.Request, sess *bot.Session) {
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if name == "" {
		s.pages.message(w, http.StatusBadRequest, sess, "That was not done", "Please type the organisation's name.")
		return
	}
	org, err := s.o.Admin.AddOrganisation(r.Context(), sess.Admin, name, r.PostForm.Get("sector"))
	if err != nil {
		s.refused(w, sess, "add an organisation", err)
		return
	}
	seeOther(w, r, "/admin/organisations", doneOrgAdded, "org", org.ID)
}

// organisationFormData is the page that asks which organisation to merge
// one into, or whether to remove it.
type organisationFormData struct {
	Org    bot.OrganisationInfo
	Others []bot.OrganisationInfo
	Into   *bot.OrganisationInfo // chosen, to confirm
	Back   string
}

// findOrganisation returns the organisation with the path's ID, and the
// others, or answers that there is none.
func (s *Server) findOrganisation(w http.ResponseWriter, r *http.Request, sess *bot.Session) (*bot.OrganisationInfo, []bot.OrganisationInfo, bool) {
	id, ok := pathID(r)
	if !ok {
		s.pages.message(w, http.StatusNotFound, sess, "No such organisation", "That organisation is no longer on the list: another admin may have merged or removed it.")
		return nil, nil, false
	}
	orgs, err := s.o.Store.Organisations(r.Context())
	if err != nil {
		s.failed(w, sess, "read the organisations", err)
		return nil, nil, false
	}
	var found *bot.OrganisationInfo
	others := make([]bot.OrganisationInfo, 0, len(orgs))
	for i := range orgs {
		if orgs[i].ID == id {
			found = &orgs[i]
		} else {
			others = append(others, orgs[i])
		}
	}
	if found == nil {
		s.pages.message(w, http.StatusNotFound, sess, "No such organisation", "That organisation is no longer on the list: another admin may have merged or removed it.")
		return nil, nil, false
	}
	return found, others, true
}

// organisationForm asks which organisation to merge into (GET …/merge,
// and with ?into= to confirm), or to confirm a removal (GET …/remove).
func (s *Server) organisationForm(w http.ResponseWriter, r *http.Request, sess *bot.Session) {
	org, others, ok := s.findOrganisation(w, r, sess)
	if !ok {
		return
	}
	d := organisationFormData{Org: *org, Others: others, Back: "/admin/organisations"}
	switch r.PathValue("action") {
	case "merge":
		if into, err := strconv.ParseInt(r.URL.Query().Get("into"), 10, 64); err == nil {
			for i := range others {
				if others[i].ID == into {
					d.Into = &others[i]
				}
			}
		}
		s.pages.render(w, http.StatusOK, "merge-organisation", view{Title: "Merge an organisation", Nav: "/admin/organisations", Session: sess, Data: d})
	case "remove":
		s.pages.render(w, http.StatusOK, "remove-organisation", view{Title: "Remove an organisation", Nav: "/admin/organisations", Session: sess, Data: d})
	default:
		s.pages.message(w, http.StatusNotFound, sess, "Page not found", "There is no such page for an organisation.")
	}
}

// organisationAction renames, sets the sector of, merges or removes an
// organisation. Merging and removing need confirm=yes; without it they
// ask first.
func (s *Server) organisationAction(w http.ResponseWriter, r *http.Request, sess *bot.Session) {
	id, ok := pathID(r)
	if !ok {
		s.pages.message(w, http.StatusNotFound, sess, "No such organisation", "That organisation is no longer on the list: another admin may have merged or removed it.")
		return
	}
	ctx, back := r.Context(), backTo(r, "/admin/organisations")
	f := r.PostForm
	switch r.PathValue("action") {
	case "rename":
		name := strings.TrimSpace(f.Get("name"))
		if name == "" {
			s.pages.message(w, http.StatusBadRequest, sess, "That was not done", "Please type the organisation's new name.")
			return
		}
		if _, err := s.o.Admin.RenameOrganisation(ctx, sess.Admin, id, name); err != nil {
			s.refused(w, sess, "rename an organisation", err)
			return
		}
		seeOther(w, r, back, doneOrgRenamed, "org", id)
	case "sector":
		if err := s.o.Admin.SetSector(ctx, sess.Admin, id, f.Get("sector")); err != nil {
			s.refused(w, sess, "set a sector", err)
			return
		}
		seeOther(w, r, back, doneOrgSector, "org", id)
	case "merge":
		into, err := strconv.ParseInt(f.Get("into"), 10, 64)
		if err != nil {
			s.pages.message(w, http.StatusBadRequest, sess, "That was not done", "Please choose the organisation to merge it into.")
			return
		}
		if f.Get("confirm") != "yes" {
			http.Redirect(w, r, "/admin/organisations/"+strconv.FormatInt(id, 10)+"/merge?into="+strconv.FormatInt(into, 10), http.StatusSeeOther)
			return
		}
		if err := s.o.Admin.MergeOrganisations(ctx, sess.Admin, id, into); err != nil {
			s.refused(w, sess, "merge organisations", err)
			return
		}
		seeOther(w, r, "/admin/organisations", doneOrgMerged, "org", into)
	case "remove":
		if f.Get("confirm") != "yes" {
			http.Redirect(w, r, "/admin/organisations/"+strconv.FormatInt(id, 10)+"/remove", http.StatusSeeOther)
			return
		}
		if err := s.o.Admin.RemoveOrganisation(ctx, sess.Admin, id); err != nil {
			s.refused(w, sess, "remove an organisation", err)
			return
		}
		seeOther(w, r, "/admin/organisations", doneOrgRemoved, "", 0)
	default:
		s.pages.message(w, http.StatusNotFound, sess, "Page not found", "There is no such action for an organisation.")
	}
}
