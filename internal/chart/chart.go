// Package chart draws small line charts as SVG on the server: no JavaScript, nothing for
// the content security policy to allow, and the same picture in every browser. Colours
// come from CSS classes (series-0, series-1, …) so that the stylesheet owns the look.
// Every chart should sit beside a table of the same numbers for screen readers.
package chart

import (
	"fmt"
	"html"
	"math"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Point is one value at one time.
type Point struct {
	T time.Time
	V decimal.Decimal
}

// Series is one line.
type Series struct {
	Name   string
	Points []Point
	// Dashed draws the line dashed (a projection, not a measurement), without dots.
	Dashed bool
	// Label, when set, is written beside the line's last point.
	Label string
}

// Line is a time-series line chart.
type Line struct {
	ID      string // unique on the page; prefixes the ids of the title and description
	Title   string // the accessible name (<title>)
	Desc    string // a longer accessible description
	Width   int    // viewBox width; default 720
	Height  int    // viewBox height; default 240
	Series  []Series
	XFormat func(time.Time) string       // axis labels; default "01-02"
	YFormat func(decimal.Decimal) string // axis labels; default compact numbers
}

const (
	padLeft   = 64
	padRight  = 16
	padTop    = 14
	padBottom = 28
)

// SVG renders the chart. Every piece of text is escaped; the result is safe to embed in
// HTML as is.
func (l Line) SVG() string {
	w, h := l.Width, l.Height
	if w <= 0 {
		w = 720
	}
	if h <= 0 {
		h = 240
	}
	xf := l.XFormat
	if xf == nil {
		xf = func(t time.Time) string { return t.Format("01-02") }
	}
	yf := l.YFormat
	if yf == nil {
		yf = Compact
	}

	var tmin, tmax time.Time
	ymin, ymax := 0.0, 0.0
	n := 0
	for _, s := range l.Series {
		for _, p := range s.Points {
			v := p.V.InexactFloat64()
			if n == 0 || p.T.Before(tmin) {
				tmin = p.T
			}
			if n == 0 || p.T.After(tmax) {
				tmax = p.T
			}
			ymin, ymax = math.Min(ymin, v), math.Max(ymax, v)
			n++
		}
	}
	var b strings.Builder
	id := l.ID
	if id == "" {
		id = "chart"
	}
	id = html.EscapeString(id)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title %s-desc" preserveAspectRatio="xMidYMid meet">`, w, h, id, id)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, html.EscapeString(l.Title), id, html.EscapeString(l.Desc))
	if n == 0 {
		b.WriteString(`</svg>`)
		return b.String()
	}
	lo, hi, step := niceScale(ymin, ymax, 4)
	plotW, plotH := float64(w-padLeft-padRight), float64(h-padTop-padBottom)
	span := tmax.Sub(tmin).Seconds()
	x := func(t time.Time) float64 {
		if span == 0 {
			return padLeft + plotW/2
		}
		return padLeft + plotW*t.Sub(tmin).Seconds()/span
	}
	y := func(v float64) float64 { return padTop + plotH*(1-(v-lo)/(hi-lo)) }

	// Grid and y labels.
	b.WriteString(`<g class="grid">`)
	for v := lo; v <= hi+step/2; v += step {
		yy := y(v)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, padLeft, yy, w-padRight, yy)
		fmt.Fprintf(&b, `<text class="ylabel" x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`,
			padLeft-8, yy, html.EscapeString(yf(decimal.NewFromFloat(v))))
	}
	b.WriteString(`</g>`)
	// X labels: up to 6, evenly spaced in time.
	b.WriteString(`<g class="xaxis">`)
	ticks := 6
	if span == 0 {
		ticks = 1
	}
	last := ""
	for i := 0; i < ticks; i++ {
		t := tmin
		if ticks > 1 {
			t = tmin.Add(time.Duration(float64(tmax.Sub(tmin)) * float64(i) / float64(ticks-1)))
		}
		label := xf(t)
		if label == last {
			continue
		}
		last = label
		anchor := "middle"
		if ticks > 1 && i == 0 {
			anchor = "start"
		} else if ticks > 1 && i == ticks-1 {
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text class="xlabel" x="%.1f" y="%d" text-anchor="%s">%s</text>`, x(t), h-8, anchor, html.EscapeString(label))
	}
	b.WriteString(`</g>`)
	// Lines, with a dot on each point when there are few.
	for i, s := range l.Series {
		if len(s.Points) == 0 {
			continue
		}
		fmt.Fprintf(&b, `<g class="series series-%d"><title>%s</title>`, i, html.EscapeString(s.Name))
		b.WriteString(`<polyline fill="none" points="`)
		for j, p := range s.Points {
			if j > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%.1f,%.1f", x(p.T), y(p.V.InexactFloat64()))
		}
		b.WriteString(`"`)
		if s.Dashed {
			b.WriteString(` stroke-dasharray="6 4"`)
		}
		b.WriteString(`/>`)
		if s.Label != "" {
			last := s.Points[len(s.Points)-1]
			fmt.Fprintf(&b, `<text class="series-label" x="%.1f" y="%.1f" text-anchor="end">%s</text>`,
				x(last.T), math.Max(padTop+10, y(last.V.InexactFloat64())-8), html.EscapeString(s.Label))
		}
		if len(s.Points) <= 40 && !s.Dashed {
			for _, p := range s.Points {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5"/>`, x(p.T), y(p.V.InexactFloat64()))
			}
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// niceScale returns a rounded axis range containing [min, max] with about n steps.
func niceScale(min, max float64, n int) (lo, hi, step float64) {
	if max == min {
		if max == 0 {
			return 0, 1, 0.25
		}
		min, max = math.Min(0, min), math.Max(0, max)
	}
	raw := (max - min) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	switch r := raw / mag; {
	case r <= 1:
		step = mag
	case r <= 2:
		step = 2 * mag
	case r <= 5:
		step = 5 * mag
	default:
		step = 10 * mag
	}
	return math.Floor(min/step) * step, math.Ceil(max/step) * step, step
}

// Compact writes an axis number briefly: 950, 12.5k, 3.2M.
func Compact(d decimal.Decimal) string {
	v := d.InexactFloat64()
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return trim(v/1e9) + "B"
	case a >= 1e6:
		return trim(v/1e6) + "M"
	case a >= 1e3:
		return trim(v/1e3) + "k"
	}
	return trim(v)
}

func trim(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		s = "0"
	}
	return s
}
