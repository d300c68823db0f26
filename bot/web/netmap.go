package web

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/rapport-pcn/rapport/bot"
)

// The network map: organisations as circles (area by members, colour by
// sector) and the intros between them as lines, laid out in Go so that
// the same figures always give the same picture.

// mapPeriods are the choices of how many rounds the map covers.
var mapPeriods = []int{4, 8, 13, 26, 52}

// defaultMapRounds is the period the map opens with.
const defaultMapRounds = 8

// mapMaxNodes is how many organisations the map draws at most: the
// largest. More would be a blur; the table lists every one.
const mapMaxNodes = 60

// mapMaxLinks is how many links the map draws at most: those with the
// most intros.
const mapMaxLinks = 300

// mapIsolatedSaid is how many organisations with no intros the page
// names in sentences; the table marks the rest.
const mapIsolatedSaid = 10

// The map's size, in the SVG's units.
const (
	mapW, mapH   = 800.0, 560.0
	mapMargin    = 40.0
	mapMinRadius = 6.0
	mapMaxRadius = 28.0
	// mapLabelled is how many of the largest organisations carry their
	// name on the map; every one has it on hover and focus.
	mapLabelled = 20
)

// mapNode is an organisation as drawn.
type mapNode struct {
	Org      bot.MapOrg
	X, Y, R  string
	LabelY   string
	TipY     string
	Label    string // "" when only hover and focus show the name
	Isolated bool
	Title    string
}

// mapEdge is a link as drawn.
type mapEdge struct {
	Link                   bot.MapLink
	X1, Y1, X2, Y2         string
	MidX, MidY             string
	Width, MetWidth, Title string
}

// mapRow is one organisation of the map's table.
type mapRow struct {
	Org      bot.MapOrg
	Links    int
	Isolated bool
	OnMap    bool
}

// linkRow is one link of the map's table, with both names.
type linkRow struct {
	Link bot.MapLink
	A, B string
}

type mapData struct {
	Rounds   int   // asked for
	Periods  []int // the choices
	Map      *bot.NetworkMap
	Nodes    []mapNode
	Edges    []mapEdge
	Sectors  []bot.Choice // those on the map, for the legend
	NoSector bool
	Drawn    int
	Total    int
	// LinksLimited says only the strongest mapMaxLinks links are drawn.
	LinksLimited bool
	MaxLinks     int
	// Isolated are the sentences about organisations with no intros, and
	// MoreIsolated how many more there are.
	Isolated     []string
	MoreIsolated int
	Rows         []mapRow
	RowPager     pager
	Links        []linkRow
	LinkPager    pager
	W, H         float64
}

func (s *Server) networkMap(w http.ResponseWriter, r *http.Request, sess *bot.Session) {
	rounds := defaultMapRounds
	if n, err := strconv.Atoi(r.URL.Query().Get("rounds")); err == nil && slices.Contains(mapPeriods, n) {
		rounds = n
	}
	m, err := s.o.Store.NetworkMap(r.Context(), rounds)
	if err != nil {
		s.failed(w, sess, "read the network map", err)
		return
	}
	s.pages.render(w, http.StatusOK, "map", view{Title: "Network map", Nav: "/admin/map", Session: sess, Data: pagedMap(r, m, rounds)})
}

// pagedMap is the map with the request's page of each table.
func pagedMap(r *http.Request, m *bot.NetworkMap, rounds int) mapData {
	d := buildMap(m, rounds)
	d.RowPager = newPager(r, "page", pageOf(r, "page"), len(d.Rows), "Organisation table pages")
	d.Rows = window(d.Rows, d.RowPager)
	d.LinkPager = newPager(r, "lpage", pageOf(r, "lpage"), len(d.Links), "Link table pages")
	d.Links = window(d.Links, d.LinkPager)
	return d
}

// buildMap lays the map out and words it. It is deterministic: the same
// map gives the same nodes, in the same places, in the same order.
func buildMap(m *bot.NetworkMap, rounds int) mapData {
	d := mapData{Rounds: rounds, Periods: mapPeriods, Map: m, Total: len(m.Orgs), W: mapW, H: mapH, MaxLinks: mapMaxLinks}

	orgs := slices.Clone(m.Orgs)
	slices.SortFunc(orgs, func(a, b bot.MapOrg) int { return cmp.Compare(a.ID, b.ID) })
	byID := make(map[int64]bot.MapOrg, len(orgs))
	for _, o := range orgs {
		byID[o.ID] = o
	}
	links := slices.Clone(m.Links)
	slices.SortFunc(links, func(a, b bot.MapLink) int {
		return cmp.Or(cmp.Compare(a.A, b.A), cmp.Compare(a.B, b.B))
	})
	degree := map[int64]int{}
	for _, l := range links {
		degree[l.A]++
		degree[l.B]++
	}
	period := m.Rounds
	if period == 0 {
		period = rounds
	}

	// The table: every organisation, by name.
	for _, o := range orgs {
		d.Rows = append(d.Rows, mapRow{Org: o, Links: degree[o.ID], Isolated: m.Rounds > 0 && o.Intros == 0})
	}
	slices.SortStableFunc(d.Rows, func(a, b mapRow) int { return cmp.Compare(a.Org.Name, b.Org.Name) })
	for _, row := range d.Rows {
		if !row.Isolated {
			continue
		}
		if len(d.Isolated) == mapIsolatedSaid {
			d.MoreIsolated++
			continue
		}
		d.Isolated = append(d.Isolated, isolatedSentence(row.Org.Name, period))
	}
	for _, l := range links {
		d.Links = append(d.Links, linkRow{Link: l, A: byID[l.A].Name, B: byID[l.B].Name})
	}
	slices.SortStableFunc(d.Links, func(a, b linkRow) int { return cmp.Compare(b.Link.Intros, a.Link.Intros) })

	// The map: the largest organisations, and the links between them.
	drawn := slices.Clone(orgs)
	slices.SortStableFunc(drawn, func(a, b bot.MapOrg) int { return cmp.Compare(b.Members, a.Members) })
	drawn = drawn[:min(len(drawn), mapMaxNodes)]
	d.Drawn = len(drawn)
	onMap := map[int64]bool{}
	for _, o := range drawn {
		onMap[o.ID] = true
	}
	for i := range d.Rows {
		d.Rows[i].OnMap = onMap[d.Rows[i].Org.ID]
	}
	labelled := map[int64]bool{}
	for _, o := range drawn[:min(len(drawn), mapLabelled)] {
		labelled[o.ID] = true
	}
	// The layout starts from a circle ordered by sector, so that each
	// sector starts together.
	slices.SortStableFunc(drawn, func(a, b bot.MapOrg) int {
		return cmp.Or(cmp.Compare(sectorIndex(a.Sector), sectorIndex(b.Sector)), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	var drawnLinks []bot.MapLink
	for _, l := range links {
		if onMap[l.A] && onMap[l.B] {
			drawnLinks = append(drawnLinks, l)
		}
	}
	if len(drawnLinks) > mapMaxLinks {
		// The strongest links tell the story; the table has the rest.
		slices.SortStableFunc(drawnLinks, func(a, b bot.MapLink) int { return cmp.Compare(b.Intros, a.Intros) })
		drawnLinks = drawnLinks[:mapMaxLinks]
		slices.SortFunc(drawnLinks, func(a, b bot.MapLink) int {
			return cmp.Or(cmp.Compare(a.A, b.A), cmp.Compare(a.B, b.B))
		})
		d.LinksLimited = true
	}
	pos := layout(drawn, drawnLinks)

	maxMembers, maxIntros := 1, 1
	for _, o := range drawn {
		maxMembers = max(maxMembers, o.Members)
	}
	for _, l := range drawnLinks {
		maxIntros = max(maxIntros, l.Intros)
	}
	index := map[int64]int{}
	seen := map[string]bool{}
	noSector := false
	for i, o := range drawn {
		index[o.ID] = i
		if o.Sector == "" || sectorIndex(o.Sector) == len(bot.Sectors) {
			noSector = true
		} else {
			seen[o.Sector] = true
		}
		r := mapMinRadius + (mapMaxRadius-mapMinRadius)*math.Sqrt(float64(o.Members)/float64(maxMembers))
		n := mapNode{
			Org: o, X: f1(pos[i].x), Y: f1(pos[i].y), R: f1(r),
			LabelY: f1(pos[i].y + r + 12), TipY: f1(pos[i].y - r - 8),
			Isolated: m.Rounds > 0 && o.Intros == 0,
			Title: fmt.Sprintf("%s (%s): %s, %s with other organisations, %s",
				o.Name, labelOr(bot.Sectors, o.Sector, "no sector"), countWords(o.Members, "member", "members"),
				countWords(o.Intros, "introduction", "introductions"), countWords(o.Met, "met", "met")),
		}
		if labelled[o.ID] {
			n.Label = shorten(o.Name, 24)
		}
		d.Nodes = append(d.Nodes, n)
	}
	for _, c := range bot.Sectors {
		if seen[c.Code] {
			d.Sectors = append(d.Sectors, c)
		}
	}
	d.NoSector = noSector
	for _, l := range drawnLinks {
		a, b := pos[index[l.A]], pos[index[l.B]]
		e := mapEdge{
			Link: l, X1: f1(a.x), Y1: f1(a.y), X2: f1(b.x), Y2: f1(b.y),
			MidX: f1((a.x + b.x) / 2), MidY: f1((a.y+b.y)/2 - 6),
			Width: f1(1.5 + 6.5*math.Sqrt(float64(l.Intros)/float64(maxIntros))),
			Title: fmt.Sprintf("%s and %s: %s, %s", byID[l.A].Name, byID[l.B].Name,
				countWords(l.Intros, "introduction", "introductions"), countWords(l.Met, "met", "met")),
		}
		if l.Met > 0 {
			e.MetWidth = f1(1.5 + 4*math.Sqrt(float64(l.Met)/float64(maxIntros)))
		}
		d.Edges = append(d.Edges, e)
	}
	return d
}

// isolatedSentence says an organisation had no intros over the period.
func isolatedSentence(name string, rounds int) string {
	if rounds == 1 {
		return name + " has had no introductions to other organisations in the last round."
	}
	return fmt.Sprintf("%s has had no introductions to other organisations in %d rounds.", name, rounds)
}

func countWords(n int, one, many string) string { return thousands(n) + " " + bot.Plural(n, one, many) }

// shorten cuts a name for a label on the map; the full name is in the
// node's title.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func sectorIndex(code string) int {
	for i, s := range bot.Sectors {
		if s.Code == code {
			return i
		}
	}
	return len(bot.Sectors)
}

// f1 writes a coordinate with one decimal, the same way every time.
func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

type xy struct{ x, y float64 }

// layoutIterations is how many steps the layout takes: enough for 60
// organisations to settle.
const layoutIterations = 300

// layout places the organisations with a force-directed layout
// (Fruchterman and Reingold's): all push each other apart, links pull
// their ends together by their intros, and a gentle pull to the centre
// keeps organisations without links in view. It starts from a circle in
// the given order and uses no randomness, so the same input gives the
// same places. It returns positions in the map's units.
func layout(orgs []bot.MapOrg, links []bot.MapLink) []xy {
	n := len(orgs)
	pos := make([]xy, n)
	if n == 0 {
		return pos
	}
	if n == 1 {
		pos[0] = xy{mapW / 2, mapH / 2}
		return pos
	}
	for i := range pos {
		a := 2 * math.Pi * float64(i) / float64(n)
		pos[i] = xy{math.Cos(a), math.Sin(a)}
	}
	index := make(map[int64]int, n)
	for i, o := range orgs {
		index[o.ID] = i
	}
	type edge struct {
		a, b int
		w    float64
	}
	edges := make([]edge, 0, len(links))
	linked := make([]bool, n)
	for _, l := range links {
		a, b := index[l.A], index[l.B]
		edges = append(edges, edge{a, b, 1 + math.Log(float64(max(l.Intros, 1)))})
		linked[a], linked[b] = true, true
	}

	k := math.Sqrt(4.0 / float64(n))
	disp := make([]xy, n)
	for it := range layoutIterations {
		temp := 0.1 * (1 - float64(it)/layoutIterations)
		clear(disp)
		for i := range n {
			for j := i + 1; j < n; j++ {
				dx, dy := pos[i].x-pos[j].x, pos[i].y-pos[j].y
				dist := math.Max(math.Hypot(dx, dy), 0.01)
				f := k * k / dist
				disp[i].x += dx / dist * f
				disp[i].y += dy / dist * f
				disp[j].x -= dx / dist * f
				disp[j].y -= dy / dist * f
			}
		}
		for _, e := range edges {
			dx, dy := pos[e.a].x-pos[e.b].x, pos[e.a].y-pos[e.b].y
			dist := math.Max(math.Hypot(dx, dy), 0.01)
			f := dist * dist / k * e.w
			disp[e.a].x -= dx / dist * f
			disp[e.a].y -= dy / dist * f
			disp[e.b].x += dx / dist * f
			disp[e.b].y += dy / dist * f
		}
		for i := range n {
			// Organisations without links feel the centre more, so that
			// they stay near the others rather than drift to the edge
			// and shrink the picture.
			g := k
			if !linked[i] {
				g = 4 * k
			}
			disp[i].x -= pos[i].x * g
			disp[i].y -= pos[i].y * g
			l := math.Hypot(disp[i].x, disp[i].y)
			if l > 0 {
				step := math.Min(l, temp)
				pos[i].x += disp[i].x / l * step
				pos[i].y += disp[i].y / l * step
			}
		}
	}

	// Fit the picture to the map, keeping its shape.
	minX, maxX, minY, maxY := pos[0].x, pos[0].x, pos[0].y, pos[0].y
	for _, p := range pos {
		minX, maxX = math.Min(minX, p.x), math.Max(maxX, p.x)
		minY, maxY = math.Min(minY, p.y), math.Max(maxY, p.y)
	}
	availW, availH := mapW-2*mapMargin-2*mapMaxRadius, mapH-2*mapMargin-2*mapMaxRadius
	scale := math.Min(availW/math.Max(maxX-minX, 1e-9), availH/math.Max(maxY-minY, 1e-9))
	offX := (mapW - (maxX-minX)*scale) / 2
	offY := (mapH - (maxY-minY)*scale) / 2
	for i, p := range pos {
		pos[i] = xy{offX + (p.x-minX)*scale, offY + (p.y-minY)*scale}
	}
	return pos
}
