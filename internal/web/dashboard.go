package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// dashboard is the landing page. It shows who is signed in, where Purser is connected
// and the user's own recent activity; balances join it with the synced cache.
func (s *Server) dashboard(c *gin.Context) {
	u := signedIn(c)
	tr := s.i18n.For(lang(c))
	name := u.DisplayName
	if name == "" {
		name = u.Username
	}
	v := view.Dashboard{Greeting: tr.T("dashboard.greeting", map[string]any{"Name": name})}

	upstream := tr.T("dashboard.upstream_sandbox")
	if !s.cfg.Sandbox() {
		if parsed, err := url.Parse(s.cfg.Upstream); err == nil {
			upstream = parsed.Host
		}
	}
	last := tr.T("dashboard.first_sign_in")
	if prev, _ := sessionOf(c).Values[session.KeyPrevLogin].(int64); prev > 0 {
		last = formatTime(time.Unix(prev, 0), tr.Lang)
	}
	v.Cards = []view.Card{
		{Label: tr.T("dashboard.upstream"), Value: upstream, Test: "upstream"},
		{Label: tr.T("dashboard.last_sign_in"), Value: last, Test: "last-sign-in"},
	}
	read, err := s.readDashboard(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Read = read
	if v.Ops, err = s.opsDashboard(c); err != nil {
		s.fail(c, err)
		return
	}
	if !read.Synced {
		v.Notice = tr.T("dashboard.sync_pending")
	}

	events, err := cachedRead(s, "events\x00"+actorKey(u)+"\x00"+u.Username, func() ([]store.AuditEvent, error) {
		return s.db.ListAudit(c.Request.Context(), store.AuditFilter{ActorName: u.Username, Limit: 10})
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, e := range events {
		v.RecentEvents = append(v.RecentEvents, view.EventRow{
			Time: formatTime(e.Time, tr.Lang), Action: tr.T("action." + e.Action), Outcome: tr.T("outcome." + e.Outcome),
			Target: e.TargetType + " " + e.TargetID,
		})
	}
	s.render(c, http.StatusOK, pages.Dashboard(s.page(c, "dashboard.title"), v))
}

// placeholder renders an area whose pages arrive with a later release, inside the layout
// and behind the area's permission, so navigation and access rules are already real.
func (s *Server) placeholder(titleKey string) gin.HandlerFunc {
	return func(c *gin.Context) {
		tr := s.i18n.For(lang(c))
		s.render(c, http.StatusOK, pages.Placeholder(s.chrome(c, titleKey), view.Placeholder{Area: tr.T(titleKey)}))
	}
}

// dashboardListSize bounds the dashboard's short lists; each links to the full list.
const dashboardListSize = 8

// readDashboard gathers the cache's headline figures within the user's scope.
func (s *Server) readDashboard(c *gin.Context) (view.ReadDashboard, error) {
	ctx := c.Request.Context()
	u := signedIn(c)
	tr := s.i18n.For(lang(c))
	now := s.now()
	var v view.ReadDashboard

	master := masterParam(c)
	lowDefault := s.lowBalanceDefault(ctx)
	d, err := s.read.Dashboard(ctx, scopeOf(u), readmodel.DashboardFilter{
		Master: master, HiddenMasters: s.hiddenOf(ctx), LowDefault: lowDefault, Limit: dashboardListSize,
		Now: now, HistoryWindow: historyWindow,
	})
	if err != nil {
		return v, err
	}
	stats := d.Stats
	masters, err := s.masterAmountsCached(ctx, master)
	if err != nil {
		return v, err
	}
	mb := readmodel.SumMasters(masters)
	if v.MasterRows, err = s.masterRows(ctx, masters); err != nil {
		return v, err
	}
	v.Masters = s.masterFilterOptions(c, master)
	v.Synced = stats.Total > 0 || mb.SyncedAt != nil
	v.MasterDebit, v.MasterCredit = mb.Debit.Format(), mb.Credit.Format()
	v.Recoverable = stats.Debit.Add(stats.Credit).Format()
	v.SubAccounts = fmtInt(stats.Total)
	for _, st := range subAccountStatuses {
		if n := stats.ByStatus[st]; n > 0 {
			v.ByStatus = append(v.ByStatus, view.StatusCount{
				Status: subAccountStatus(tr, st), Count: fmtInt(n), Href: withQuery("/sub-accounts", masterValues(master), "status", strconv.Itoa(st)),
			})
		}
	}
	low, lowTotal := d.Low.Rows, d.Low.Total
	for _, sa := range low {
		v.Low = append(v.Low, subAccountRow(tr, sa, lowDefault))
	}
	v.LowTotal = fmtInt(lowTotal)
	if lowTotal > int64(len(low)) {
		v.LowMore = withQuery("/sub-accounts", masterValues(master), "sort", "balance")
	}
	for _, r := range d.Expiring.Rows {
		v.Expiring = append(v.Expiring, resourceRow(tr, r, now, d.Holders))
	}
	expTotal := d.Expiring.Total
	v.ExpiringTotal = fmtInt(expTotal)
	v.ShowApprovals = authz.Allowed(u.Subject, authz.ApproveOperation, authz.Target{})
	// The totals chart sums every sub-account: only for those who see them all.
	if d.HistoryShown {
		v.Chart = balanceChart(tr, "totals-chart", tr.T("dash.chart_caption"), d.History)
	} else {
		v.Chart = view.Chart{ID: "totals-chart", Caption: tr.T("dash.chart_caption"), Empty: tr.T("dash.chart_scoped")}
	}
	v.AsOf = s.asOf(c, s.syncRuns(c), []string{"full", "balances", "master"}, stats.OldestSync, "")
	if mb.Stale {
		v.AsOf.Stale = true
	}
	return v, nil
}

// opsDashboard is the dashboard's operations panel: what waits for an approver and the
// latest operations the user may see.
func (s *Server) opsDashboard(c *gin.Context) (view.OpsDashboard, error) {
	u := signedIn(c)
	v := view.OpsDashboard{Enabled: s.ops != nil}
	if s.ops == nil {
		return v, nil
	}
	tr := s.i18n.For(lang(c))
	v.ShowApprovals = authz.Allowed(u.Subject, authz.ApproveOperation, authz.Target{})
	v.Pending = s.pendingCountCached(c, u)
	v.CanCreate = authz.Allowed(u.Subject, authz.CreateOperation, authz.Target{})
	page, err := cachedRead(s, "ops\x00"+actorKey(u), func() (approval.Page, error) {
		return s.ops.List(c.Request.Context(), actorOf(c), approval.Filter{Limit: 6})
	})
	if err != nil {
		return v, err
	}
	for _, o := range page.Items {
		v.Recent = append(v.Recent, opRow(tr, o))
	}
	return v, nil
}
