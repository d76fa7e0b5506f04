package bss

import (
	"context"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"github.com/purser-finance/purser/internal/money"
)

func couponLimits(in *[]model.ICouponUseLimitInfoV2) []CouponLimit {
	if in == nil {
		return nil
	}
	out := make([]CouponLimit, 0, len(*in))
	for _, l := range *in {
		out = append(out, CouponLimit{ID: str(l.UseLimitiInfoId), Key: str(l.LimitKey), Value1: str(l.Value1), Value2: str(l.Value2),
			ValueUnit: str(l.ValueUnit), LimitType: str(l.LimitType), PromotionPlanID: str(l.PromotionPlanId)})
	}
	return out
}

// TransferableCoupons lists the master's coupons that can be allocated to sub-accounts.
func (c *Client) TransferableCoupons(ctx context.Context, p Page) (CouponPage, error) {
	var out CouponPage
	err := c.call(ctx, opListTransferCoupons, kindRead, func(ctx context.Context) error {
		resp, err := c.sdk(ctx, reads("total_count", "avail_transfer_coupons")).ListMultiAccountTransferCoupons(&model.ListMultiAccountTransferCouponsRequest{
			Offset: ptr(int32(p.Offset)), Limit: optInt(p.Limit)})
		if err != nil {
			return err
		}
		var bad error
		out = CouponPage{Total: num(resp.TotalCount)}
		if resp.AvailTransferCoupons != nil {
			for _, cp := range *resp.AvailTransferCoupons {
				out.Items = append(out.Items, Coupon{ID: CouponID(str(cp.CouponId)), PlanName: str(cp.PlanName), Balance: amountText(cp.Balance, &bad),
					Effective: timeOf(cp.EffectiveTime), Expire: timeOf(cp.ExpireTime), UseLimits: couponLimits(cp.UseLimits)})
			}
		}
		return badAnswer(bad)
	})
	return out, err
}

// RecoverableCoupons lists the sub-coupons a sub-account holds that the master can take back.
func (c *Client) RecoverableCoupons(ctx context.Context, sub SubAccountID, p Page) (CouponPage, error) {
	var out CouponPage
	err := c.call(ctx, opListRetrieveCoupons, kindRead, func(ctx context.Context) error {
		resp, err := c.sdk(ctx, reads("total_count", "avail_retrieve_coupons")).ListMultiAccountRetrieveCoupons(&model.ListMultiAccountRetrieveCouponsRequest{
			SubCustomerId: string(sub), Offset: ptr(int32(p.Offset)), Limit: optInt(p.Limit)})
		if err != nil {
			return err
		}
		var bad error
		out = CouponPage{Total: num(resp.TotalCount)}
		if resp.AvailRetrieveCoupons != nil {
			for _, cp := range *resp.AvailRetrieveCoupons {
				out.Items = append(out.Items, Coupon{ID: CouponID(str(cp.CouponId)), SubCouponID: SubCouponID(str(cp.SubCouponId)), PlanName: str(cp.PlanName),
					Balance: amountText(cp.Balance, &bad), Effective: timeOf(cp.EffectiveTime), Expire: timeOf(cp.ExpireTime), UseLimits: couponLimits(cp.UseLimits)})
			}
		}
		return badAnswer(bad)
	})
	return out, err
}

// AllocateCoupon moves part of a coupon to a sub-account; the answer names the new sub-coupon.
func (c *Client) AllocateCoupon(ctx context.Context, a CouponAllocation) (SubCouponID, error) {
	var out SubCouponID
	err := c.call(ctx, opClaimCoupon, kindMove, func(ctx context.Context) error {
		resp, err := c.sdk(ctx, writes("sub_coupon_id")).ClaimEnterpriseMultiAccountCoupon(&model.ClaimEnterpriseMultiAccountCouponRequest{Body: &model.TransferEnterpriseMultiAccountCouponReq{
			CustomerId: string(a.SubAccountID), CouponId: string(a.CouponID), Amount: wireAmount(a.Amount), TransId: ptr(a.TransID)}})
		if err != nil {
			return err
		}
		out = SubCouponID(str(resp.SubCouponId))
		return nil
	})
	return out, err
}

// RecoverCoupon takes a sub-coupon back and returns the amount actually recovered.
func (c *Client) RecoverCoupon(ctx context.Context, r CouponRecovery) (money.Amount, error) {
	var out money.Amount
	err := c.call(ctx, opReclaimCoupon, kindMove, func(ctx context.Context) error {
		resp, err := c.sdk(ctx, writes("real_retrieve_amout")).ReclaimEnterpriseMultiAccountCoupon(&model.ReclaimEnterpriseMultiAccountCouponRequest{Body: &model.RetrieveEnterpriseMultiAccountCouponReq{
			CustomerId: string(r.SubAccountID), CouponId: string(r.CouponID), SubCouponId: string(r.SubCouponID), TransId: ptr(r.TransID)}})
		if err != nil {
			return err
		}
		var bad error
		out = amountText(resp.RealRetrieveAmout, &bad)
		return badAnswer(bad)
	})
	return out, err
}
