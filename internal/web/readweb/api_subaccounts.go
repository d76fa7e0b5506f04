package readweb

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// apiSubAccounts is GET /api/v1/sub-accounts.
func (a *Area) apiSubAccounts(c *gin.Context) {
	f := store.SubAccountFilter{
		Q: webcore.QueryText(c, "q"), OrgID: strings.TrimSpace(c.Query("org_id")),
		Cursor: c.Query("cursor"), Sort: store.SortName, Limit: 50, MasterAccountID: webcore.MasterParam(c),
		HiddenMasters: a.masters.Hidden(c.Request.Context()),
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			a.core.Fail(c, badRequest("api.bad_limit"))
			return
		}
		f.Limit = n
	}
	if v := c.Query("status"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || !slices.Contains(subAccountStatuses, n) {
			a.core.Fail(c, badRequest("api.bad_status"))
			return
		}
		f.Status = n
	}
	if v := c.Query("runway_below"); v != "" {
		if f.RunwayBelow = runwayBelowParam(v); f.RunwayBelow == 0 {
			a.core.Fail(c, badRequest("api.bad_runway_below"))
			return
		}
	}
	if v := c.Query("sort"); v != "" {
		if !slices.Contains(subAccountSorts, v) {
			a.core.Fail(c, badRequest("api.bad_sort"))
			return
		}
		f.Sort = v
	}
	page, err := a.read.ListSubAccounts(c.Request.Context(), a.core.Scope(c), f)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	items := make([]apiSubAccount, 0, len(page.Items))
	for _, sa := range page.Items {
		items = append(items, toAPISubAccount(sa))
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": page.NextCursor, "total": page.Total})
}

// apiSubAccount is GET /api/v1/sub-accounts/:id, with its coupons and resources.
func (a *Area) apiSubAccount(c *gin.Context) {
	sa, err := a.scopedSubAccount(c, c.Param("id"))
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	out := apiSubAccountDetail{apiSubAccount: toAPISubAccount(*sa)}
	held, err := a.read.Holdings(c.Request.Context(), a.core.Scope(c), sa.ID, 500)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	out.Coupons = []apiCoupon{}
	for _, cp := range held.Coupons {
		out.Coupons = append(out.Coupons, apiCoupon{CouponID: cp.CouponID, SubCouponID: cp.SubCouponID, PlanName: cp.PlanName,
			Balance: apiAmount(cp.Balance), Effective: rfc3339(cp.Effective), Expire: rfc3339(cp.Expire)})
	}
	out.Resources = []apiResource{}
	for _, r := range held.Resources {
		out.Resources = append(out.Resources, apiResource{ID: r.ResourceID, Name: r.Name, Region: r.Region, ServiceType: r.ServiceType,
			ResourceType: r.ResourceType, Status: r.Status, Expire: rfc3339(r.Expire), ExpirePolicy: r.ExpirePolicy})
	}
	c.JSON(http.StatusOK, out)
}
