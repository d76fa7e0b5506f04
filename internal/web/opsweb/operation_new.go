package opsweb

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// formValues is where a form's values come from: the query when it is first shown
// (prefilled from the sub-account pages), the posted form after an error.
type formValues func(name string) string

// operationNew is GET /operations/new?kind=…[&sub_account_id=…][&from=…]. Several
// sub-accounts selected on the list (bulk select) go to the batch-from-selection page.
func (a *Area) operationNew(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	kind := approval.Kind(c.DefaultQuery("kind", string(approval.KindTransferFunds)))
	if !kind.Valid() {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	subs := c.QueryArray("sub_account_id")
	if len(subs) > 1 && (kind == approval.KindTransferFunds || kind == approval.KindRetrieveFunds) {
		a.core.Redirect(c, "/operations/bulk/selection?"+c.Request.URL.RawQuery)
		return
	}
	vals := func(name string) string { return strings.TrimSpace(c.Query(name)) }
	if from := c.Query("from"); from != "" { // "Draft again" on a failed or rejected operation
		id, err := strconv.ParseInt(from, 10, 64)
		if err != nil {
			a.core.Fail(c, webcore.ErrBadRequest)
			return
		}
		in, err := a.ops.DraftAgain(c.Request.Context(), a.actor(c), id)
		if err != nil {
			a.core.FailOperation(c, err, "operation", from)
			return
		}
		kind, vals = in.Kind, inputValues(in)
	}
	v, err := a.operationForm(c, kind, vals, nil, newIdemKey())
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	a.core.Render(c, http.StatusOK, pages.OperationNew(a.core.Page(c, "op.new_title"), v))
}

// inputValues are the form's values for a request made before (DraftAgain).
func inputValues(in approval.Input) formValues {
	num := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	m := map[string]string{"sub_account_id": in.SubAccountID, "amount": in.Amount, "balance_type": in.BalanceType,
		"expire_time": in.ExpireTime, "coupon_id": in.CouponID, "sub_coupon_id": in.SubCouponID,
		"resource_ids": strings.Join(in.ResourceIDs, "\n"), "period_type": in.PeriodType, "period_num": num(in.PeriodNum),
		"unsubscribe_type": num(in.UnsubscribeType), "unsubscribe_reason_type": num(in.UnsubscribeReasonType),
		"operation": in.Operation, "auto_renew_times": num(in.AutoRenewTimes), "reason": in.Reason,
		"drafted_from": strconv.FormatInt(in.DraftedFrom, 10)}
	if in.AutoPay {
		m["auto_pay"] = "on"
	}
	return func(name string) string { return m[name] }
}

// inputFrom reads an operation request from a posted form.
func inputFrom(c *gin.Context) approval.Input {
	in := approval.Input{
		Kind: approval.Kind(trimmed(c, "kind")), SubAccountID: trimmed(c, "sub_account_id"), Amount: trimmed(c, "amount"),
		BalanceType: trimmed(c, "balance_type"), ExpireTime: trimmed(c, "expire_time"), CouponID: trimmed(c, "coupon_id"),
		SubCouponID: trimmed(c, "sub_coupon_id"), PeriodType: trimmed(c, "period_type"), Operation: trimmed(c, "operation"),
		Reason: trimmed(c, "reason"), AutoPay: c.PostForm("auto_pay") == "on",
	}
	in.PeriodNum, _ = strconv.Atoi(trimmed(c, "period_num"))
	in.UnsubscribeType, _ = strconv.Atoi(trimmed(c, "unsubscribe_type"))
	in.UnsubscribeReasonType, _ = strconv.Atoi(trimmed(c, "unsubscribe_reason_type"))
	in.AutoRenewTimes, _ = strconv.Atoi(trimmed(c, "auto_renew_times"))
	in.DraftedFrom, _ = strconv.ParseInt(trimmed(c, "drafted_from"), 10, 64)
	in.ResourceIDs = splitIDs(c.PostFormArray("resource_ids"))
	applyCouponPick(c, &in)
	if in.Kind != approval.KindTransferFunds && in.Kind != approval.KindRetrieveFunds {
		in.BalanceType, in.ExpireTime = "", ""
	}
	if in.BalanceType != approval.BalanceCredit {
		// The expiry select is hidden for cash, so a line picked before switching to cash
		// is a leftover the person can no longer see, not a request.
		in.ExpireTime = ""
	}
	return in
}

// splitIDs splits ids typed one per line, or separated by commas or spaces.
func splitIDs(values []string) []string {
	var out []string
	for _, v := range values {
		out = append(out, strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })...)
	}
	return out
}

// operationCreate is POST /operations: one use case call. Invalid input comes back with
// translated reasons per field and the input kept (422); the same form posted twice
// (double click, replay) names one operation through its idempotency key; the same key
// with different input is a conflict (409).
func (a *Area) operationCreate(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	in := inputFrom(c)
	if !in.Kind.Valid() {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	key := trimmed(c, "idempotency_key")
	if !validIdemKey(key) {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	// A sub-account named by search text: the form comes back with the matches to choose.
	if choose, err := a.choosingSubAccount(c, in); err != nil || choose {
		if err != nil {
			a.core.Fail(c, err)
			return
		}
		a.renderOperationForm(c, http.StatusOK, in.Kind, postedValues(c, in), nil, key)
		return
	}
	op, err := a.ops.Create(c.Request.Context(), a.actor(c), in, key)
	var ve *approval.ValidationError
	if errors.As(err, &ve) {
		a.renderOperationForm(c, http.StatusUnprocessableEntity, in.Kind, postedValues(c, in), ve, key)
		return
	}
	if err != nil {
		a.core.FailOperation(c, err, "sub_account", in.SubAccountID)
		return
	}
	if op.State == approval.StatePending {
		a.core.Flash(c, "ok", "flash.op_submitted")
	} else {
		a.core.Flash(c, "ok", "flash.op_approved_by_policy")
	}
	a.core.Redirect(c, opHref(op.ID))
}

// operationForm builds the form of one kind with its values and errors, and what the
// sub-account (and the master, for transfers) holds beside it.
func (a *Area) operationForm(c *gin.Context, kind approval.Kind, vals formValues, ve *approval.ValidationError, key string) (view.OperationForm, error) {
	ctx := c.Request.Context()
	tr := a.core.Translator(c)
	v := view.OperationForm{Kind: string(kind), KindLabel: kindLabel(tr, kind), KindHelp: tr.T("op.help." + string(kind)), IdemKey: key}
	if from := vals("drafted_from"); from != "" && from != "0" {
		v.DraftedFrom, v.DraftedFromHref = from, "/operations/"+from
	}
	sub := vals("sub_account_id")
	for _, k := range approval.Kinds {
		href := "/operations/new?kind=" + string(k)
		if sub != "" {
			href += "&sub_account_id=" + url.QueryEscape(sub)
		}
		v.Kinds = append(v.Kinds, view.Tab{Label: kindLabel(tr, k), Href: href, Test: "kind-" + string(k), Current: k == kind})
	}
	errOf := func(name string) string {
		if ve == nil {
			return ""
		}
		return fieldMessage(tr, ve, name)
	}
	field := func(name, typ string) view.FormField {
		return view.FormField{Name: name, Label: tr.T("op.f." + name), Type: typ, Value: vals(name), Error: errOf(name), Hint: hintOf(tr, "op.hint."+name)}
	}
	// The sub-account, when one is named and visible: its balances beside the form.
	var sa *store.SubAccount
	if sub != "" {
		got, err := a.db.SubAccountByID(ctx, sub)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return v, err
		case a.core.Scope(c).Covers(got.OrgPath):
			sa = got
		}
	}
	switch kind {
	case approval.KindTransferFunds, approval.KindRetrieveFunds:
		v.Fields = append(v.Fields, field("amount", "amount"))
		bt := field("balance_type", "select")
		bt.Options = []view.Option{
			{Value: approval.BalanceDebit, Label: tr.T("op.balance_type.debit"), Selected: bt.Value != approval.BalanceCredit},
			{Value: approval.BalanceCredit, Label: tr.T("op.balance_type.credit"), Selected: bt.Value == approval.BalanceCredit},
		}
		v.Fields = append(v.Fields, bt)
		ex := field("expire_time", "select")
		ex.CreditOnly = true
		ex.Options = []view.Option{{Value: "", Label: tr.T("op.no_expiry"), Selected: ex.Value == ""}}
		var lines []store.CreditLine
		if kind == approval.KindTransferFunds {
			master := ""
			if sa != nil {
				master = sa.MasterAccountID // the master the transfer comes from
			}
			mb, err := a.masterTotal(ctx, master)
			if err != nil {
				return v, err
			}
			for _, l := range mb.Credits {
				lines = append(lines, store.CreditLine{Available: l.Available, ExpireTime: l.ExpireTime})
			}
			hint := view.BalanceHint{Title: tr.T("op.master_holds"), Name: tr.T("op.master_account"), Lines: []view.Fact{
				{Label: tr.T("op.debit_available"), Value: mb.Debit.Format() + " CNY", Test: "master-debit"},
				{Label: tr.T("op.credit_available"), Value: mb.Credit.Format() + " CNY"},
			}}
			if master == "" {
				master = mb.MasterAccountID // "" with several masters: which one is not known yet
			}
			if master != "" {
				facts, err := a.fundsFacts(c, tr, approval.FundsQuery{Kind: kind, Master: master, SubAccountID: subID(sa),
					BalanceType: vals("balance_type"), ExpireTime: vals("expire_time")}, "master")
				if err != nil {
					return v, err
				}
				hint.Lines = append(hint.Lines, facts...)
			}
			v.Context = append(v.Context, hint)
		} else if sa != nil {
			lines = sa.Credits
		}
		seen := ex.Value == ""
		for _, l := range lines {
			if l.ExpireTime == nil {
				continue
			}
			val := l.ExpireTime.UTC().Format("2006-01-02T15:04:05Z07:00")
			seen = seen || val == ex.Value
			ex.Options = append(ex.Options, view.Option{Value: val, Selected: val == ex.Value,
				Label: tr.T("op.credit_line", map[string]any{"Date": webcore.FormatDate(l.ExpireTime), "Available": l.Available.Format()})})
		}
		if !seen {
			ex.Options = append(ex.Options, view.Option{Value: ex.Value, Label: ex.Value, Selected: true})
		}
		v.Fields = append(v.Fields, ex)
	case approval.KindTransferCoupon:
		v.Fields = append(v.Fields, field("amount", "amount"))
	case approval.KindRetrieveCoupon:
	default:
		v.Fields = append(v.Fields, resourceFields(tr, kind, field)...)
	}
	if err := a.pickers(c, tr, kind, vals, errOf, sa, &v); err != nil {
		return v, err
	}
	if sa != nil {
		h := view.BalanceHint{Title: tr.T("op.sub_account_holds"), Name: sa.Name, Href: "/sub-accounts/" + url.PathEscape(sa.ID), Lines: []view.Fact{
			{Label: tr.T("op.debit_available"), Value: sa.Debit.Format() + " CNY", Test: "sub-debit"},
		}}
		for _, l := range sa.Credits {
			label := tr.T("op.credit_available")
			if l.ExpireTime != nil {
				label = tr.T("op.credit_line_label", map[string]any{"Date": webcore.FormatDate(l.ExpireTime)})
			}
			h.Lines = append(h.Lines, view.Fact{Label: label, Value: l.Available.Format() + " CNY"})
		}
		if kind == approval.KindRetrieveFunds {
			facts, err := a.fundsFacts(c, tr, approval.FundsQuery{Kind: kind, SubAccountID: sa.ID,
				BalanceType: vals("balance_type"), ExpireTime: vals("expire_time")}, "sub")
			if err != nil {
				return v, err
			}
			h.Lines = append(h.Lines, facts...)
		}
		v.Context = append([]view.BalanceHint{h}, v.Context...)
	} else if sub != "" && (v.SubAccount == nil || len(v.SubAccount.Matches) == 0) {
		v.Context = append([]view.BalanceHint{{Title: tr.T("op.sub_account_holds"), Name: sub, Missing: tr.T("op.sub_account_unknown")}}, v.Context...)
	}
	v.Reason = field("reason", "textarea")
	if ve != nil {
		shown := map[string]bool{"reason": true}
		for _, f := range v.Fields {
			shown[f.Name] = true
		}
		for _, name := range v.PickerFields() {
			shown[name] = true
		}
		v.Errors = append(v.Errors, tr.T("op.form_has_errors"))
		for _, name := range sortedFields(ve) {
			if !shown[name] {
				v.Errors = append(v.Errors, fieldMessage(tr, ve, name))
			}
		}
	}
	v.Policy = tr.T("op.policy_note")
	v.Quote = quoteStep(kind)
	return v, nil
}

// subID is the id of a sub-account, or "" for none.
func subID(sa *store.SubAccount) string {
	if sa == nil {
		return ""
	}
	return sa.ID
}

// resourceFields are the settings of the resource kinds.
func resourceFields(tr *i18n.Translator, kind approval.Kind, field func(name, typ string) view.FormField) []view.FormField {
	sel := func(name string, values ...string) view.FormField {
		f := field(name, "select")
		for i, val := range values {
			label := tr.T("op." + name + "_none")
			if val != "" {
				label = tr.T("op." + name + "." + val)
			}
			f.Options = append(f.Options, view.Option{Value: val, Label: label, Selected: f.Value == val || (f.Value == "" && i == 0)})
		}
		return f
	}
	switch kind {
	case approval.KindRenewResources:
		pt := sel("period_type", "month", "year")
		pn := field("period_num", "number")
		if pn.Value == "" {
			pn.Value = "1"
		}
		ap := field("auto_pay", "checkbox")
		ap.Checked = ap.Value == "on"
		return []view.FormField{pt, pn, ap}
	case approval.KindUnsubscribeResources:
		return []view.FormField{sel("unsubscribe_type", "1", "2"), sel("unsubscribe_reason_type", "1", "2", "3", "4", "5")}
	case approval.KindToOnDemand:
		return []view.FormField{sel("operation", "set", "cancel")}
	case approval.KindAutoRenew:
		pt := sel("period_type", "", "month", "year")
		times := field("auto_renew_times", "number")
		if times.Value == "" {
			times.Value = "0"
		}
		return []view.FormField{sel("operation", "set", "cancel"), pt, times}
	}
	return nil
}

// hintOf translates a hint id, or "" when there is none.
func hintOf(tr *i18n.Translator, id string) string {
	h := tr.T(id)
	if strings.HasPrefix(h, "[") {
		return ""
	}
	return h
}
