package opsweb

import (
	"errors"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// renderOperationForm shows the draft form of kind with vals and the reasons of ve.
func (a *Area) renderOperationForm(c *gin.Context, status int, kind approval.Kind, vals formValues, ve *approval.ValidationError, key string) {
	v, err := a.operationForm(c, kind, vals, ve, key)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	a.core.Render(c, status, pages.OperationNew(a.core.Page(c, "op.new_title"), v))
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
