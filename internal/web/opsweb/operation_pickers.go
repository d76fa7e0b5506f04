package opsweb

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
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

// subAccountSuggest is GET /operations/pick/sub-accounts?q=…: the sub-accounts the maker
// may name whose name or display name contains the text or whose id starts with it, as
// buttons that pick one (an HTML fragment for htmx). The box sends itself as
// sub_account_id, the form field it is.
func (a *Area) subAccountSuggest(c *gin.Context) {
	tr := a.core.Translator(c)
	q, ok := c.GetQuery("q")
	if !ok {
		q = c.Query("sub_account_id")
	}
	picks, err := a.read.PickSubAccounts(c.Request.Context(), a.core.Scope(c), strings.TrimSpace(q), a.masters.Hidden(c.Request.Context()), pickSuggestMax)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	v := view.SubAccountSuggestions{Rows: subAccountChoices(picks.Rows)}
	if len(v.Rows) == 0 {
		v.Empty = tr.T("pick.sa_no_match")
	}
	if picks.More {
		v.More = tr.T("pick.sa_more")
	}
	a.core.Render(c, http.StatusOK, pages.SubAccountSuggestions(tr, v))
}

// operationRefresh is POST /operations/new: the draft form again with what was posted,
// nothing created — the pickers' step (a sub-account picked, its coupons or resources
// listed, the expiry filter changed, every resource shown selected).
func (a *Area) operationRefresh(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	in := inputFrom(c)
	key := trimmed(c, "idempotency_key")
	if !in.Kind.Valid() || !validIdemKey(key) {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	vals := postedValues(c, in)
	if id := trimmed(c, "pick_sub_account"); id != "" {
		posted := vals
		vals = func(name string) string {
			if name == "sub_account_id" {
				return id
			}
			return posted(name)
		}
	}
	a.renderOperationForm(c, http.StatusOK, in.Kind, vals, nil, key)
}

// renderOperationForm shows the draft form of kind with vals and the reasons of ve.
func (a *Area) renderOperationForm(c *gin.Context, status int, kind approval.Kind, vals formValues, ve *approval.ValidationError, key string) {
	v, err := a.operationForm(c, kind, vals, ve, key)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	a.core.Render(c, status, pages.OperationNew(a.core.Page(c, "op.new_title"), v))
}

// postedValues are a posted draft's values, for the form shown again.
func postedValues(c *gin.Context, in approval.Input) formValues {
	return func(name string) string {
		if name == "resource_ids" {
			return strings.Join(in.ResourceIDs, "\n")
		}
		return strings.TrimSpace(c.PostForm(name))
	}
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

// applyCouponPick reads the coupon picker's choice into in: a master coupon's id for an
// allocation, "coupon/sub-coupon" for a recovery. Without a choice the ids posted as such
// (the form before the picker, scripts) stand.
func applyCouponPick(c *gin.Context, in *approval.Input) {
	pick := trimmed(c, "coupon_pick")
	if pick == "" {
		return
	}
	in.CouponID, in.SubCouponID, _ = strings.Cut(pick, "/")
}

// couponValue is what the coupon picker posts for a coupon.
func couponValue(couponID, subCouponID string) string {
	if subCouponID == "" {
		return couponID
	}
	return couponID + "/" + subCouponID
}

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
