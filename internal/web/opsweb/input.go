package opsweb

import (
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
)

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

// postedValues are a posted draft's values, for the form shown again.
func postedValues(c *gin.Context, in approval.Input) formValues {
	return func(name string) string {
		if name == "resource_ids" {
			return strings.Join(in.ResourceIDs, "\n")
		}
		return strings.TrimSpace(c.PostForm(name))
	}
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
