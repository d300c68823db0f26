package web

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
)

// The overview's charts, drawn on the server as SVG. Each has a table of
// the same figures beside it, which is what a screen reader reads: the
// chart's own description says so.

// Chart sizes, in the SVG's units; it scales to the page's width.
const (
	chartW, chartH         = 640, 220
	chartLeft, chartRight  = 44, 12
	chartTop, chartBottom  = 12, 30
	chartPlotW, chartPlotH = chartW - chartLeft - chartRight, chartH - chartTop - chartBottom
	// chartMaxLabels is how many points at most have a label under them.
	chartMaxLabels = 8
)

// point is one x position of a chart: its label and a title for hover.
type point struct {
	Label string
	Value float64
	Title string
}

// series is one line of a line chart.
type series struct {
	Name   string
	Class  string
	Points []point
}

// svgOpen starts a chart with its accessible name and description.
func svgOpen(b *strings.Builder, id, title, desc string) {
	fmt.Fprintf(b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" preserveAspectRatio="xMinYMin meet">`, chartW, chartH, id, id)
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, html.EscapeString(title), id, html.EscapeString(desc))
}

// niceMax is the top of a count's axis: four steps of a round number
// (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten, and at least 1)
// that reach m.
func niceMax(m float64) float64 {
	if m <= 4 {
		return 4
	}
	step := m / 4
	p := math.Pow(10, math.Floor(math.Log10(step)))
	for _, f := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if f*p >= step && f*p == math.Trunc(f*p) {
			return 4 * f * p
		}
	}
	return 40 * p
}

// yAxis draws the grid lines and their labels for 0 to top.
func yAxis(b *strings.Builder, top float64, percent bool) {
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		y := chartTop + chartPlotH - chartPlotH*float64(i)/4
		label := trimFloat(v)
		if percent {
			label = fmt.Sprintf("%.0f%%", v*100)
		}
		fmt.Fprintf(b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>`, chartLeft, chartW-chartRight, y, y)
		fmt.Fprintf(b, `<text class="axis" x="%d" y="%.1f" text-anchor="end">%s</text>`, chartLeft-6, y+4, label)
	}
}

func trimFloat(v float64) string {
	if v == math.Trunc(v) {
		return thousands(int(v))
	}
	return fmt.Sprintf("%.1f", v)
}

// xLabels labels at most chartMaxLabels of the points, evenly spread.
func xLabels(b *strings.Builder, pts []point, x func(int) float64) {
	step := max(1, (len(pts)+chartMaxLabels-1)/chartMaxLabels)
	for i := 0; i < len(pts); i += step {
		fmt.Fprintf(b, `<text class="axis" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x(i), chartH-8, html.EscapeString(pts[i].Label))
	}
}

// barChart draws one bar for each point.
func barChart(id, title, desc string, pts []point) template.HTML {
	var b strings.Builder
	svgOpen(&b, id, title, desc)
	top := 0.0
	for _, p := range pts {
		top = max(top, p.Value)
	}
	top = niceMax(top)
	yAxis(&b, top, false)
	slot := float64(chartPlotW) / float64(max(1, len(pts)))
	x := func(i int) float64 { return chartLeft + slot*(float64(i)+0.5) }
	for i, p := range pts {
		h := chartPlotH * p.Value / top
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s</title></rect>`,
			x(i)-slot*0.35, chartTop+chartPlotH-h, slot*0.7, h, html.EscapeString(p.Title))
	}
	xLabels(&b, pts, x)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// lineChart draws shares (0 to 1) as lines, one for each series, with a
// legend. Every series has the same points' labels.
func lineChart(id, title, desc string, ss []series) template.HTML {
	var b strings.Builder
	svgOpen(&b, id, title, desc)
	yAxis(&b, 1, true)
	n := 0
	for _, s := range ss {
		n = max(n, len(s.Points))
	}
	slot := float64(chartPlotW) / float64(max(1, n))
	x := func(i int) float64 { return chartLeft + slot*(float64(i)+0.5) }
	y := func(v float64) float64 { return chartTop + chartPlotH - chartPlotH*min(max(v, 0), 1) }
	for li, s := range ss {
		var pts []string
		for i, p := range s.Points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(p.Value)))
		}
		fmt.Fprintf(&b, `<polyline class="%s" points="%s"/>`, s.Class, strings.Join(pts, " "))
		for i, p := range s.Points {
			fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="3.5"><title>%s</title></circle>`, s.Class, x(i), y(p.Value), html.EscapeString(p.Title))
		}
		// The legend, top left, in the series' own colour.
		lx := chartLeft + 10 + li*170
		fmt.Fprintf(&b, `<line class="%s" x1="%d" x2="%d" y1="%d" y2="%d"/><text class="series" x="%d" y="%d">%s</text>`,
			s.Class, lx, lx+24, chartTop+10, chartTop+10, lx+30, chartTop+14, html.EscapeString(s.Name))
	}
	if len(ss) > 0 {
		xLabels(&b, ss[0].Points, x)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
