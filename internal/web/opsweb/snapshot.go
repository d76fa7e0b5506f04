package opsweb

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/web/rulesweb"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// snapshotKV is what will be sent upstream, as the approver reads it.
func snapshotKV(tr *i18n.Translator, o approval.Operation) []view.Fact {
	p := o.Params
	out := []view.Fact{{Label: tr.T("op.f.kind"), Value: kindLabel(tr, o.Kind), Test: "snap-kind"}}
	add := func(key, value string, mono bool) {
		if value != "" {
			out = append(out, view.Fact{Label: tr.T("op.f." + key), Value: value, Mono: mono, Test: "snap-" + strings.ReplaceAll(key, "_", "-")})
		}
	}
	if p.SubAccountID != "" {
		// The name is user text beside the id the approver signs: isolated, so that an
		// override in it cannot reorder the id.
		name := p.SubAccountName
		if name != "" {
			name = webcore.Isolate(name) + " · "
		}
		add("sub_account", name+p.SubAccountID, false)
	}
	if p.Amount != "" {
		amt := p.Amount
		if o.Amount != nil {
			amt = o.Amount.Format()
		}
		add("amount", amt+" "+orDefault(o.Currency, "CNY"), false)
	}
	if o.Kind == approval.KindTransferFunds || o.Kind == approval.KindRetrieveFunds {
		add("balance_type", tr.T("op.balance_type."+orDefault(p.BalanceType, approval.BalanceDebit)), false)
		if p.ExpireTime != "" {
			add("expire_time", displayRFC3339(p.ExpireTime, tr.Lang)+" ("+p.ExpireTime+")", false)
		}
	}
	add("coupon_id", p.CouponID, true)
	add("sub_coupon_id", p.SubCouponID, true)
	if len(p.ResourceIDs) > 0 {
		add("resource_ids", strings.Join(p.ResourceIDs, "\n"), true)
	}
	add("resource_account", p.AccountID, true) // a sub-account's resources: sent with its own credentials
	if p.PeriodType != "" {
		if p.PeriodNum > 0 {
			add("period", tr.T("op.period_value", map[string]any{"Num": p.PeriodNum, "Unit": tr.T("op.period." + p.PeriodType)}), false)
		} else {
			add("period", tr.T("op.period."+p.PeriodType), false)
		}
	}
	if o.Kind == approval.KindRenewResources {
		add("auto_pay", yesNo(tr, p.AutoPay), false)
	}
	if p.UnsubType != 0 {
		add("unsubscribe_type", tr.T("op.unsub_type."+strconv.Itoa(p.UnsubType)), false)
	}
	if p.UnsubReason != 0 {
		add("unsubscribe_reason_type", tr.T("op.unsub_reason."+strconv.Itoa(p.UnsubReason)), false)
	}
	if p.Operation != "" {
		add("operation", tr.T("op.operation."+p.Operation), false)
	}
	if o.Kind == approval.KindAutoRenew && p.Operation == approval.OpSet {
		add("auto_renew_times", autoRenewTimes(tr, p.AutoRenewTimes), false)
	}
	if o.Kind == approval.KindTopUpRule {
		out = append(out, rulesweb.ChangeFacts(tr, p.Rule)...)
	}
	if p.RuleID != 0 {
		add("pre_approved", tr.T("rules.pre_approved_by", map[string]any{"ID": p.RuleID, "Name": webcore.Isolate(p.RuleName)}), false)
	}
	add("trans_id", o.TransID, true)
	add("master_account", o.MasterAccountID, true)
	return out
}

func autoRenewTimes(tr *i18n.Translator, n int) string {
	if n == 0 {
		return tr.T("op.until_cancelled")
	}
	return strconv.Itoa(n)
}

func yesNo(tr *i18n.Translator, b bool) string {
	if b {
		return tr.T("op.yes")
	}
	return tr.T("op.no")
}

// approvalViews are an operation's decisions.
func approvalViews(tr *i18n.Translator, aps []approval.Approval) []view.ApprovalView {
	out := make([]view.ApprovalView, 0, len(aps))
	for _, a := range aps {
		d := view.Badge{Text: tr.T("op.decision." + a.Decision), Kind: "ok"}
		if a.Decision == approval.DecisionReject {
			d.Kind = "bad"
		}
		f := ""
		if a.SecondFactor != "" {
			f = tr.T("op.factor." + a.SecondFactor)
		}
		v := view.ApprovalView{User: a.Username, Comment: a.Comment, At: webcore.FormatTime(a.At, tr.Lang), Factor: f, Decision: d}
		if a.OnBehalfOfName != "" {
			v.OnBehalf = tr.T("delegation.on_behalf_of", map[string]any{"Name": a.OnBehalfOfName})
		}
		out = append(out, v)
	}
	return out
}

// timelineSummaryKeys are the details a timeline line shows, in this order.
var timelineSummaryKeys = []string{"state", "amount", "approvals", "required", "final", "comment", "reason", "outcome",
	"attempt", "error_code", "code", "via", "policy", "rows", "total", "line", "batch_id"}

// timelineRows are the audit events of an operation, oldest first; its amounts read in
// currency, grouped.
func timelineRows(tr *i18n.Translator, entries []approval.TimelineEntry, currency string) []view.TimelineRow {
	out := make([]view.TimelineRow, 0, len(entries))
	for _, e := range entries {
		var parts []string
		for _, k := range timelineSummaryKeys {
			v, ok := e.Details[k]
			if !ok || v == nil || v == "" {
				continue
			}
			value := detailValue(v)
			if s, ok := v.(string); ok && (k == "amount" || k == "total") {
				value = money.TextOf(s, currency)
			}
			parts = append(parts, tr.T("op.detail."+k)+": "+value)
		}
		out = append(out, view.TimelineRow{At: webcore.FormatTime(e.At, tr.Lang), Action: tr.T("action." + e.Action),
			Actor: e.Actor, Outcome: e.Outcome, Summary: strings.Join(parts, " · ")})
	}
	return out
}

func detailValue(v any) string {
	switch x := v.(type) {
	case string:
		return webcore.Isolate(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
