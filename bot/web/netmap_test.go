package web

import (
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// sampleMap is a small network: three practices linked to each other, a
// pharmacy linked to one, and Hillview Surgery with nobody.
func sampleMap() *bot.NetworkMap {
	return &bot.NetworkMap{
		Rounds: 8, Since: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC),
		Orgs: []bot.MapOrg{
			{ID: 1, Name: "Riverside Surgery", Sector: "gp_practice", Members: 12, Intros: 9, Met: 4},
			{ID: 2, Name: "Oak Lane Medical Centre", Sector: "gp_practice", Members: 8, Intros: 7, Met: 3},
			{ID: 3, Name: "Boots Riverside", Sector: "community_pharmacy", Members: 3, Intros: 2, Met: 0},
			{ID: 4, Name: "Hillview Surgery", Sector: "gp_practice", Members: 5},
			{ID: 5, Name: "Age UK Northside", Sector: "voluntary_sector", Members: 2, Intros: 4, Met: 2},
		},
		Links: []bot.MapLink{
			{A: 1, B: 2, Intros: 5, Met: 2},
			{A: 1, B: 3, Intros: 2},
			{A: 1, B: 5, Intros: 2, Met: 2},
			{A: 2, B: 5, Intros: 2},
		},
	}
}

// renderMap renders the map page's content for a map, as the handler
// does.
func renderMap(t testing.TB, m *bot.NetworkMap) string {
	t.Helper()
	s := New(Options{})
	d := pagedMap(httptest.NewRequest("GET", "/admin/map", nil), m, 8)
	res := httptest.NewRecorder()
	s.pages.render(res, 200, "map", view{Title: "Network map", Session: &bot.Session{CSRF: "X"}, Data: d})
	if res.Code != 200 {
		t.Fatalf("render: %d %s", res.Code, res.Body)
	}
	return res.Body.String()
}

var mapNodeTag = regexp.MustCompile(`<g class="map-node( isolated)?" data-org=`)

var svgOf = regexp.MustCompile(`(?s)<svg class="network-map".*?</svg>`)

func TestTheMapIsTheSameForTheSameFigures(t *testing.T) {
	first := svgOf.FindString(renderMap(t, sampleMap()))
	if first == "" {
		t.Fatal("no map drawn")
	}
	// The same figures in another order, as another query plan might
	// return them.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5 {
		m := sampleMap()
		rng.Shuffle(len(m.Orgs), func(i, j int) { m.Orgs[i], m.Orgs[j] = m.Orgs[j], m.Orgs[i] })
		rng.Shuffle(len(m.Links), func(i, j int) { m.Links[i], m.Links[j] = m.Links[j], m.Links[i] })
		if again := svgOf.FindString(renderMap(t, m)); again != first {
			t.Fatal("the same figures drew a different map")
		}
	}
	// And different figures, a different map.
	m := sampleMap()
	m.Links[0].Intros = 1
	if svgOf.FindString(renderMap(t, m)) == first {
		t.Fatal("a change of figures left the map as it was")
	}
}

func TestTheMapDrawsEveryOrganisationAndLink(t *testing.T) {
	page := renderMap(t, sampleMap())
	svg := svgOf.FindString(page)
	for id := 1; id <= 5; id++ {
		if !strings.Contains(svg, fmt.Sprintf(`data-org="%d" tabindex="0"`, id)) {
			t.Errorf("organisation %d is not on the map", id)
		}
	}
	if n := strings.Count(svg, `<g class="map-link"`); n != 4 {
		t.Errorf("%d links drawn, want 4", n)
	}
	mustContain(t, svg,
		`<title>Riverside Surgery and Oak Lane Medical Centre: 5 introductions, 2 met</title>`,
		`<title>Riverside Surgery (GP practice): 12 members, 9 introductions with other organisations, 4 met</title>`)
	// Met links get a line of their own on top; others none.
	if n := strings.Count(svg, `<line class="met"`); n != 2 {
		t.Errorf("%d met lines, want 2", n)
	}
	mustContain(t, page, `id="map-table"`, "Community pharmacy", "Voluntary sector")
}

func TestTheMapPointsOutAnOrganisationWithNoIntroductions(t *testing.T) {
	page := renderMap(t, sampleMap())
	mustContain(t, page, "Hillview Surgery has had no introductions to other organisations in 8 rounds.")
	if !strings.Contains(svgOf.FindString(page), `<g class="map-node isolated" data-org="4"`) {
		t.Error("Hillview is not highlighted on the map")
	}
	if strings.Contains(page, `class="map-node isolated" data-org="1"`) {
		t.Error("Riverside, which has introductions, is highlighted")
	}
}

func TestAMapOfThousandsDrawsTheLargest(t *testing.T) {
	m := &bot.NetworkMap{Rounds: 8}
	for i := 1; i <= 3000; i++ {
		m.Orgs = append(m.Orgs, bot.MapOrg{ID: int64(i), Name: fmt.Sprintf("Practice %04d", i), Sector: "gp_practice", Members: i % 97, Intros: i % 5})
		if i > 1 {
			m.Links = append(m.Links, bot.MapLink{A: int64(i - 1), B: int64(i), Intros: 1})
		}
	}
	page := renderMap(t, m)
	if n := len(mapNodeTag.FindAllString(svgOf.FindString(page), -1)); n != mapMaxNodes {
		t.Errorf("%d organisations drawn, want %d", n, mapMaxNodes)
	}
	mustContain(t, page, "The map shows the 60 largest of 3,000 organisations; the table lists every one.",
		"Page 1 of 60", "more organisations with none")
	if n := strings.Count(page, `<tr data-org=`); n != perPage {
		t.Errorf("the table shows %d rows, want a page of %d", n, perPage)
	}
}

func TestTheLayoutKeepsEveryOrganisationOnTheMap(t *testing.T) {
	m := sampleMap()
	pos := layout(m.Orgs, m.Links)
	for i, p := range pos {
		if p.x < mapMargin || p.x > mapW-mapMargin || p.y < mapMargin || p.y > mapH-mapMargin {
			t.Errorf("%s at (%.0f, %.0f) is off the map", m.Orgs[i].Name, p.x, p.y)
		}
	}
	// Linked practices end up closer than the one with no links.
	dist := func(a, b xy) float64 { return (a.x-b.x)*(a.x-b.x) + (a.y-b.y)*(a.y-b.y) }
	if dist(pos[0], pos[1]) >= dist(pos[0], pos[3]) {
		t.Error("Riverside is no closer to Oak Lane, linked by 5 introductions, than to Hillview, linked by none")
	}
	if !slices.Equal(pos, layout(m.Orgs, m.Links)) {
		t.Error("the layout moved between two runs")
	}
}
