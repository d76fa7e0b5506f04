package readweb

import (
	"time"

	"github.com/purser-finance/purser/internal/chart"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// maxChartRows bounds the points of a chart and its table; longer histories keep the
// last snapshot of each day.
const maxChartRows = 120

// balanceChart draws debit, credit and their total over time, with the table fallback.
func balanceChart(tr *i18n.Translator, id, caption string, snaps []store.BalanceSnapshot) view.Chart {
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
	v.SVG = chart.Line{
		ID: id, Title: caption, Desc: tr.T("read.chart_desc", map[string]any{"Count": len(snaps)}), Series: series,
		XFormat: func(t time.Time) string { return t.In(webcore.DisplayZone).Format("01-02") },
	}.SVG()
	return v
}
