package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rapport-pcn/rapport/bot"
)

// A network with nothing in it yet: every page says so rather than
// failing.
func TestEveryPageRendersForAnEmptyNetwork(t *testing.T) {
	s := New(Options{})
	sess := &bot.Session{Admin: admin, CSRF: "CSRFTOKEN"}
	req := httptest.NewRequest("GET", "/admin/", nil)
	overview := func() overviewData {
		return overviewData{O: &bot.Overview{}, JoinsChart: barChart("j", "t", "d", nil)}
	}
	for name, data := range map[string]any{
		"overview":            overview(),
		"map":                 pagedMap(req, &bot.NetworkMap{}, 8),
		"members":             membersData{Roster: &bot.Roster{}},
		"organisations":       organisationsData{},
		"merge-organisation":  organisationFormData{},
		"remove-organisation": organisationFormData{},
		"remove-member":       removeMemberData{Member: &bot.Member{}},
		"rounds":              roundsData{},
		"run":                 runData{},
		"meetups":             meetupsData{},
		"log":                 auditData{},
		"message":             messageData{Heading: "Hello"},
		"sign-in":             nil,
	} {
		res := httptest.NewRecorder()
		s.pages.render(res, 200, name, view{Title: name, Session: sess, Data: data})
		if res.Code != 200 {
			t.Errorf("%s: %d %s", name, res.Code, res.Body)
			continue
		}
		body := res.Body.String()
		for _, want := range []string{`<a class="skip-link" href="#main">`, `<main id="main"`, `name="viewport"`, `<h1>`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
	}
}
