package readweb

import (
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// dashboardListSize bounds the dashboard's short lists; each links to the full list.
const dashboardListSize = 8

// DashboardPanel is the dashboard's balances panel: the cache's headline figures within
// the user's scope, on the dashboard (dashboardPage).
func (a *Area) DashboardPanel(c *gin.Context) (view.ReadDashboard, error) {
	ctx := c.Request.Context()
	tr := a.core.Translator(c)
	now := a.now()
	var v view.ReadDashboard

	master := webcore.MasterParam(c)
	hidden := a.masters.Hidden(ctx)
	lowDefault := a.lowBalanceDefault(ctx)
	d, err := a.read.Dashboard(ctx, a.core.Scope(c), readmodel.DashboardFilter{
		Master: master, HiddenMasters: hidden, LowDefault: lowDefault, Limit: dashboardListSize,
		Now: now, HistoryWindow: historyWindow, RunwayHorizons: runwayHorizons,
	})
	if err != nil {
		return v, err
	}
	stats := d.Stats
	masters, err := a.read.MastersCached(ctx, master, hidden)
	if err != nil {
		return v, err
	}
	mb := readmodel.SumMasters(masters)
	if v.MasterRows, err = a.masterRows(ctx, masters); err != nil {
		return v, err
	}
	v.Masters = a.masters.Options(c, master)
	v.Synced = stats.Total > 0 || mb.SyncedAt != nil
	v.MasterDebit, v.MasterCredit = mb.Debit.Format(), mb.Credit.Format()
	v.Recoverable = stats.Debit.Add(stats.Credit).Format()
	v.SubAccounts = webcore.FormatInt(stats.Total)
	for _, st := range subAccountStatuses {
		if n := stats.ByStatus[st]; n > 0 {
			v.ByStatus = append(v.ByStatus, view.StatusCount{
				Status: subAccountStatus(tr, st), Count: webcore.FormatInt(n),
				Href: webcore.WithQuery("/sub-accounts", webcore.MasterValues(master), "status", strconv.Itoa(st)),
			})
		}
	}
	low, lowTotal := d.Low.Rows, d.Low.Total
	for _, sa := range low {
		v.Low = append(v.Low, subAccountRow(tr, sa, lowDefault))
	}
	v.LowTotal = webcore.FormatInt(lowTotal)
	if lowTotal > int64(len(low)) {
		v.LowMore = webcore.WithQuery("/sub-accounts", webcore.MasterValues(master), "sort", "balance")
	}
	for _, r := range d.Expiring.Rows {
		v.Expiring = append(v.Expiring, resourceRow(tr, r, now, d.Holders))
	}
	v.ExpiringTotal = webcore.FormatInt(d.Expiring.Total)
	v.ShowApprovals = authz.Allowed(a.core.Subject(c), authz.ApproveOperation, authz.Target{})
	v.Runway = runwayPanel(tr, d.Runway, master, authz.Allowed(a.core.Subject(c), authz.CreateOperation, authz.Target{}))
	// The totals chart sums every sub-account: only for those who see them all.
	if d.HistoryShown {
		v.Chart = balanceChart(tr, "totals-chart", tr.T("dash.chart_caption"), d.History)
	} else {
		v.Chart = view.Chart{ID: "totals-chart", Caption: tr.T("dash.chart_caption"), Empty: tr.T("dash.chart_scoped")}
	}
	v.AsOf = a.asOf(c, a.syncRuns(c), []string{"full", "balances", "master"}, stats.OldestSync, "")
	if mb.Stale {
		v.AsOf.Stale = true
	}
	return v, nil
}
