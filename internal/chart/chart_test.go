package chart_test

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/chart"
)

func series(vals ...string) []chart.Point {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var out []chart.Point
	for i, v := range vals {
		out = append(out, chart.Point{T: t0.Add(time.Duration(i) * 24 * time.Hour), V: decimal.RequireFromString(v)})
	}
	return out
}

func TestLineIsWellFormedAndEscaped(t *testing.T) {
	svg := chart.Line{
		Title:  `Balances of <script>alert(1)</script> & co`,
		Series: []chart.Series{{Name: "Debit", Points: series("100", "250.50", "90")}, {Name: `Credit "x"`, Points: series("0", "10", "20")}},
	}.SVG()
	if err := xml.Unmarshal([]byte(svg), new(any)); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, svg)
	}
	if strings.Contains(svg, "<script>") || !strings.Contains(svg, "&lt;script&gt;") {
		t.Fatal("title not escaped")
	}
	if strings.Count(svg, "<polyline") != 2 || !strings.Contains(svg, `class="series series-1"`) {
		t.Fatalf("want two series:\n%s", svg)
	}
	if strings.Contains(svg, "style=") {
		t.Fatal("inline styles break the CSP")
	}
	if !strings.Contains(svg, ">300<") {
		t.Fatalf("y axis should reach a round 300:\n%s", svg)
	}
	if !strings.Contains(svg, ">11-01<") || !strings.Contains(svg, ">11-03<") {
		t.Fatalf("x axis labels missing:\n%s", svg)
	}
}

func TestEmptyAndSinglePoint(t *testing.T) {
	if svg := (chart.Line{Title: "t"}).SVG(); strings.Contains(svg, "polyline") || xml.Unmarshal([]byte(svg), new(any)) != nil {
		t.Fatalf("empty chart: %s", svg)
	}
	svg := chart.Line{Title: "t", Series: []chart.Series{{Name: "a", Points: series("0")}}}.SVG()
	if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") || xml.Unmarshal([]byte(svg), new(any)) != nil {
		t.Fatalf("single zero point: %s", svg)
	}
}

func TestCompact(t *testing.T) {
	for in, want := range map[string]string{"0": "0", "950": "950", "12500": "12.5k", "3200000": "3.2M", "-2000": "-2k", "7000000000": "7B"} {
		if got := chart.Compact(decimal.RequireFromString(in)); got != want {
			t.Errorf("Compact(%s) = %q, want %q", in, got, want)
		}
	}
}

// A projection is dashed, has no dots, and its label (escaped) sits at its last point.
func TestDashedLabelledSeries(t *testing.T) {
	svg := chart.Line{Title: "t", Series: []chart.Series{
		{Name: "Total", Points: series("300", "200")},
		{Name: "Projection", Points: series("300", "200", "0")[1:], Dashed: true, Label: "runs out <soon>"},
	}}.SVG()
	if err := xml.Unmarshal([]byte(svg), new(any)); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, svg)
	}
	if strings.Count(svg, `stroke-dasharray="6 4"`) != 1 || strings.Count(svg, "<circle") != 2 {
		t.Fatalf("one dashed line without dots:\n%s", svg)
	}
	if !strings.Contains(svg, `<text class="series-label"`) || !strings.Contains(svg, "runs out &lt;soon&gt;") {
		t.Fatalf("label missing or unescaped:\n%s", svg)
	}
}
