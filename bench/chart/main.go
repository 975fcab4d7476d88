// Command chart draws the curves of bench/scale.sh: one SVG per axis,
// each command a line of its medians against the axis's sizes, both
// scales logarithmic, so that a flat cost is a flat line and a linear
// one climbs at 45° (the dotted guide).
//
//	chart -in bench/out/scale.tsv -out docs/perf
//
// The input is scale.sh's table: tab-separated axis, size, command,
// median in ms, one measurement a line ("#" lines are comments).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

type point struct{ x, y float64 }

type axis struct {
	name   string
	series map[string][]point
	order  []string // series in the order first seen
}

func main() {
	in := flag.String("in", "bench/out/scale.tsv", "scale.sh's table")
	out := flag.String("out", "docs/perf", "directory for the SVG files")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "chart:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	axes, err := read(f)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, a := range axes {
		if a.sizes() < 2 {
			continue // a reference point (the floor), not a curve
		}
		path := filepath.Join(out, "scale-"+a.name+".svg")
		if err := os.WriteFile(path, []byte(draw(a)), 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", path)
	}
	return nil
}

func read(r io.Reader) ([]*axis, error) {
	var axes []*axis
	byName := map[string]*axis{}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("line %d: want 4 tab-separated fields, got %d", line, len(f))
		}
		x, err1 := strconv.ParseFloat(f[1], 64)
		y, err2 := strconv.ParseFloat(f[3], 64)
		if err1 != nil || err2 != nil || x <= 0 || y <= 0 {
			return nil, fmt.Errorf("line %d: size and median must be positive numbers", line)
		}
		a := byName[f[0]]
		if a == nil {
			a = &axis{name: f[0], series: map[string][]point{}}
			byName[f[0]] = a
			axes = append(axes, a)
		}
		if _, ok := a.series[f[2]]; !ok {
			a.order = append(a.order, f[2])
		}
		a.series[f[2]] = append(a.series[f[2]], point{x, y})
	}
	return axes, sc.Err()
}

// sizes counts the distinct sizes measured on the axis.
func (a *axis) sizes() int {
	seen := map[float64]bool{}
	for _, pts := range a.series {
		for _, p := range pts {
			seen[p.x] = true
		}
	}
	return len(seen)
}

// unit is what the axis's values measure: scale.sh names the peak
// memory axes AXIS-memory, in MB.
func (a *axis) unit() (what, unit string) {
	if strings.HasSuffix(a.name, "-memory") {
		return "peak memory", "MB"
	}
	return "median time", "ms"
}

// The plot area, in SVG units.
const (
	width, height          = 780.0, 420.0
	left, right, top, foot = 70.0, 280.0, 40.0, 50.0
)

var colours = []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"}

func draw(a *axis) string {
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, pts := range a.series {
		for _, p := range pts {
			xmin, xmax = min(xmin, p.x), max(xmax, p.x)
			ymin, ymax = min(ymin, p.y), max(ymax, p.y)
		}
	}
	// Whole decades around the data, at least one each way.
	x0, x1 := math.Floor(math.Log10(xmin)), math.Ceil(math.Log10(xmax))
	y0, y1 := math.Floor(math.Log10(ymin)), math.Ceil(math.Log10(ymax))
	if x1 == x0 {
		x1++
	}
	if y1 == y0 {
		y1++
	}
	pw, ph := width-left-right, height-top-foot
	px := func(x float64) float64 { return left + (math.Log10(x)-x0)/(x1-x0)*pw }
	py := func(y float64) float64 { return top + ph - (math.Log10(y)-y0)/(y1-y0)*ph }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	what, unit := a.unit()
	fmt.Fprintf(&b, `<text x="%g" y="22" font-size="15" font-weight="bold">%s: %s against %s (log-log)</text>`+"\n", left, html.EscapeString(a.name), what, html.EscapeString(strings.TrimSuffix(a.name, "-memory")))
	for d := x0; d <= x1; d++ {
		x := left + (d-x0)/(x1-x0)*pw
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%g" x2="%.1f" y2="%g" stroke="#ddd"/>`+"\n", x, top, x, top+ph)
		fmt.Fprintf(&b, `<text x="%.1f" y="%g" text-anchor="middle">%s</text>`+"\n", x, top+ph+18, decade(d))
	}
	for d := y0; d <= y1; d++ {
		y := top + ph - (d-y0)/(y1-y0)*ph
		fmt.Fprintf(&b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="#ddd"/>`+"\n", left, y, left+pw, y)
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" text-anchor="end">%s %s</text>`+"\n", left-6, y+4, decade(d), unit)
	}
	fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="middle">%s</text>`+"\n", left+pw/2, height-12, html.EscapeString(strings.TrimSuffix(a.name, "-memory")))
	// The guide: a cost linear in the axis, through the lowest point of
	// the first series.
	if pts := a.series[a.order[0]]; len(pts) > 0 {
		p := slices.MinFunc(pts, func(p, q point) int { return cmpFloat(p.x, q.x) })
		xa, xb := math.Pow(10, x0), math.Pow(10, x1)
		ya, yb := p.y*xa/p.x, p.y*xb/p.x
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#999" stroke-dasharray="4 4" clip-path="url(#plot)"/>`+"\n", px(xa), py(ya), px(xb), py(yb))
	}
	fmt.Fprintf(&b, `<clipPath id="plot"><rect x="%g" y="%g" width="%g" height="%g"/></clipPath>`+"\n", left, top, pw, ph)
	for i, name := range a.order {
		c := colours[i%len(colours)]
		pts := slices.Clone(a.series[name])
		slices.SortFunc(pts, func(p, q point) int { return cmpFloat(p.x, q.x) })
		var path []string
		for _, p := range pts {
			path = append(path, fmt.Sprintf("%.1f,%.1f", px(p.x), py(p.y)))
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s at %g: %g %s</title></circle>`+"\n", px(p.x), py(p.y), c, html.EscapeString(name), p.x, p.y, unit)
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(path, " "), c)
		ly := top + 14 + float64(i)*18
		fmt.Fprintf(&b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="%s" stroke-width="2"/>`+"\n", left+pw+12, ly-4, left+pw+32, ly-4, c)
		fmt.Fprintf(&b, `<text x="%g" y="%.1f">%s</text>`+"\n", left+pw+38, ly, html.EscapeString(name))
	}
	ly := top + 14 + float64(len(a.order))*18
	fmt.Fprintf(&b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="#999" stroke-dasharray="4 4"/>`+"\n", left+pw+12, ly-4, left+pw+32, ly-4)
	fmt.Fprintf(&b, `<text x="%g" y="%.1f" fill="#555">linear</text>`+"\n", left+pw+38, ly)
	b.WriteString("</svg>\n")
	return b.String()
}

func decade(d float64) string {
	v := math.Pow(10, d)
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%gM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%gk", v/1e3)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
