package rulesweb

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/rules"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// detail is GET /rules/{id}: the rule, this month against its caps, its top-ups and its
// history.
func (a *Area) detail(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	id, ids, err := pathID(c)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	a.renderDetail(c, id, ids, http.StatusOK, "")
}

func (a *Area) renderDetail(c *gin.Context, id int64, ids string, status int, reasonErr string) {
	ctx, tr, sub := c.Request.Context(), a.core.Translator(c), a.core.Subject(c)
	r, err := a.rules.Get(ctx, sub, id)
	if err != nil {
		a.fail(c, err, ids)
		return
	}
	tot, err := a.rules.Totals(ctx, *r)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	hist, err := a.rules.History(ctx, sub, id)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	sw, err := a.rules.Switch(ctx)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	d := r.Definition
	v := view.RuleDetail{ID: ids, Name: d.Name, State: stateBadge(tr, d.State), Facts: facts(tr, d),
		Spent: tot.Spent.Format(), Cap: tot.Cap.Format(), Percent: percentOf(tot.Spent, tot.Cap), Month: tot.Month,
		CanManage: authz.Allowed(sub, authz.ManageRules, authz.Target{OrgPath: d.Target.OrgPath}),
		Paused:    d.State == rules.StatePaused, AllPaused: sw.Paused, EditHref: "/rules/" + ids + "/edit", ReasonErr: reasonErr}
	v.Facts = append(v.Facts, view.Fact{Label: tr.T("rules.f.owner"), Value: r.OwnerName, Test: "rule-f-owner"},
		view.Fact{Label: tr.T("rules.f.version"), Value: strconv.Itoa(r.Version), Test: "rule-f-version"})
	for _, p := range tot.Payments {
		v.Payments = append(v.Payments, paymentRow(tr, p, d.Currency))
	}
	for _, e := range hist {
		v.History = append(v.History, historyRow(tr, e))
	}
	a.core.Render(c, status, pages.RuleDetailPage(a.core.Page(c, "rules.title"), v))
}

func paymentRow(tr *i18n.Translator, p store.RulePayment, currency string) view.RulePaymentRow {
	oid := idText(p.OperationID)
	return view.RulePaymentRow{At: webcore.FormatTime(p.CreatedAt, tr.Lang), SubAccount: p.SubAccountID,
		SubAccountHref: "/sub-accounts/" + p.SubAccountID, Amount: money.TextOf(p.Amount, currency),
		OperationHref: "/operations/" + oid, OperationID: oid,
		State: view.Badge{Text: tr.T("op.state." + p.State), Kind: stateKind(p.State)}}
}

func stateKind(s string) string {
	switch approval.State(s) {
	case approval.StateSucceeded:
		return "ok"
	case approval.StateFailed:
		return "bad"
	case approval.StateUnknown:
		return "warn"
	}
	return "info"
}

func historyRow(tr *i18n.Translator, e store.AuditEvent) view.RuleHistoryRow {
	var d struct {
		OperationID int64    `json:"operation_id"`
		Version     int      `json:"version"`
		Approvers   []string `json:"approvers"`
	}
	_ = json.Unmarshal(e.Details, &d)
	h := view.RuleHistoryRow{At: webcore.FormatTime(e.Time, tr.Lang), Action: tr.T("action." + e.Action),
		Version: strconv.Itoa(d.Version)}
	if d.OperationID > 0 {
		h.OperationID = idText(d.OperationID)
		h.OperationHref = "/operations/" + h.OperationID
	}
	if strings.HasSuffix(e.Action, "_all") {
		h.Version = ""
	}
	return h
}

// pause is POST /rules/{id}/pause (form: reason): the pause goes to approval.
func (a *Area) pause(c *gin.Context) { a.setState(c, true) }

// resume is POST /rules/{id}/resume (form: reason).
func (a *Area) resume(c *gin.Context) { a.setState(c, false) }

func (a *Area) setState(c *gin.Context, pause bool) {
	if !a.ready(c) {
		return
	}
	id, ids, err := pathID(c)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	reason := strings.TrimSpace(c.PostForm("reason"))
	if reason == "" {
		a.renderDetail(c, id, ids, http.StatusUnprocessableEntity, a.core.Translator(c).T("op.err.reason_required"))
		return
	}
	op, err := a.rules.ProposeState(c.Request.Context(), a.actor(c), id, pause, reason)
	if err != nil {
		a.fail(c, err, ids)
		return
	}
	a.core.Flash(c, "ok", "flash.rule_change_drafted")
	a.core.Redirect(c, "/operations/"+idText(op.ID))
}
