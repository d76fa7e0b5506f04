package readweb

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// The coupon list, GET /coupons.

func (a *Area) couponFilter(c *gin.Context) (store.CouponFilter, string) {
	f := store.CouponFilter{Q: webcore.QueryText(c, "q"), MasterAccountID: webcore.MasterParam(c), HiddenMasters: a.masters.Hidden(c.Request.Context())}
	holder := c.Query("holder")
	switch holder {
	case "", "all":
		holder = "all"
		f.AllHolders = true
	case "master":
	default:
		f.SubAccountID = holder
	}
	return f, holder
}

func (a *Area) couponList(c *gin.Context) {
	tr := a.core.Translator(c)
	ctx := c.Request.Context()
	f, holder := a.couponFilter(c)
	if f.SubAccountID != "" {
		if _, err := a.scopedSubAccount(c, f.SubAccountID); err != nil {
			a.core.Fail(c, err)
			return
		}
	}
	f.Cursor, f.Limit = c.Query("cursor"), webcore.ListPageSize
	res, err := a.read.Coupons(ctx, a.core.Scope(c), f)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	h := res.Holders
	q := url.Values{}
	setIf(q, "q", f.Q)
	setIf(q, "master", f.MasterAccountID)
	if holder != "all" {
		q.Set("holder", holder)
	}
	v := view.CouponList{
		Q: f.Q, Holder: holder, Total: webcore.FormatInt(res.Total),
		Holders: []view.Option{
			{Value: "all", Label: tr.T("coupon.holder_all"), Selected: holder == "all"},
			{Value: "master", Label: tr.T("coupon.holder_master"), Selected: holder == "master"},
		},
		Pager:   keysetPager(tr, "/coupons", q, res.Page),
		Exports: a.exportLinks(c, "/coupons/export", q),
		AsOf:    a.asOf(c, a.syncRuns(c), []string{"coupons"}, nil, ""),
		Masters: a.masters.Options(c, f.MasterAccountID),
	}
	if f.SubAccountID != "" {
		name, _ := holderName(tr, f.SubAccountID, h)
		v.Holders = append(v.Holders, view.Option{Value: f.SubAccountID, Label: name, Selected: true})
	}
	now := a.now()
	for _, r := range res.Items {
		v.Rows = append(v.Rows, couponRow(tr, r, now, h))
	}
	a.core.Render(c, http.StatusOK, pages.Coupons(a.core.Page(c, "nav.coupons"), v))
}
