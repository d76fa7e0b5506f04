package opsweb

import (
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// operationContextView is the context panel of operation op for the viewer: what the
// approval service says it weighs against (approval.Service.Context), formatted.
func (a *Area) operationContextView(c *gin.Context, op *approval.Operation) (view.OperationContext, error) {
	ctx := c.Request.Context()
	oc, err := a.ops.Context(ctx, a.actor(c), op.ID)
	if err != nil || oc == nil {
		return view.OperationContext{}, err
	}
	tr := a.core.Translator(c)
	runs, err := a.read.LatestRuns(ctx, op.MasterAccountID)
	if err != nil {
		// As the read pages: a failure costs the freshness line, not the page.
		webcore.Degraded(ctx, a.log, "cannot read sync runs", "error", err, "request_id", a.core.RequestID(c))
	}
	v := view.OperationContext{Shown: op.SubAccountID != "" || oc.Master != nil}
	if sa := oc.SubAccount; sa != nil && oc.Sub != nil {
		acct := &view.ContextAccount{Name: sa.Name, Href: "/sub-accounts/" + url.PathEscape(sa.ID),
			AsOf: a.asOf(c, tr, runs, []string{"balances"}, sa.BalancesSyncedAt, sa.ID),
			Balances: []view.ContextLine{
				contextLine(tr.T("sa.debit"), sa.Debit, "ctx-sub-debit"),
				contextLine(tr.T("sa.credit"), sa.Credit, "ctx-sub-credit"),
			},
			Figure: figureLabel(tr, oc.Sub),
			After: []view.ContextLine{
				contextLine(tr.T("op.ctx.now"), oc.Sub.Now, "ctx-sub-now"),
				contextLine(tr.T("op.ctx.after_this"), oc.Sub.AfterThis, "ctx-sub-after-this"),
				contextLine(tr.N("op.ctx.after_all", oc.Sub.Others), oc.Sub.AfterAll, "ctx-sub-after-all"),
			}}
		if sa.Stale {
			acct.AsOf.Stale, acct.AsOf.Reason = true, sa.LastError
		}
		v.SubAccount = acct
	}
	if m := oc.Master; m != nil {
		name, _ := a.masters.Label(ctx, op.MasterAccountID)
		acct := &view.ContextAccount{Name: name, AsOf: a.asOf(c, tr, runs, []string{"master"}, m.AsOf, ""), Figure: figureLabel(tr, m),
			After: []view.ContextLine{
				contextLine(tr.T("op.ctx.master_now"), m.Now, "ctx-master-now"),
				contextLine(tr.T("op.ctx.master_after_this"), m.AfterThis, "ctx-master-after-this"),
				contextLine(tr.N("op.ctx.master_after_all", m.Others), m.AfterAll, "ctx-master-after-all"),
			},
			Note: tr.T("op.ctx.master_counts_all")}
		acct.AsOf.Master = op.MasterAccountID // its refresh reads this master
		if m.Stale {
			acct.AsOf.Stale = true
		}
		v.Master = acct
	}
	v.ShowSubAccountOps = op.SubAccountID != ""
	for _, o := range oc.SubAccountOps {
		v.SubAccountOps = append(v.SubAccountOps, opRow(tr, o))
	}
	if oc.SubAccountMore {
		v.SubAccountMore = "/operations?sub_account_id=" + url.QueryEscape(op.SubAccountID)
	}
	v.ShowMasterOps = op.Kind == approval.KindTransferFunds
	for _, o := range oc.MasterOps {
		v.MasterOps = append(v.MasterOps, opRow(tr, o))
	}
	if oc.MasterMore {
		v.MasterMore = webcore.WithQuery("/operations", webcore.MasterValues(op.MasterAccountID), "kind", string(approval.KindTransferFunds))
	}
	return v, nil
}

// figureLabel names the figure an operation changes: cash, or a credit line by its expiry.
func figureLabel(tr *i18n.Translator, f *approval.Figure) string {
	if f.BalanceType != approval.BalanceCredit {
		return tr.T("op.balance_type.debit")
	}
	if f.Expire == nil {
		return tr.T("op.ctx.credit_no_expiry")
	}
	return tr.T("op.balance_type.credit") + " · " + tr.T("op.expires_on", map[string]any{"Date": webcore.FormatTime(*f.Expire, tr.Lang)})
}

func contextLine(label string, a money.Amount, test string) view.ContextLine {
	return view.ContextLine{Label: label, Amount: a.Format(), Currency: a.Currency(), Test: test, Below: a.Decimal().IsNegative()}
}

// asOf is the freshness line of cached figures beside an operation (webcore.Freshness).
func (a *Area) asOf(c *gin.Context, tr *i18n.Translator, runs map[string]store.SyncRun, areas []string, dataTime *time.Time, subAccount string) view.AsOf {
	canRefresh := authz.Allowed(a.core.Subject(c), authz.RunSync, authz.Target{})
	return webcore.Freshness(c, tr.Lang, canRefresh, runs, areas, dataTime, subAccount)
}
