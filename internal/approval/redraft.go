package approval

import (
	"context"
	"errors"
)

// Redraftable tells whether an operation in state st can be drafted again: it ended
// without moving anything (failed, rejected, expired or cancelled). A succeeded or
// unknown operation is not offered, since repeating it could pay twice.
func Redraftable(st State) bool {
	switch st {
	case StateFailed, StateRejected, StateExpired, StateCancelled:
		return true
	}
	return false
}

// DraftAgain is the request behind operation id as it was made, for a new draft that
// the actor checks and submits as usual: nothing is created here, and the new draft is
// validated, priced and funds-checked afresh. The source must be visible to the actor
// (else ErrNotFound) and Redraftable (else ErrWrongState).
func (s *Service) DraftAgain(ctx context.Context, a Actor, id int64) (Input, error) {
	op, err := s.Get(ctx, a, id)
	if err != nil {
		return Input{}, err
	}
	if !Redraftable(op.State) {
		return Input{}, ErrWrongState
	}
	p := op.Params
	return Input{Kind: op.Kind, SubAccountID: p.SubAccountID, Amount: p.Amount, BalanceType: p.BalanceType,
		ExpireTime: p.ExpireTime, CouponID: p.CouponID, SubCouponID: p.SubCouponID, ResourceIDs: p.ResourceIDs,
		PeriodType: p.PeriodType, PeriodNum: p.PeriodNum, AutoPay: p.AutoPay, UnsubscribeType: p.UnsubType,
		UnsubscribeReasonType: p.UnsubReason, Operation: p.Operation, AutoRenewTimes: p.AutoRenewTimes,
		Reason: op.Reason, DraftedFrom: op.ID}, nil
}

// checkDraftedFrom refuses a claimed source the actor could not have drafted again from:
// the link lands in the audit trail, so it must be true.
func (s *Service) checkDraftedFrom(ctx context.Context, a Actor, id int64, ve *ValidationError) error {
	if id == 0 {
		return nil
	}
	src, err := s.Get(ctx, a, id)
	switch {
	case errors.Is(err, ErrNotFound) || id < 0:
		ve.add("drafted_from", "op.err.drafted_from", nil)
	case err != nil:
		return err
	case !Redraftable(src.State):
		ve.add("drafted_from", "op.err.drafted_from", nil)
	}
	return nil
}
