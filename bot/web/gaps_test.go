package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rapport-pcn/rapport/bot/bottest"
)

func TestTheLearningGapsPageListsTopicsWantedAndNotOffered(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, r *rig) {
		// Three members want to learn about QOF (two spell it so), one
		// about estates, and two about diabetes, which Chloe offers.
		r.join(1, "Priya Shah", "Riverside Surgery", "gp_practice", bottest.Asks("QOF", "Diabetes"))
		r.join(2, "Sam Okafor", "Oak Lane Medical Centre", "gp_practice", bottest.Asks("QOF", "Estates"))
		r.join(3, "Omar Haddad", "Age UK Northside", "voluntary_sector", bottest.Asks("qof", "Diabetes"))
		r.join(4, "Chloe Evans", "Boots Riverside", "community_pharmacy", bottest.Offers("Diabetes"))
		// What members type is shown as text, never as markup.
		r.join(5, "Hana Novak", "Hillview Surgery", "gp_practice", bottest.Asks("<b>A&E</b> triage"))

		res := r.do("GET", "/admin/gaps", nil, nil)
		if res.Code != http.StatusUnauthorized {
			t.Fatalf("without a session: status %d, want 401", res.Code)
		}

		page := r.get("/admin/gaps", r.signIn())
		mustContain(t, page,
			`<a href="/admin/gaps" aria-current="page">Learning gaps</a>`,
			`<table id="gaps-table">`, `<caption id="gaps-caption">Topics wanted and not offered (3)</caption>`,
			"Most wanted: 3 members want to learn about QOF; nobody offers it.",
			`<th scope="row">QOF</th><td class="num">3</td>`,
			`<th scope="row">Estates</th><td class="num">1</td>`,
			`<th scope="row">&lt;b&gt;A&amp;E&lt;/b&gt; triage</th>`)
		if strings.Contains(page, "<b>A&E") {
			t.Error("a topic a member typed is shown as markup")
		}
		if strings.Index(page, ">QOF<") > strings.Index(page, ">Estates<") {
			t.Error("Estates is listed before QOF, which more members want")
		}
		if strings.Contains(page, "Diabetes") {
			t.Error("the page lists diabetes, which Chloe offers")
		}
	})
}

func TestTheLearningGapsPageSaysWhenThereAreNone(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, r *rig) {
		r.join(1, "Priya Shah", "Riverside Surgery", "gp_practice", bottest.Asks("Diabetes"))
		r.join(2, "Chloe Evans", "Boots Riverside", "community_pharmacy", bottest.Offers("Diabetes"))
		page := r.get("/admin/gaps", r.signIn())
		mustContain(t, page, "Every topic members want to learn about is offered by someone.")
		if strings.Contains(page, "<table") {
			t.Error("the page shows a table with no gaps")
		}
	})
}
