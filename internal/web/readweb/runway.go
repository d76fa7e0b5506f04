package readweb

import (
	"net/url"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// runwayHorizons are the dashboard's "runs out within" horizons and the list's filter
// choices, in days.
var runwayHorizons = []int{7, 14, 30}

// maxRunwayBelow bounds the list's "runs out within" filter (ten years).
const maxRunwayBelow = 3650

// runwayBelowParam reads the list's "runs out within N days" filter; anything else is no
// filter (a stale bookmark still opens the list).
func runwayBelowParam(v string) int {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxRunwayBelow {
		return 0
	}
	return n
}

func runwayBelowOptions(tr *i18n.Translator, selected int) []view.Option {
	out := []view.Option{{Value: "", Label: tr.T("runway.any"), Selected: selected == 0}}
	known := false
	for _, h := range runwayHorizons {
		known = known || h == selected
		out = append(out, view.Option{Value: strconv.Itoa(h), Label: tr.T("runway.within", map[string]any{"Days": h}), Selected: h == selected})
	}
	if selected != 0 && !known {
		out = append(out, view.Option{Value: strconv.Itoa(selected), Label: tr.T("runway.within", map[string]any{"Days": selected}), Selected: true})
	}
	return out
}

// daysText is a number of days as the pages write it ("12.5 days", "1 day").
func daysText(tr *i18n.Translator, d decimal.Decimal) string {
	n := 2
	if d.Equal(decimal.NewFromInt(1)) {
		n = 1
	}
	s := d.StringFixed(1)
	if d.Equal(d.Truncate(0)) {
		s = d.StringFixed(0)
	}
	return tr.N("runway.days", n, map[string]any{"Days": s})
}

// runwayCell is a sub-account's days left, or the state that is not a number.
func runwayCell(tr *i18n.Translator, sa store.SubAccount) view.RunwayCell {
	r := sa.Runway
	c := view.RunwayCell{Known: r.State != store.RunwayNone}
	switch r.State {
	case store.RunwayEstimated:
		c.Text = daysText(tr, r.Days)
		if !r.Days.IsPositive() {
			c.Text = tr.T("runway.ran_out")
		}
		switch {
		case r.Days.LessThan(decimal.NewFromInt(7)):
			c.Class = "bad"
		case r.Days.LessThan(decimal.NewFromInt(14)):
			c.Class = "warn"
		}
		c.Title = tr.N("runway.based_on_burn", r.BasedOn, map[string]any{"Burn": burnText(r.Burn, sa.Currency), "Days": r.BasedOn})
	case store.RunwayNoConsumption:
		c.Text = tr.T("runway.no_consumption")
		c.Title = tr.N("runway.based_on", r.BasedOn, map[string]any{"Days": r.BasedOn})
	case store.RunwayNotEnoughHistory:
		c.Text = tr.N("runway.not_enough_history", r.BasedOn, map[string]any{"Days": r.BasedOn})
	default:
		c.Text, c.Title = "—", tr.T("runway.not_computed")
	}
	return c
}

// burnText is a daily consumption, to the cent.
func burnText(burn decimal.Decimal, currency string) string {
	return money.New(burn.Round(2), currency).Text()
}

// runwayDetail is the detail page's runway card.
func runwayDetail(tr *i18n.Translator, sa store.SubAccount, now time.Time) view.RunwayDetail {
	v := view.RunwayDetail{Cell: runwayCell(tr, sa)}
	r := sa.Runway
	if r.State == store.RunwayEstimated || r.State == store.RunwayNoConsumption {
		v.BasedOn = tr.N("runway.based_on", r.BasedOn, map[string]any{"Days": r.BasedOn})
	}
	if r.State == store.RunwayEstimated && r.Burn.IsPositive() {
		v.Burn = tr.T("runway.per_day", map[string]any{"Burn": burnText(r.Burn, sa.Currency)})
		if out, ok := runsOut(sa, now); ok {
			v.RunsOut = webcore.FormatDate(&out)
		}
	}
	return v
}

// runsOut is when the account's total reaches zero at its daily burn, from now; false
// beyond ten years.
func runsOut(sa store.SubAccount, now time.Time) (time.Time, bool) {
	return zeroAt(now, sa.Total.Decimal(), sa.Runway.Burn)
}

// zeroAt is when total reaches zero falling by burn a day from at.
func zeroAt(at time.Time, total, burn decimal.Decimal) (time.Time, bool) {
	if !burn.IsPositive() {
		return time.Time{}, false
	}
	if !total.IsPositive() {
		return at, true
	}
	hours := total.Div(burn).Mul(decimal.NewFromInt(24))
	if hours.GreaterThan(decimal.NewFromInt(24 * 3650)) {
		return time.Time{}, false
	}
	return at.Add(time.Duration(hours.Mul(decimal.NewFromInt(int64(time.Hour))).IntPart())), true
}

// runwayPanel is the dashboard's "running out" panel: each horizon's count links to the
// list filtered on it, soonest first.
func runwayPanel(tr *i18n.Translator, buckets []store.RunwayBucket, master string, canPropose bool) view.RunwayPanel {
	var v view.RunwayPanel
	for _, b := range buckets {
		q := webcore.MasterValues(master)
		q.Set("sort", store.SortRunway)
		v.Rows = append(v.Rows, view.RunwayBucketRow{
			Days: strconv.Itoa(b.Days), Label: tr.T("runway.within", map[string]any{"Days": b.Days}),
			Count: webcore.FormatInt(b.Count), Needed: b.Needed.Text(),
			Href: webcore.WithQuery("/sub-accounts", q, "runway_below", strconv.Itoa(b.Days)),
		})
	}
	if canPropose {
		v.ProposeHref = "/operations/top-ups/propose"
		if master != "" {
			v.ProposeHref += "?master=" + url.QueryEscape(master)
		}
	}
	return v
}

// daysLeftHeader is the "Days left" column's header: a link that sorts by it, soonest
// out first, or the other way when it is sorted so already.
func daysLeftHeader(q url.Values, sort string) view.SortHeader {
	h := view.SortHeader{Href: webcore.WithQuery("/sub-accounts", q, "sort", store.SortRunway)}
	switch sort {
	case store.SortRunway:
		h.Sort, h.Href = "ascending", webcore.WithQuery("/sub-accounts", q, "sort", store.SortRunwayDesc)
	case store.SortRunwayDesc:
		h.Sort = "descending"
	}
	return h
}
