package opsweb

import (
	"errors"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// The draft form names its sub-account, coupon and resources through pickers instead of
// ids typed by hand. Every picker works without script: its buttons submit the form to
// POST /operations/new, which shows it again with what was posted (the pick applied) and
// creates nothing; with htmx the same request swaps the page's content in place. Only the
// sub-account's type-ahead has a route of its own.

// Bounds of the sub-account picker: suggestions while typing, and the matches listed when
// the form comes back for a choice.
const (
	pickSuggestMax = 10
	pickMatchMax   = 25
)

// pickers adds the kind's pickers to v: the sub-account for the kinds moving money, the
// coupons for coupon kinds, the resources for the others. sa is the sub-account the form
// names, when it is one the maker sees.
func (a *Area) pickers(c *gin.Context, tr *i18n.Translator, kind approval.Kind, vals formValues, errOf func(string) string, sa *store.SubAccount, v *view.OperationForm) error {
	var err error
	if kind.MovesMoney() {
		if v.SubAccount, err = a.subAccountPick(c, tr, vals("sub_account_id"), sa, errOf("sub_account_id")); err != nil {
			return err
		}
	}
	switch kind {
	case approval.KindTransferFunds, approval.KindRetrieveFunds:
	case approval.KindTransferCoupon, approval.KindRetrieveCoupon:
		v.Coupons, err = a.couponPick(c, tr, kind, vals, errOf, sa)
	default:
		v.ResourcePick, err = a.resourcePick(c, tr, kind, vals, errOf("resource_ids"))
	}
	return err
}

// choosingSubAccount reports whether a posted draft names its sub-account by text that is
// no sub-account's id but matches some the maker may name: the form comes back with them
// to choose from (the type-ahead without script). An id — in scope or not, usable or not —
// and text matching nothing go on to the use case, which says what is wrong with them.
func (a *Area) choosingSubAccount(c *gin.Context, in approval.Input) (bool, error) {
	text := strings.TrimSpace(in.SubAccountID)
	if !in.Kind.MovesMoney() || text == "" {
		return false, nil
	}
	ctx := c.Request.Context()
	scope := a.core.Scope(c)
	switch _, err := a.read.SubAccount(ctx, scope, text); {
	case err == nil, errors.Is(err, readmodel.ErrOutOfScope):
		return false, nil
	case !errors.Is(err, store.ErrNotFound):
		return false, err
	}
	picks, err := a.read.PickSubAccounts(ctx, scope, text, a.masters.Hidden(c.Request.Context()), 1)
	return len(picks.Rows) > 0, err
}

// subAccountPick is the sub-account field: the type-ahead box with the sub-account it
// names, or — text naming none — the sub-accounts the text matches.
func (a *Area) subAccountPick(c *gin.Context, tr *i18n.Translator, text string, sa *store.SubAccount, errText string) (*view.SubAccountPick, error) {
	p := &view.SubAccountPick{Label: tr.T("pick.sa_label"), Hint: tr.T("pick.sa_hint"), Error: errText,
		Box: view.TypeAhead{ID: "f-sub_account_id", Name: "sub_account_id", Value: text, Placeholder: tr.T("pick.sa_placeholder"),
			Suggest: "/operations/pick/sub-accounts", Test: "input-sub_account_id", Box: "sa-pick", Invalid: errText != ""}}
	if sa != nil {
		ch := subAccountChoice(*sa)
		p.Chosen = &ch
		return p, nil
	}
	if text == "" {
		return p, nil
	}
	picks, err := a.read.PickSubAccounts(c.Request.Context(), a.core.Scope(c), text, a.masters.Hidden(c.Request.Context()), pickMatchMax)
	if err != nil {
		return nil, err
	}
	p.Matches = subAccountChoices(picks.Rows)
	switch {
	case picks.More:
		p.MatchNote = tr.T("pick.sa_matches_more", map[string]any{"Text": text, "Count": len(p.Matches)})
	case len(p.Matches) > 0:
		p.MatchNote = tr.N("pick.sa_matches", len(p.Matches), map[string]any{"Text": text})
	case errText == "":
		p.MatchNote = tr.T("pick.sa_none", map[string]any{"Text": text})
	}
	return p, nil
}

func subAccountChoices(rows []store.SubAccount) []view.SubAccountChoice {
	out := make([]view.SubAccountChoice, len(rows))
	for i, sa := range rows {
		out[i] = subAccountChoice(sa)
	}
	return out
}

func subAccountChoice(sa store.SubAccount) view.SubAccountChoice {
	return view.SubAccountChoice{ID: sa.ID, Name: sa.Name, DisplayName: sa.DisplayName, Org: sa.OrgName,
		Balance: sa.Debit.Format() + " " + sa.Debit.Currency()}
}

// couponPick lists the coupons a coupon operation may name: the master's for an
// allocation (the sub-account's master, once it is chosen), the sub-account's own for a
// recovery.
func (a *Area) couponPick(c *gin.Context, tr *i18n.Translator, kind approval.Kind, vals formValues, errOf func(string) string, sa *store.SubAccount) (*view.CouponPick, error) {
	p := &view.CouponPick{Show: tr.T("pick.show_coupons")}
	p.Error = strings.TrimSpace(errOf("coupon_id") + " " + errOf("sub_coupon_id"))
	chosen := vals("coupon_pick")
	if chosen == "" {
		chosen = couponValue(vals("coupon_id"), vals("sub_coupon_id"))
	}
	holder, master := "", ""
	if kind == approval.KindRetrieveCoupon {
		p.Legend = tr.T("pick.coupons_sub")
		if sa == nil {
			p.Empty = tr.T("pick.coupons_choose_sub")
			return p, nil
		}
		holder = sa.ID
	} else {
		p.Legend = tr.T("pick.coupons_master")
		if sa != nil {
			master = sa.MasterAccountID
		}
	}
	rows, err := a.read.CouponChoices(c.Request.Context(), a.core.Scope(c), holder, master, a.masters.Hidden(c.Request.Context()))
	if err != nil {
		return nil, err
	}
	for _, cp := range rows {
		val := couponValue(cp.CouponID, cp.SubCouponID)
		expire := tr.T("pick.coupon_no_expiry")
		if cp.Expire != nil {
			expire = tr.T("pick.coupon_expires", map[string]any{"Date": webcore.FormatDate(cp.Expire)})
		}
		p.Choices = append(p.Choices, view.CouponChoice{Value: val, CouponID: cp.CouponID, SubCouponID: cp.SubCouponID,
			Plan: orDefault(cp.PlanName, tr.T("pick.coupon_plan_unnamed")), Balance: cp.Balance.Format() + " " + cp.Balance.Currency(),
			Expire: expire, Checked: val == chosen, UsedUp: !cp.Balance.IsPositive()})
	}
	if len(p.Choices) == 0 {
		p.Empty = tr.T("pick.coupons_none_master")
		if holder != "" {
			p.Empty = tr.T("pick.coupons_none_sub")
		}
	}
	return p, nil
}
