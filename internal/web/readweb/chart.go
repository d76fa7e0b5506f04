package readweb

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/chart"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// maxChartRows bounds the points of a chart and its table; longer histories keep the
// last snapshot of each day.
const maxChartRows = 120

// balanceChart draws debit, credit and their total over time, with the table fallback.
func balanceChart(tr *i18n.Translator, id, caption string, snaps []store.BalanceSnapshot) view.Chart {
	return projectedChart(tr, id, caption, snaps, nil)
}

// projectedChart is balanceChart with, when proj is set, the projection of the total
// drawn dashed from the latest point (in the table too, and said in the description).
func projectedChart(tr *i18n.Translator, id, caption string, snaps []store.BalanceSnapshot, proj *projection) view.Chart {
	if len(snaps) > maxChartRows {
		var daily []store.BalanceSnapshot
		for i, sn := range snaps {
			if i == len(snaps)-1 || webcore.FormatDate(&snaps[i+1].TakenAt) != webcore.FormatDate(&sn.TakenAt) {
				daily = append(daily, sn)
			}
		}
		snaps = daily
		if len(snaps) > maxChartRows {
			snaps = snaps[len(snaps)-maxChartRows:]
		}
	}
	labels := []string{tr.T("sa.debit"), tr.T("sa.credit"), tr.T("sa.total")}
	v := view.Chart{
		ID: id, Caption: caption, Empty: tr.T("read.chart_empty"),
		Columns: append([]string{tr.T("read.time")}, labels...),
	}
	if len(snaps) == 0 {
		return v
	}
	series := make([]chart.Series, 3)
	for i, l := range labels {
		series[i].Name = l
		v.Legend = append(v.Legend, view.LegendItem{Label: l, Class: "series-" + string(rune('0'+i))})
	}
	for _, sn := range snaps {
		total := sn.Debit.Add(sn.Credit)
		series[0].Points = append(series[0].Points, chart.Point{T: sn.TakenAt, V: sn.Debit.Decimal()})
		series[1].Points = append(series[1].Points, chart.Point{T: sn.TakenAt, V: sn.Credit.Decimal()})
		series[2].Points = append(series[2].Points, chart.Point{T: sn.TakenAt, V: total.Decimal()})
		v.Rows = append(v.Rows, []string{webcore.FormatTime(sn.TakenAt, tr.Lang), sn.Debit.Format(), sn.Credit.Format(), total.Format()})
	}
	desc := tr.T("read.chart_desc", map[string]any{"Count": len(snaps)})
	if proj != nil {
		last := snaps[len(snaps)-1]
		if s, d, ok := proj.series(tr, last); ok {
			series = append(series, s)
			v.Legend = append(v.Legend, view.LegendItem{Label: s.Name, Class: "series-3"})
			v.Columns = append(v.Columns, s.Name)
			for i := range v.Rows {
				v.Rows[i] = append(v.Rows[i], "")
			}
			end := s.Points[1]
			v.Rows[len(v.Rows)-1][4] = money.New(s.Points[0].V, "").Format()
			v.Rows = append(v.Rows, []string{webcore.FormatTime(end.T, tr.Lang), "", "", "", money.New(end.V, "").Format()})
			desc += " " + d
		}
	}
	v.SVG = chart.Line{
		ID: id, Title: caption, Desc: desc, Series: series,
		XFormat: func(t time.Time) string { return t.In(webcore.DisplayZone).Format("01-02") },
	}.SVG()
	return v
}

// projectionMax bounds how far ahead a projection is drawn, so that a long runway does
// not squeeze the history into the chart's first pixels.
const projectionMax = 60 * 24 * time.Hour

// projection is a total falling by Burn a day.
type projection struct {
	Burn     decimal.Decimal
	Currency string
}

// series is the dashed line from the latest point down to zero (or to where it is after
// projectionMax), labelled, and the sentence that says it for the chart's description.
func (p projection) series(tr *i18n.Translator, last store.BalanceSnapshot) (chart.Series, string, bool) {
	total := last.Debit.Add(last.Credit).Decimal()
	if !p.Burn.IsPositive() || !total.IsPositive() {
		return chart.Series{}, "", false
	}
	burn := burnText(p.Burn, p.Currency)
	s := chart.Series{Name: tr.T("runway.projection"), Dashed: true}
	end, ok := zeroAt(last.TakenAt, total, p.Burn)
	if ok && end.Sub(last.TakenAt) <= projectionMax {
		date := webcore.FormatDate(&end)
		s.Points = []chart.Point{{T: last.TakenAt, V: total}, {T: end, V: decimal.Zero}}
		s.Label = tr.T("runway.chart_label", map[string]any{"Date": end.In(webcore.DisplayZone).Format("01-02")})
		return s, tr.T("runway.chart_desc", map[string]any{"Burn": burn, "Date": date}), true
	}
	end = last.TakenAt.Add(projectionMax)
	left := total.Sub(p.Burn.Mul(decimal.NewFromInt(int64(projectionMax / (24 * time.Hour))))).Round(2)
	s.Points = []chart.Point{{T: last.TakenAt, V: total}, {T: end, V: left}}
	s.Label = tr.T("runway.chart_label_later", map[string]any{"Burn": burn})
	date := webcore.FormatDate(&end)
	return s, tr.T("runway.chart_desc_later", map[string]any{"Burn": burn, "Date": date, "Left": money.New(left, p.Currency).Text()}), true
}
