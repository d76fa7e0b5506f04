package execute

import (
	"context"
	"errors"
	"fmt"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/store"
)

// A money movement's turn: the master's movement lock, and no other movement of the same
// sub-account in flight. Execute waits for both before it claims an operation, so that
// waiting is a snooze of the job and never an attempt.

// errOtherInFlight: another movement on the same sub-account may still be in flight.
var errOtherInFlight = errors.New("execute: another movement on this sub-account may still be in flight")

// executable: the states Execute acts on (a first run, or a run that died after its claim).
func executable(r *store.Operation) bool {
	return r.State == string(approval.StateApproved) || r.State == string(approval.StateExecuting)
}

// waitTurn takes the movement lock of the operation's master, waiting at most LockWait
// (the job's timeout must leave time for the attempt after it); a wait that runs out, or
// fails, is ErrRetryLater: the job snoozes and nothing about the operation changes.
func (e *Executor) waitTurn(ctx context.Context, r *store.Operation) (func(), error) {
	lctx, cancel := context.WithTimeout(ctx, e.opts.LockWait)
	defer cancel()
	unlock, err := e.db.LockMovements(lctx, r.MasterAccountID, e.opts.Holder, e.opts.LockLease)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err // the job itself is stopping or timed out
		}
		return nil, fmt.Errorf("%w: waiting for the movement lock of %s: %w", ErrRetryLater, r.MasterAccountID, err)
	}
	return unlock, nil
}

// inFlightCheck, under the movement lock, before a movement observes its starting balances:
// the lock is released when its holder dies, possibly during its call, which the upstream
// may still apply a moment later. Observing now would miss that effect and make a later
// confirmation of this operation impossible, so it waits (ErrRetryLater, a snooze) until
// the other movement on this sub-account is settled (its job is rescued and resumed).
func (e *Executor) inFlightCheck(ctx context.Context, r *store.Operation) error {
	if !executable(r) || r.ObservedBefore != "" {
		return nil
	}
	busy, err := e.db.MovementInFlight(ctx, r.ID, r.SubAccountID, movementKinds(approval.Kind(r.Kind)))
	if err != nil {
		return err
	}
	if busy {
		e.log.Debug("execute: waiting for another movement of the sub-account", "operation_id", r.ID, "sub_account_id", r.SubAccountID)
		return fmt.Errorf("%w: %w", ErrRetryLater, errOtherInFlight)
	}
	return nil
}

// movementKinds are the kinds whose effects share a balance with kind (see confirm).
func movementKinds(kind approval.Kind) []string {
	if kind == approval.KindTransferCoupon || kind == approval.KindRetrieveCoupon {
		return []string{string(approval.KindTransferCoupon), string(approval.KindRetrieveCoupon)}
	}
	return []string{string(approval.KindTransferFunds), string(approval.KindRetrieveFunds)}
}
