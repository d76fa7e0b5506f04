package store

import (
	"context"
	"fmt"
	"maps"
	"time"

	"gorm.io/gorm"
)

// The transitions of an operation (ARCHITECTURE.md state machine), one method each:
//
//	draft|pending ─MarkCancelled─> cancelled
//	pending ─MarkApproved─> approved ─MarkExecuting─> executing ─MarkSucceeded─> succeeded
//	pending ─MarkRejected─> rejected   executing ─MarkFailed─> failed
//	pending ─MarkExpired─> expired     executing ─MarkUnknown─> unknown
//	approved ─MarkFailedUnexecuted─> failed (the snapshot gate refused it)
//	executing ─MarkRequeued─> approved (nothing was applied; the job runs again)
//	unknown ─MarkReconciled / MarkResolved─> succeeded|failed
//
// Each is one conditional UPDATE … WHERE id = ? AND state IN (its own from-states), and
// that condition is the lock: zero rows affected means another approver, worker, expiry
// or reconciler got there first, so an operation never moves twice. ok reports whether
// this call made the change; the caller decides what a lost race means (usually
// ErrWrongState, or nothing for a worker).

// Operation states as stored (approval.State holds the same values).
const (
	stateDraft     = "draft"
	statePending   = "pending"
	stateApproved  = "approved"
	stateExecuting = "executing"
	stateSucceeded = "succeeded"
	stateFailed    = "failed"
	stateUnknown   = "unknown"
	stateRejected  = "rejected"
	stateCancelled = "cancelled"
	stateExpired   = "expired"
)

// transition moves operation id from one of from to to, setting set's columns in the same
// statement.
func (db *DB) transition(ctx context.Context, id int64, from []string, to string, at time.Time, set map[string]any) (bool, error) {
	res := db.gorm.WithContext(ctx).Model(&Operation{}).Where("id = ? AND state IN ?", id, from).Updates(moveColumns(to, at, set))
	if res.Error != nil {
		return false, translate("transition operation", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// moveColumns is the SET of a move to state to at at, with set's columns besides.
func moveColumns(to string, at time.Time, set map[string]any) map[string]any {
	cols := map[string]any{"state": to, "updated_at": utc(at)}
	maps.Copy(cols, set)
	return cols
}

// updateWhile sets columns of an operation only while it is in state, without moving it.
func (db *DB) updateWhile(ctx context.Context, id int64, state string, set map[string]any) (bool, error) {
	res := db.gorm.WithContext(ctx).Model(&Operation{}).Where("id = ? AND state = ?", id, state).Updates(set)
	if res.Error != nil {
		return false, translate("update operation", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// LockPendingOperation touches a pending operation (updated_at) so that its row stays
// locked until the end of the transaction: the approvals of one operation serialise on it,
// and each sees every earlier approval when it counts them. false: no longer pending.
func (db *DB) LockPendingOperation(ctx context.Context, id int64, at time.Time) (bool, error) {
	return db.updateWhile(ctx, id, statePending, map[string]any{"updated_at": utc(at)})
}

// MarkApproved moves a pending operation to approved, binding hash as the snapshot that
// may execute (approved_hash): the executor refuses to run anything else.
func (db *DB) MarkApproved(ctx context.Context, id int64, hash string, at time.Time) (bool, error) {
	return db.transition(ctx, id, []string{statePending}, stateApproved, at, map[string]any{"approved_hash": hash})
}

// MarkRejected ends a pending operation as rejected by an approver.
func (db *DB) MarkRejected(ctx context.Context, id int64, at time.Time) (bool, error) {
	return db.transition(ctx, id, []string{statePending}, stateRejected, at, map[string]any{"finished_at": utc(at)})
}

// MarkCancelled ends a draft or pending operation as cancelled by its requester: once
// approved it is the executor's, and can no longer be withdrawn.
func (db *DB) MarkCancelled(ctx context.Context, id int64, at time.Time) (bool, error) {
	return db.transition(ctx, id, []string{stateDraft, statePending}, stateCancelled, at, map[string]any{"finished_at": utc(at)})
}

// MarkExpired ends a pending operation nobody decided on in time.
func (db *DB) MarkExpired(ctx context.Context, id int64, at time.Time) (bool, error) {
	return db.transition(ctx, id, []string{statePending}, stateExpired, at, map[string]any{"finished_at": utc(at)})
}

// MarkExecuting claims an approved operation for one worker, counting the attempt: of two
// workers given the same job, exactly one moves it and calls the upstream.
func (db *DB) MarkExecuting(ctx context.Context, id int64, attempt int, at time.Time) (bool, error) {
	return db.transition(ctx, id, []string{stateApproved}, stateExecuting, at,
		map[string]any{"attempts": attempt, "executed_at": utc(at)})
}

// MarkRequeued gives an executing operation whose attempt applied nothing (throttled,
// another movement in progress) back to approved, for the job's next run.
func (db *DB) MarkRequeued(ctx context.Context, id int64, at time.Time) (bool, error) {
	return db.transition(ctx, id, []string{stateExecuting}, stateApproved, at, nil)
}

// CountResumedAttempt records attempt on an operation a new run resumes while it is still
// executing (its previous worker died after claiming it).
func (db *DB) CountResumedAttempt(ctx context.Context, id int64, attempt int) (bool, error) {
	return db.updateWhile(ctx, id, stateExecuting, map[string]any{"attempts": attempt})
}

// CountReconcileAttempt records attempt on an unknown operation the reconciler re-sends.
func (db *DB) CountReconcileAttempt(ctx context.Context, id int64, attempt int) (bool, error) {
	return db.updateWhile(ctx, id, stateUnknown, map[string]any{"attempts": attempt})
}

// RecordObservation stores, on an executing money movement, the balances observed just
// before its first upstream call (JSON), and when: what a later confirmation compares with.
func (db *DB) RecordObservation(ctx context.Context, id int64, before string, at time.Time) (bool, error) {
	return db.updateWhile(ctx, id, stateExecuting, map[string]any{"observed_before": before, "observed_at": utc(at)})
}

// UpstreamFailure is the upstream's answer to an execution, as stored on the operation.
type UpstreamFailure struct {
	Code, Message, RequestID, Kind string
}

// Settlement is what the end of an execution stores besides the state.
type Settlement struct {
	// Response is the upstream's result as JSON; "" leaves the stored one as it is.
	Response string
	// Error is the upstream's answer; nil leaves the stored one, except that a success
	// clears it.
	Error *UpstreamFailure
}

func (s Settlement) columns(to string, at time.Time) map[string]any {
	set := map[string]any{}
	if to != stateUnknown {
		set["finished_at"] = utc(at)
	}
	if s.Response != "" {
		set["response"] = s.Response
	}
	switch {
	case s.Error != nil:
		set["error_code"], set["error_message"], set["error_request_id"], set["error_kind"] = s.Error.Code, s.Error.Message, s.Error.RequestID, s.Error.Kind
	case to == stateSucceeded:
		set["error_code"], set["error_message"], set["error_request_id"], set["error_kind"] = "", "", "", ""
	}
	return set
}

func (db *DB) settle(ctx context.Context, id int64, from, to string, s Settlement, at time.Time) (bool, error) {
	return db.transition(ctx, id, []string{from}, to, at, s.columns(to, at))
}

// MarkSucceeded ends an executing operation the upstream applied.
func (db *DB) MarkSucceeded(ctx context.Context, id int64, s Settlement, at time.Time) (bool, error) {
	return db.settle(ctx, id, stateExecuting, stateSucceeded, s, at)
}

// MarkFailed ends an executing operation the upstream definitely refused (or that could not
// be sent at all on its first attempt).
func (db *DB) MarkFailed(ctx context.Context, id int64, s Settlement, at time.Time) (bool, error) {
	return db.settle(ctx, id, stateExecuting, stateFailed, s, at)
}

// MarkUnknown leaves an executing operation whose outcome nobody can tell (a timeout, a
// lost answer) for the reconciler or an admin. It is not finished.
func (db *DB) MarkUnknown(ctx context.Context, id int64, s Settlement, at time.Time) (bool, error) {
	return db.settle(ctx, id, stateExecuting, stateUnknown, s, at)
}

// MarkFailedUnexecuted ends an approved operation that the executor's final gate refused
// before any call (its snapshot is not the one approved).
func (db *DB) MarkFailedUnexecuted(ctx context.Context, id int64, s Settlement, at time.Time) (bool, error) {
	return db.settle(ctx, id, stateApproved, stateFailed, s, at)
}

// MarkReconciled settles an unknown operation the reconciler confirmed: succeeded, or
// failed when the re-sent call was definitely refused.
func (db *DB) MarkReconciled(ctx context.Context, id int64, succeeded bool, s Settlement, at time.Time) (bool, error) {
	return db.settle(ctx, id, stateUnknown, outcomeState(succeeded), s, at)
}

// MarkResolved settles an unknown operation by an admin's word, with the reason given
// (resolution): the outcome someone checked upstream by hand.
func (db *DB) MarkResolved(ctx context.Context, id int64, succeeded bool, resolution string, at time.Time) (bool, error) {
	return db.transition(ctx, id, []string{stateUnknown}, outcomeState(succeeded), at,
		map[string]any{"resolution": resolution, "finished_at": utc(at)})
}

func outcomeState(succeeded bool) string {
	if succeeded {
		return stateSucceeded
	}
	return stateFailed
}

// The transitions of a batch move the batch row and its pending operations together, in
// one transaction (joined when the caller is in one): the batch row's conditional UPDATE
// is the lock, so a batch is approved, rejected, cancelled or expired once.

// LockPendingBatch touches a pending batch (updated_at) so that its row stays locked until
// the end of the transaction: approvals of one batch serialise on it. false: not pending.
func (db *DB) LockPendingBatch(ctx context.Context, id int64, at time.Time) (bool, error) {
	return db.moveBatch(ctx, id, statePending, at)
}

// MarkBatchApproved moves a pending batch and its pending operations to approved, each
// operation bound to its own snapshot (approved_hash = snapshot_hash). It returns the
// operations moved, in line order; ok false (nothing moved) when the batch was not pending.
func (db *DB) MarkBatchApproved(ctx context.Context, batchID int64, at time.Time) (ids []int64, ok bool, err error) {
	return db.endBatch(ctx, batchID, stateApproved, at, map[string]any{"approved_hash": gorm.Expr("snapshot_hash")})
}

// MarkBatchRejected ends a pending batch and its pending operations as rejected.
func (db *DB) MarkBatchRejected(ctx context.Context, batchID int64, at time.Time) ([]int64, bool, error) {
	return db.endBatch(ctx, batchID, stateRejected, at, map[string]any{"finished_at": utc(at)})
}

// MarkBatchCancelled ends a pending batch and its pending operations as cancelled.
func (db *DB) MarkBatchCancelled(ctx context.Context, batchID int64, at time.Time) ([]int64, bool, error) {
	return db.endBatch(ctx, batchID, stateCancelled, at, map[string]any{"finished_at": utc(at)})
}

// MarkBatchExpired ends a pending batch and its pending operations as expired.
func (db *DB) MarkBatchExpired(ctx context.Context, batchID int64, at time.Time) ([]int64, bool, error) {
	return db.endBatch(ctx, batchID, stateExpired, at, map[string]any{"finished_at": utc(at)})
}

func (db *DB) moveBatch(ctx context.Context, id int64, to string, at time.Time) (bool, error) {
	res := db.gorm.WithContext(ctx).Model(&OperationBatch{}).Where("id = ? AND state = ?", id, statePending).
		Updates(map[string]any{"state": to, "updated_at": utc(at)})
	if res.Error != nil {
		return false, translate("transition batch", res.Error)
	}
	return res.RowsAffected == 1, nil
}

func (db *DB) endBatch(ctx context.Context, batchID int64, to string, at time.Time, set map[string]any) (ids []int64, ok bool, err error) {
	err = db.InTx(ctx, func(tx *DB) error {
		if ok, err = tx.moveBatch(ctx, batchID, to, at); err != nil || !ok {
			return err
		}
		ids, err = tx.moveBatchOperations(ctx, batchID, to, at, set)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return ids, ok, nil
}

// moveBatchOperations moves every pending operation of a batch to to, returning their ids.
func (db *DB) moveBatchOperations(ctx context.Context, batchID int64, to string, at time.Time, set map[string]any) ([]int64, error) {
	var ids []int64
	if err := db.gorm.WithContext(ctx).Model(&Operation{}).Where("batch_id = ? AND state = ?", batchID, statePending).
		Order("batch_line").Pluck("id", &ids).Error; err != nil {
		return nil, translate("batch operations", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	res := db.gorm.WithContext(ctx).Model(&Operation{}).Where("batch_id = ? AND state = ?", batchID, statePending).Updates(moveColumns(to, at, set))
	if res.Error != nil {
		return nil, translate("transition batch operations", res.Error)
	}
	if res.RowsAffected != int64(len(ids)) {
		return nil, fmt.Errorf("store: transition batch operations: %d rows moved, %d expected: %w", res.RowsAffected, len(ids), ErrConflict)
	}
	return ids, nil
}
