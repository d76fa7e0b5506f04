package execute

import (
	"context"
	"fmt"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/money"
)

func balanceType(bt string) bss.BalanceType {
	if bt == approval.BalanceCredit {
		return bss.BalanceCredit
	}
	return bss.BalanceDebit
}

func expireOf(p approval.Params) time.Time {
	if p.ExpireTime == "" {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339, p.ExpireTime)
	return t
}

// call sends the snapshot upstream, exactly as approved.
func (e *Executor) call(ctx context.Context, op *approval.Operation) (any, error) {
	p := op.Params
	amount := func() (money.Amount, error) { return money.Parse(p.Amount, money.DefaultCurrency) }
	ids := make([]bss.ResourceID, len(p.ResourceIDs))
	for i, id := range p.ResourceIDs {
		ids[i] = bss.ResourceID(id)
	}
	switch op.Kind {
	case approval.KindTransferFunds, approval.KindRetrieveFunds:
		a, err := amount()
		if err != nil {
			return nil, err
		}
		m := bss.Movement{SubAccountID: bss.SubAccountID(p.SubAccountID), Amount: a, TransID: op.TransID,
			BalanceType: balanceType(p.BalanceType), ExpireTime: expireOf(p)}
		if op.Kind == approval.KindTransferFunds {
			return nil, e.up.Transfer(ctx, m)
		}
		return nil, e.up.Recover(ctx, m)
	case approval.KindTransferCoupon:
		a, err := amount()
		if err != nil {
			return nil, err
		}
		sc, err := e.up.AllocateCoupon(ctx, bss.CouponAllocation{SubAccountID: bss.SubAccountID(p.SubAccountID),
			CouponID: bss.CouponID(p.CouponID), Amount: a, TransID: op.TransID})
		return map[string]any{"sub_coupon_id": sc}, err
	case approval.KindRetrieveCoupon:
		got, err := e.up.RecoverCoupon(ctx, bss.CouponRecovery{SubAccountID: bss.SubAccountID(p.SubAccountID),
			CouponID: bss.CouponID(p.CouponID), SubCouponID: bss.SubCouponID(p.SubCouponID), TransID: op.TransID})
		return map[string]any{"recovered": got.String()}, err
	case approval.KindRenewResources:
		pt := bss.PeriodMonth
		if p.PeriodType == "year" {
			pt = bss.PeriodYear
		}
		res, err := e.up.Renew(ctx, bss.RenewRequest{ResourceIDs: ids, PeriodType: pt, PeriodNum: p.PeriodNum, AutoPay: p.AutoPay})
		return res, err
	case approval.KindUnsubscribeResources:
		res, err := e.up.Unsubscribe(ctx, bss.UnsubscribeRequest{ResourceIDs: ids, Type: bss.UnsubscribeType(p.UnsubType),
			ReasonType: p.UnsubReason, Reason: op.Reason})
		return res, err
	case approval.KindToOnDemand:
		o := bss.ToOnDemandSet
		if p.Operation == approval.OpCancel {
			o = bss.ToOnDemandCancel
		}
		fails, err := e.up.ToOnDemand(ctx, bss.ToOnDemandRequest{Operation: o, ResourceIDs: ids})
		return map[string]any{"failures": fails}, err
	case approval.KindAutoRenew:
		for _, id := range ids {
			var err error
			if p.Operation == approval.OpCancel {
				err = e.up.CancelAutoRenew(ctx, id)
			} else {
				period := map[string]string{"month": "MONTH", "year": "YEAR"}[p.PeriodType]
				err = e.up.SetAutoRenew(ctx, bss.AutoRenewRequest{ResourceID: id, Times: p.AutoRenewTimes, PeriodType: period})
			}
			if err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	return nil, fmt.Errorf("execute: unknown kind %q", op.Kind)
}
