package readweb

import (
	"net/url"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// Rows as the lists, the sub-account page and the dashboard show them. The billing lists
// (coupons, stored-value cards, resources, resource packages and the catalogues) all read
// the cache, page by keyset both ways and keep their filters in the URL so that exports
// and bookmarks see the same rows.

// holderName names the holder of a listed object: the master (id ""), a sub-account of
// h with a link to it, or else its id.
func holderName(tr *i18n.Translator, id string, h map[string]*store.SubAccount) (name, href string) {
	if id == "" {
		return tr.T("read.master"), ""
	}
	if sa := h[id]; sa != nil {
		n := sa.DisplayName
		if n == "" {
			n = sa.Name
		}
		return n, "/sub-accounts/" + url.PathEscape(id)
	}
	return id, ""
}

func couponRow(tr *i18n.Translator, cp store.Coupon, now time.Time, h map[string]*store.SubAccount) view.CouponRow {
	name, href := holderName(tr, cp.SubAccountID, h)
	return view.CouponRow{
		Key:      cp.SubAccountID + "/" + cp.CouponID + "/" + cp.SubCouponID,
		CouponID: cp.CouponID, SubCouponID: cp.SubCouponID, Holder: name, HolderHref: href, Plan: cp.PlanName,
		Balance: cp.Balance.Format(), Effective: webcore.FormatDate(cp.Effective), Expire: webcore.FormatDate(cp.Expire),
		ExpireSoon: expiresSoon(cp.Expire, now),
	}
}

func resourceRow(tr *i18n.Translator, r store.Resource, now time.Time, h map[string]*store.SubAccount) view.ResourceRow {
	acct, href := holderName(tr, r.AccountID, h)
	if h != nil && h[r.AccountID] == nil {
		acct = tr.T("read.master") // not a sub-account: the master's own resource
	}
	svc := r.ServiceTypeName
	if svc == "" {
		svc = r.ServiceType
	}
	typ := r.ResourceTypeName
	if typ == "" {
		typ = r.ResourceType
	}
	row := view.ResourceRow{
		Key: r.AccountID + "/" + r.ResourceID,
		ID:  r.ResourceID, Name: r.Name, Account: acct, AccountHref: href, Region: r.Region, Service: svc, Type: typ,
		Spec: r.SpecDesc, Effective: webcore.FormatDate(r.Effective), Expire: webcore.FormatDate(r.Expire),
		Policy: expirePolicy(tr, r.ExpirePolicy), Status: resourceStatus(tr, r.Status),
		ExpireSoon: expiresSoon(r.Expire, now),
	}
	if r.Expire != nil {
		days := int(r.Expire.Sub(now).Hours() / 24)
		switch {
		case r.Expire.Before(now):
			row.ExpiresIn = tr.T("res.expired_ago", map[string]any{"Days": -days})
		default:
			row.ExpiresIn = tr.T("res.expires_in", map[string]any{"Days": days})
		}
	}
	return row
}

// usedPct is used/total as a whole percentage in 0–100.
func usedPct(used, total decimal.Decimal) int {
	if !total.IsPositive() {
		return 0
	}
	p := used.Mul(decimal.NewFromInt(100)).Div(total).Round(0).IntPart()
	return int(min(max(p, 0), 100))
}
