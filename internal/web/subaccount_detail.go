package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/chart"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// historyWindow is how far back the balance charts look.
const historyWindow = 90 * 24 * time.Hour

// loadSubAccount reads the sub-account named by the :id parameter and checks the user's
// scope. Out of scope answers exactly like "not found" (nothing leaks that it exists) and
// writes access.denied. ok is false when the response has been written.
func (s *Server) loadSubAccount(c *gin.Context) (*store.SubAccount, bool) {
	return s.scopedSubAccount(c, c.Param("id"))
}

// hideOutOfScope answers 404 for an object outside the user's organisation scope and
// records the attempt.
func (s *Server) hideOutOfScope(c *gin.Context, targetType, id string) {
	if err := audit.Record(c.Request.Context(), s.db, meta(c), audit.Entry{
		Action: audit.AccessDenied, TargetType: targetType, TargetID: id, Outcome: audit.Denied,
		Details: map[string]any{"method": c.Request.Method, "path": c.Request.URL.Path, "reason": "target outside organisation scope"},
	}); err != nil {
		s.log.Error("cannot audit a denial", "error", err, "request_id", requestID(c))
	}
	s.fail(c, errNotFound)
}

// thresholdOf is the low-balance alert level that applies to a sub-account: its own, or
// the default of the settings (def).
func thresholdOf(sa store.SubAccount, def money.Amount) money.Amount {
	if sa.LowBalanceThreshold != nil {
		return *sa.LowBalanceThreshold
	}
	return def
}

// subAccountDetail is GET /sub-accounts/:id.
func (s *Server) subAccountDetail(c *gin.Context) {
	sa, ok := s.loadSubAccount(c)
	if !ok {
		return
	}
	v, err := s.subAccountView(c, sa)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, pages.SubAccount(s.page(c, "sa.detail_title"), v))
}

// subAccountView builds the detail page: balances, credit lines, history, coupons,
// resources, audit events, and the threshold form.
func (s *Server) subAccountView(c *gin.Context, sa *store.SubAccount) (view.SubAccountDetail, error) {
	ctx := c.Request.Context()
	u := signedIn(c)
	tr := s.i18n.For(lang(c))
	now := s.now()
	target := authz.Target{OrgPath: sa.OrgPath}
	v := view.SubAccountDetail{
		ID: sa.ID, Name: sa.Name, DisplayName: sa.DisplayName, Status: subAccountStatus(tr, sa.Status),
		Org: sa.OrgName, Currency: sa.Currency,
		Debit: sa.Debit.Format(), Credit: sa.Credit.Format(), Total: sa.Total.Format(),
		Stale: sa.Stale, StaleReason: sa.LastError,
		AsOf: s.asOf(c, s.syncRuns(c), []string{"balances"}, sa.BalancesSyncedAt, sa.ID),
	}
	if v.Currency == "" {
		v.Currency = money.DefaultCurrency
	}
	if v.Master, v.MasterGone = s.masterLabel(ctx, sa.MasterAccountID); v.Master != "" {
		v.MasterSynced = tr.T("read.never_synced")
		if r := s.lastSync(ctx, sa.MasterAccountID); r != nil {
			v.MasterSynced = formatTime(*r.FinishedAt, tr.Lang)
		}
	}
	if sa.Stale {
		v.AsOf.Stale, v.AsOf.Reason = true, sa.LastError
	}
	def := s.lowBalanceDefault(c.Request.Context())
	th := thresholdOf(*sa, def)
	v.Low = sa.BalancesSyncedAt != nil && sa.Total.Decimal().LessThan(th.Decimal())
	v.Threshold = view.Threshold{
		Effective: th.Format(), Own: sa.LowBalanceThreshold != nil, Default: def.Format(),
		CanSet: authz.Allowed(u.Subject, authz.SetThreshold, target),
		Action: "/sub-accounts/" + url.PathEscape(sa.ID) + "/threshold",
	}
	if sa.LowBalanceThreshold != nil {
		v.Threshold.Input = sa.LowBalanceThreshold.String()
	}
	d, err := s.read.Detail(ctx, scopeOf(u), sa, now.Add(-historyWindow), 100)
	if err != nil {
		return v, err
	}
	if d.UnitsRead {
		v.OrgPath = orgPathNames(d.Units, sa.OrgPath)
	}
	for _, cl := range sa.Credits {
		v.Credits = append(v.Credits, view.CreditRow{
			Available: cl.Available.Format(), CreditAmount: cl.CreditAmount.Format(),
			Expire: fmtTimePtr(cl.ExpireTime, tr.Lang), ExpireSoon: expiresSoon(cl.ExpireTime, now),
		})
	}
	v.Chart = balanceChart(tr, "balance-chart", tr.T("sa.chart_caption"), d.History)
	for _, cp := range d.Coupons {
		v.Coupons = append(v.Coupons, couponRow(tr, cp, now, nil))
	}
	for _, r := range d.Resources {
		v.Resources = append(v.Resources, resourceRow(tr, r, now, nil))
	}
	if v.Ops, err = s.subAccountOps(c, sa); err != nil {
		return v, err
	}
	if v.MasterGone {
		v.Ops.CanCreate = false // its master is no longer configured: drafts are refused
	}
	ef := store.AuditFilter{TargetType: "sub_account", TargetID: sa.ID, Limit: 20}
	if authz.Allowed(u.Subject, authz.ViewOperations, target) {
		// Its operations' events too: they are what moved its money.
		ef = store.AuditFilter{SubAccountID: sa.ID, Limit: 20}
	}
	events, err := s.db.ListAudit(ctx, ef)
	if err != nil {
		return v, err
	}
	for _, e := range events {
		v.Events = append(v.Events, view.EventRow{
			Time: formatTime(e.Time, tr.Lang), Action: tr.T("action." + e.Action), Outcome: tr.T("outcome." + e.Outcome),
			Target: e.ActorName,
		})
	}
	return v, nil
}

// orgPathNames renders a unit's path as "Root / Unit / Team".
func orgPathNames(orgs []store.Organization, path []string) string {
	names := make(map[string]string, len(orgs))
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	out := ""
	for i, id := range path {
		if i > 0 {
			out += " / "
		}
		if n := names[id]; n != "" {
			out += n
		} else {
			out += id
		}
	}
	return out
}

// maxChartRows bounds the points of a chart and its table; longer histories keep the
// last snapshot of each day.
const maxChartRows = 120

// balanceChart draws debit, credit and their total over time, with the table fallback.
func balanceChart(tr *i18n.Translator, id, caption string, snaps []store.BalanceSnapshot) view.Chart {
	if len(snaps) > maxChartRows {
		var daily []store.BalanceSnapshot
		for i, sn := range snaps {
			if i == len(snaps)-1 || fmtDate(&snaps[i+1].TakenAt) != fmtDate(&sn.TakenAt) {
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
		v.Rows = append(v.Rows, []string{formatTime(sn.TakenAt, tr.Lang), sn.Debit.Format(), sn.Credit.Format(), total.Format()})
	}
	v.SVG = chart.Line{
		ID: id, Title: caption, Desc: tr.T("read.chart_desc", map[string]any{"Count": len(snaps)}), Series: series,
		XFormat: func(t time.Time) string { return t.In(displayZone).Format("01-02") },
	}.SVG()
	return v
}

// subAccountOps is the operations part of a sub-account's page: the latest operations
// about it and the buttons that draft a transfer, a recovery or another kind for it.
func (s *Server) subAccountOps(c *gin.Context, sa *store.SubAccount) (view.SubAccountOps, error) {
	u := signedIn(c)
	v := view.SubAccountOps{Enabled: s.ops != nil}
	if s.ops == nil {
		return v, nil
	}
	tr := s.i18n.For(lang(c))
	q := "&sub_account_id=" + url.QueryEscape(sa.ID)
	v.AllHref = "/operations?view=all&sub_account_id=" + url.QueryEscape(sa.ID)
	if authz.Allowed(u.Subject, authz.CreateOperation, authz.Target{OrgPath: sa.OrgPath}) {
		v.CanCreate = true
		v.TransferHref = "/operations/new?kind=" + string(approval.KindTransferFunds) + q
		v.RecoverHref = "/operations/new?kind=" + string(approval.KindRetrieveFunds) + q
		for _, k := range approval.Kinds[2:] {
			v.Actions = append(v.Actions, view.Option{Value: "/operations/new?kind=" + string(k) + q, Label: kindLabel(tr, k)})
		}
	}
	page, err := s.ops.List(c.Request.Context(), actorOf(c), approval.Filter{SubAccountID: sa.ID, Limit: 10})
	if err != nil {
		return v, err
	}
	for _, o := range page.Items {
		v.Rows = append(v.Rows, opRow(tr, o))
	}
	return v, nil
}
