package execute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// observation is what the executor saw upstream just before the first call of a money
// movement, under the master's movement lock.
type observation struct {
	Available  string   `json:"available,omitempty"`   // funds: the sub-account's recoverable amount of the ledger
	SubCoupons []string `json:"sub_coupons,omitempty"` // coupons: the sub-account's sub-coupons of the coupon
}

func (e *Executor) available(ctx context.Context, p approval.Params) (money.Amount, error) {
	bt := balanceType(p.BalanceType)
	want := expireOf(p)
	for off := 0; ; off += bss.MaxPageLimit {
		page, err := e.up.RecoverableAmounts(ctx, bss.SubAccountID(p.SubAccountID), bt, bss.Page{Offset: off, Limit: bss.MaxPageLimit})
		if err != nil {
			return money.Amount{}, err
		}
		for _, it := range page.Items {
			if bt == bss.BalanceDebit || it.ExpireTime.Equal(want) {
				return it.Available, nil
			}
		}
		if bt == bss.BalanceDebit || off+len(page.Items) >= page.Total || len(page.Items) == 0 {
			return money.Zero(money.DefaultCurrency), nil // no such ledger yet: nothing recoverable
		}
	}
}

func (e *Executor) subCoupons(ctx context.Context, p approval.Params) (map[string]money.Amount, error) {
	out := map[string]money.Amount{}
	for off := 0; ; off += bss.MaxPageLimit {
		page, err := e.up.RecoverableCoupons(ctx, bss.SubAccountID(p.SubAccountID), bss.Page{Offset: off, Limit: bss.MaxPageLimit})
		if err != nil {
			return nil, err
		}
		for _, c := range page.Items {
			if string(c.ID) == p.CouponID {
				out[string(c.SubCouponID)] = c.Balance
			}
		}
		if off+len(page.Items) >= page.Total || len(page.Items) == 0 {
			return out, nil
		}
	}
}

func (e *Executor) observe(ctx context.Context, op *approval.Operation) (observation, error) {
	switch op.Kind {
	case approval.KindTransferFunds, approval.KindRetrieveFunds:
		a, err := e.available(ctx, op.Params)
		return observation{Available: a.String()}, err
	default:
		cs, err := e.subCoupons(ctx, op.Params)
		obs := observation{SubCoupons: []string{}}
		for id := range cs {
			obs.SubCoupons = append(obs.SubCoupons, id)
		}
		slices.Sort(obs.SubCoupons)
		return obs, err
	}
}

// errUnconfirmed says why an uncertain movement could not be confirmed.
var errUnconfirmed = errors.New("not confirmed")

// confirm decides whether an earlier attempt of r (answered CBC.99007009 on a retry) was
// applied, from what the upstream shows now against the observation taken before the
// first call. The caller holds the movement lock. Movements of the same sub-account
// observed after r (executed after it) are accounted for when they are settled; if one is
// still uncertain, r cannot be confirmed yet.
func (e *Executor) confirm(ctx context.Context, r *store.Operation, op *approval.Operation) (bool, error) {
	if r.ObservedBefore == "" || r.ObservedAt == nil {
		return false, fmt.Errorf("%w: no observation before the first call", errUnconfirmed)
	}
	var before observation
	if err := json.Unmarshal([]byte(r.ObservedBefore), &before); err != nil {
		return false, err
	}
	if !op.Kind.MovesMoney() {
		return false, errUnconfirmed
	}
	kinds := movementKinds(op.Kind)
	others, err := e.db.MovementsAfter(ctx, r.ID, r.SubAccountID, kinds, *r.ObservedAt)
	if err != nil {
		return false, err
	}
	var later []approval.Operation
	for _, o := range others {
		switch approval.State(o.State) {
		case approval.StateExecuting, approval.StateUnknown:
			return false, fmt.Errorf("%w: operation %d on the same sub-account is still uncertain", errUnconfirmed, o.ID)
		case approval.StateSucceeded:
			later = append(later, approval.OperationFromRow(o, nil))
		}
	}
	switch op.Kind {
	case approval.KindTransferFunds, approval.KindRetrieveFunds:
		b, err := money.FromUpstream(before.Available, money.DefaultCurrency)
		if err != nil {
			return false, err
		}
		expected := b
		apply := func(o approval.Operation) {
			if o.Params.BalanceType != op.Params.BalanceType || o.Params.ExpireTime != op.Params.ExpireTime || o.Amount == nil {
				return
			}
			if o.Kind == approval.KindTransferFunds {
				expected = expected.Add(*o.Amount)
			} else {
				expected = expected.Sub(*o.Amount)
			}
		}
		apply(*op)
		for _, o := range later {
			apply(o)
		}
		now, err := e.available(ctx, op.Params)
		if err != nil {
			return false, err
		}
		if now.Cmp(expected) != 0 {
			return false, fmt.Errorf("%w: recoverable amount %s, expected %s if applied", errUnconfirmed, now, expected)
		}
		return true, nil
	case approval.KindTransferCoupon:
		cs, err := e.subCoupons(ctx, op.Params)
		if err != nil {
			return false, err
		}
		newOnes := 0
		match := false
		for id, bal := range cs {
			if !slices.Contains(before.SubCoupons, id) {
				newOnes++
				match = match || (op.Amount != nil && bal.Cmp(*op.Amount) == 0)
			}
		}
		laterAlloc := 0
		for _, o := range later {
			if o.Kind == approval.KindTransferCoupon && o.Params.CouponID == op.Params.CouponID {
				laterAlloc++
			}
		}
		if newOnes == laterAlloc+1 && match {
			return true, nil
		}
		return false, fmt.Errorf("%w: %d new sub-coupons, %d expected", errUnconfirmed, newOnes, laterAlloc+1)
	default: // retrieve coupon
		cs, err := e.subCoupons(ctx, op.Params)
		if err != nil {
			return false, err
		}
		_, still := cs[op.Params.SubCouponID]
		if slices.Contains(before.SubCoupons, op.Params.SubCouponID) && !still {
			return true, nil
		}
		return false, fmt.Errorf("%w: sub-coupon still held", errUnconfirmed)
	}
}

// Reconcile goes over unknown operations: money movements and idempotent resource
// settings are resent with the same trans_id (or the same settings); CBC.99007009 is
// settled only with confirmation. What it cannot settle stays unknown for an admin. It
// returns how many it settled.
func (e *Executor) Reconcile(ctx context.Context) (int, error) {
	ids, err := e.db.OperationIDsInState(ctx, []string{string(approval.StateUnknown)}, timeZero, 200)
	if err != nil {
		return 0, err
	}
	settled := 0
	for _, id := range ids {
		ok, err := e.reconcileOne(ctx, id)
		if err != nil {
			e.log.Warn("reconcile: operation", "operation_id", id, "error", err)
			continue
		}
		if ok {
			settled++
		}
	}
	return settled, nil
}

func (e *Executor) reconcileOne(ctx context.Context, id int64) (bool, error) {
	r, err := e.db.OperationByID(ctx, id)
	if err != nil {
		return false, err
	}
	if r.State != string(approval.StateUnknown) {
		return false, nil
	}
	e, _, err = e.forOperation(ctx, r)
	if err != nil {
		return false, err // stays unknown until its master (or sub-account credential) is back
	}
	op := approval.OperationFromRow(*r, nil)
	if approval.SnapshotHash(r.Kind, r.MasterAccountID, r.TransID, r.Params) != r.ApprovedHash {
		return false, nil // never resend something that is not what was approved
	}
	switch op.Kind {
	case approval.KindRenewResources, approval.KindUnsubscribeResources:
		return false, nil // not de-duplicated upstream: an admin settles these
	}
	if op.Kind.MovesMoney() {
		unlock, err := e.db.LockMovements(ctx, r.MasterAccountID, e.opts.Holder, e.opts.LockLease)
		if err != nil {
			return false, err
		}
		defer unlock()
	}
	if _, err := e.db.CountReconcileAttempt(ctx, id, r.Attempts+1); err != nil {
		return false, err
	}
	r.Attempts++
	resp, err := e.call(ctx, &op)
	switch {
	case err == nil:
		return true, e.settle(ctx, r, approval.StateUnknown, approval.StateSucceeded, resp, nil, "reconcile")
	case errors.Is(err, bss.ErrDuplicateTransID):
		ok, cerr := e.confirm(ctx, r, &op)
		if !ok {
			return false, cerr
		}
		return true, e.settle(ctx, r, approval.StateUnknown, approval.StateSucceeded,
			map[string]any{"confirmed": "CBC.99007009 with matching balances"}, nil, "reconcile")
	}
	retry, unknown := classify(err)
	if retry || unknown {
		return false, nil
	}
	return true, e.settle(ctx, r, approval.StateUnknown, approval.StateFailed, failuresOf(err), upstreamError(err), "reconcile")
}

var timeZero time.Time
