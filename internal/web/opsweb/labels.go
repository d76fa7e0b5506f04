package opsweb

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/web/rulesweb"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// An operation and a batch as people read them in lists and on their pages: links,
// kind and state labels, the row of a list, a one-line summary.

func opHref(id int64) string    { return "/operations/" + strconv.FormatInt(id, 10) }
func batchHref(id int64) string { return "/operations/batches/" + strconv.FormatInt(id, 10) }

// kindLabel is the translated name of a kind.
func kindLabel(tr *i18n.Translator, k approval.Kind) string { return tr.T("op.kind." + string(k)) }

// stateBadge is the translated, coloured state.
func stateBadge(tr *i18n.Translator, st approval.State) view.Badge {
	kind := ""
	switch st {
	case approval.StateSucceeded:
		kind = "ok"
	case approval.StateFailed, approval.StateRejected:
		kind = "bad"
	case approval.StatePending, approval.StateUnknown:
		kind = "warn"
	case approval.StateApproved, approval.StateExecuting:
		kind = "info"
	}
	return view.Badge{Text: tr.T("op.state." + string(st)), Kind: kind}
}

// kindOptions are the kinds as select options.
func kindOptions(tr *i18n.Translator, selected string, withAny bool) []view.Option {
	var out []view.Option
	if withAny {
		out = append(out, view.Option{Value: "", Label: tr.T("op.any_kind"), Selected: selected == ""})
	}
	for _, k := range approval.Kinds {
		out = append(out, view.Option{Value: string(k), Label: kindLabel(tr, k), Selected: selected == string(k)})
	}
	return out
}

// approvalsSummary says "1 of 2 approvals".
func approvalsSummary(tr *i18n.Translator, aps []approval.Approval, required int) string {
	if required == 0 {
		return tr.T("op.no_approval_needed")
	}
	n := 0
	for _, a := range aps {
		if a.Decision == approval.DecisionApprove {
			n++
		}
	}
	return tr.T("op.approvals_of", map[string]any{"Count": n, "Required": required})
}

// opRow is an operation as one line of a list.
func opRow(tr *i18n.Translator, o approval.Operation) view.OperationRow {
	r := view.OperationRow{
		ID: strconv.FormatInt(o.ID, 10), Href: opHref(o.ID), Kind: kindLabel(tr, o.Kind),
		Requester: o.RequestedByName, Created: webcore.FormatTime(o.CreatedAt, tr.Lang), State: stateBadge(tr, o.State),
		Approvals: approvalsSummary(tr, o.Approvals, o.RequiredApprovals), Currency: o.Currency,
	}
	if o.Amount != nil {
		r.Amount = o.Amount.Format()
	}
	if o.SubAccountID != "" {
		r.SubAccount = o.Params.SubAccountName
		if r.SubAccount == "" {
			r.SubAccount = o.SubAccountID
		}
		r.SubAccountHref = "/sub-accounts/" + url.PathEscape(o.SubAccountID)
	}
	if len(o.Params.ResourceIDs) > 0 {
		r.Resources = strings.Join(o.Params.ResourceIDs, ", ")
		if len(o.Params.ResourceIDs) > 3 {
			r.Resources = strings.Join(o.Params.ResourceIDs[:3], ", ") + tr.T("op.and_more", map[string]any{"Count": len(o.Params.ResourceIDs) - 3})
		}
	}
	if o.BatchID != nil {
		r.Batch = tr.T("op.batch_n", map[string]any{"ID": *o.BatchID})
		r.BatchHref = batchHref(*o.BatchID)
	}
	if o.State == approval.StatePending {
		r.Expires = webcore.FormatTime(o.ExpiresAt, tr.Lang)
	}
	r.Summary = opSummary(tr, o)
	return r
}

// opSummary says in a few words what an operation does.
func opSummary(tr *i18n.Translator, o approval.Operation) string {
	p := o.Params
	switch o.Kind {
	case approval.KindTransferFunds, approval.KindRetrieveFunds:
		return tr.T("op.balance_type."+orDefault(p.BalanceType, approval.BalanceDebit)) + expireSuffix(tr, p.ExpireTime)
	case approval.KindTransferCoupon, approval.KindRetrieveCoupon:
		return tr.T("op.coupon_short", map[string]any{"ID": p.CouponID})
	case approval.KindRenewResources:
		return tr.T("op.renew_short", map[string]any{"Num": p.PeriodNum, "Unit": tr.T("op.period." + p.PeriodType)}) + quoteSuffix(tr, p.Quote)
	case approval.KindToOnDemand, approval.KindAutoRenew:
		return tr.T("op.operation." + p.Operation)
	case approval.KindUnsubscribeResources:
		return tr.T("op.unsub_type." + strconv.Itoa(p.UnsubType))
	case approval.KindTopUpRule:
		return rulesweb.ChangeSummary(tr, p.Rule)
	}
	return ""
}

func expireSuffix(tr *i18n.Translator, rfc string) string {
	if rfc == "" {
		return ""
	}
	return " · " + tr.T("op.expires_on", map[string]any{"Date": displayRFC3339(rfc, tr.Lang)})
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// displayRFC3339 shows a stored RFC 3339 time in the display zone.
func displayRFC3339(s, lang string) string {
	t, ok := parseRFC3339(s)
	if !ok {
		return s
	}
	return webcore.FormatTime(t, lang)
}
