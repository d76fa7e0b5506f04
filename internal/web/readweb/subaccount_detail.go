package readweb

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// historyWindow is how far back the balance charts look.
const historyWindow = 90 * 24 * time.Hour

// subAccountDetail is GET /sub-accounts/:id.
func (a *Area) subAccountDetail(c *gin.Context) {
	sa, err := a.scopedSubAccount(c, c.Param("id"))
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	v, err := a.subAccountView(c, sa)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	a.core.Render(c, http.StatusOK, pages.SubAccount(a.core.Page(c, "sa.detail_title"), v))
}

// subAccountView builds the detail page: balances, credit lines, history, coupons,
// resources, audit events, and the threshold form.
func (a *Area) subAccountView(c *gin.Context, sa *store.SubAccount) (view.SubAccountDetail, error) {
	ctx := c.Request.Context()
	subject := a.core.Subject(c)
	tr := a.core.Translator(c)
	now := a.now()
	target := authz.Target{OrgPath: sa.OrgPath}
	v := view.SubAccountDetail{
		ID: sa.ID, Name: sa.Name, DisplayName: sa.DisplayName, Status: subAccountStatus(tr, sa.Status),
		Org: sa.OrgName, Currency: sa.Currency,
		Debit: sa.Debit.Format(), Credit: sa.Credit.Format(), Total: sa.Total.Format(),
		Stale: sa.Stale, StaleReason: sa.LastError,
		AsOf: a.asOf(c, a.syncRuns(c), []string{"balances"}, sa.BalancesSyncedAt, sa.ID),
	}
	if v.Currency == "" {
		v.Currency = money.DefaultCurrency
	}
	if v.Master, v.MasterGone = a.masters.Label(ctx, sa.MasterAccountID); v.Master != "" {
		v.MasterSynced = tr.T("read.never_synced")
		if r := a.masters.LastSync(ctx, sa.MasterAccountID); r != nil {
			v.MasterSynced = webcore.FormatTime(*r.FinishedAt, tr.Lang)
		}
	}
	if sa.Stale {
		v.AsOf.Stale, v.AsOf.Reason = true, sa.LastError
	}
	def := a.lowBalanceDefault(c.Request.Context())
	th := thresholdOf(*sa, def)
	v.Low = sa.BalancesSyncedAt != nil && sa.Total.Decimal().LessThan(th.Decimal())
	v.Threshold = view.Threshold{
		Effective: th.Format(), Own: sa.LowBalanceThreshold != nil, Default: def.Format(),
		CanSet: authz.Allowed(subject, authz.SetThreshold, target),
		Action: "/sub-accounts/" + url.PathEscape(sa.ID) + "/threshold",
	}
	if sa.LowBalanceThreshold != nil {
		v.Threshold.Input = sa.LowBalanceThreshold.String()
	}
	d, err := a.read.Detail(ctx, a.core.Scope(c), sa, now.Add(-historyWindow), 100)
	if err != nil {
		return v, err
	}
	if d.UnitsRead {
		v.OrgPath = orgPathNames(d.Units, sa.OrgPath)
	}
	for _, cl := range sa.Credits {
		v.Credits = append(v.Credits, view.CreditRow{
			Available: cl.Available.Format(), CreditAmount: cl.CreditAmount.Format(),
			Expire: webcore.FormatTimePtr(cl.ExpireTime, tr.Lang), ExpireSoon: expiresSoon(cl.ExpireTime, now),
		})
	}
	v.Runway = runwayDetail(tr, *sa, now)
	var proj *projection
	if sa.Runway.State == store.RunwayEstimated {
		proj = &projection{Burn: sa.Runway.Burn, Currency: sa.Currency}
	}
	v.Chart = projectedChart(tr, "balance-chart", tr.T("sa.chart_caption"), d.History, proj)
	for _, cp := range d.Coupons {
		v.Coupons = append(v.Coupons, couponRow(tr, cp, now, nil))
	}
	for _, r := range d.Resources {
		v.Resources = append(v.Resources, resourceRow(tr, r, now, nil))
	}
	if v.Ops, err = a.opsPanel(c, sa); err != nil {
		return v, err
	}
	if v.MasterGone {
		v.Ops.CanCreate = false // its master is no longer configured: drafts are refused
	}
	ef := store.AuditFilter{TargetType: "sub_account", TargetID: sa.ID, Limit: 20}
	if authz.Allowed(subject, authz.ViewOperations, target) {
		// Its operations' events too: they are what moved its money.
		ef = store.AuditFilter{SubAccountID: sa.ID, Limit: 20}
	}
	events, err := a.db.ListAudit(ctx, ef)
	if err != nil {
		return v, err
	}
	for _, e := range events {
		v.Events = append(v.Events, view.EventRow{
			Time: webcore.FormatTime(e.Time, tr.Lang), Action: tr.T("action." + e.Action), Outcome: tr.T("outcome." + e.Outcome),
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
