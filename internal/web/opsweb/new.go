package opsweb

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
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
