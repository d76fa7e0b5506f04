package approval

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/store"
)

// The decisions of approvers on single operations: approve (one at a time or many with
// one second factor) and reject. The second factor is checked once per request, before
// any write, and never again for the operations it covers: a code works once, so a
// decision on many operations cannot check it per operation.

// MaxApproveMany bounds the operations of one ApproveMany call: what an approver reads
// before signing, and one request's worth of transactions.
const MaxApproveMany = 100

// ApproveItem is one operation of ApproveMany: its id and the snapshot hash the approver
// saw ("" when the caller showed none: not compared).
type ApproveItem struct {
	ID           int64
	SnapshotHash string
}

// ApproveResult is what became of one ApproveItem: the operation after its approval, or
// the error that refused it alone (ErrSelfApproval, ErrOutOfScope, ErrNotFound,
// ErrWrongState, ErrAlreadyDecided, ErrSnapshotChanged …).
type ApproveResult struct {
	ID        int64
	Operation *Operation
	Err       error
}

// checkApprover applies the rules shared by Approve and Reject, before any write.
func (s *Service) checkApprover(ctx context.Context, a Actor, requestedBy int64, orgPath []string, action string, targetType string, targetID int64) error {
	sub := a.Subject()
	if a.UserID != 0 && a.UserID == requestedBy {
		// Whatever roles the requester holds: separation of duties. Audited as denied; a
		// denial that cannot be audited fails the call with the write's error.
		if err := s.db.InTx(ctx, func(tx *store.DB) error {
			return audit.Record(ctx, tx, a.meta(), audit.Entry{Action: action, TargetType: targetType,
				TargetID: strconv.FormatInt(targetID, 10), Outcome: audit.Denied, Details: map[string]any{"reason": "self-approval"}})
		}); err != nil {
			return fmt.Errorf("approval: audit the self-approval denial: %w", err)
		}
		return ErrSelfApproval
	}
	d := authz.Can(sub, authz.ApproveOperation, authz.Target{OrgPath: orgPath, OwnerID: requestedBy})
	if !d.Allowed {
		if authz.Allowed(sub, authz.ApproveOperation, authz.Target{}) {
			return ErrOutOfScope
		}
		return ErrForbidden
	}
	return s.checkDelegatorsRequest(ctx, a, requestedBy, action, targetType, targetID)
}

func (s *Service) stepUp(ctx context.Context, a Actor, code string) error {
	if s.opts.StepUp == nil {
		return ErrStepUp
	}
	u, err := s.db.UserByID(ctx, a.UserID)
	if err != nil {
		return err
	}
	if err := s.opts.StepUp.VerifyStepUp(ctx, u, code, a.meta()); err != nil {
		return fmt.Errorf("%w: %w", ErrStepUp, err)
	}
	return nil
}

// Approve records a's approval of operation id, signed with a fresh second-factor code,
// of the snapshot the approver saw (snapshotHash; "" = not compared, for API clients that
// send none). The final approval moves the operation to approved and enqueues its
// execution in the same transaction.
func (s *Service) Approve(ctx context.Context, a Actor, id int64, totpCode, comment, snapshotHash string) (*Operation, error) {
	if err := s.checkApprovable(ctx, a, id); err != nil {
		return nil, err
	}
	if err := s.stepUp(ctx, a, totpCode); err != nil {
		return nil, err
	}
	return s.approveVerified(ctx, a, id, comment, snapshotHash, nil)
}

// ApproveMany approves several operations with one second-factor code, checked once:
// a wrong code (or an invalid list) refuses the whole call and nothing is written.
// Then each operation is decided on its own, in its own transaction, with its own
// approval row and audit event, exactly as Approve would; one that a may not approve
// fails alone, in its ApproveResult. Results are in the order of items.
func (s *Service) ApproveMany(ctx context.Context, a Actor, totpCode, comment string, items []ApproveItem) ([]ApproveResult, error) {
	if !authz.Allowed(a.Subject(), authz.ApproveOperation, authz.Target{}) {
		return nil, ErrForbidden
	}
	ve := &ValidationError{}
	switch {
	case len(items) == 0:
		ve.add("operations", "op.err.approve_none", nil)
	case len(items) > MaxApproveMany:
		ve.add("operations", "op.err.approve_too_many", map[string]any{"max": MaxApproveMany})
	}
	seen := map[int64]bool{}
	for _, it := range items {
		if seen[it.ID] {
			ve.add("operations", "op.err.approve_duplicate", map[string]any{"id": it.ID})
		}
		seen[it.ID] = true
	}
	if err := ve.orNil(); err != nil {
		return nil, err
	}
	if err := s.stepUp(ctx, a, totpCode); err != nil {
		return nil, err
	}
	via := map[string]any{"via": "batch", "batch_size": len(items)}
	out := make([]ApproveResult, 0, len(items))
	for _, it := range items {
		r := ApproveResult{ID: it.ID}
		if r.Err = s.checkApprovable(ctx, a, it.ID); r.Err == nil {
			r.Operation, r.Err = s.approveVerified(ctx, a, it.ID, comment, it.SnapshotHash, via)
		}
		out = append(out, r)
	}
	return out, nil
}

// checkApprovable refuses, before the second factor is asked for, what a may not approve:
// their own request, one outside their scope, a batch's row, one no longer pending.
func (s *Service) checkApprovable(ctx context.Context, a Actor, id int64) error {
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return err
	}
	if err := s.checkApprover(ctx, a, r.RequestedBy, splitPath(r.OrgPath), ActionApprove, TargetOperation, id); err != nil {
		return err
	}
	if r.BatchID != nil {
		return fmt.Errorf("%w: approve the batch", ErrWrongState)
	}
	if r.State != string(StatePending) {
		return ErrWrongState
	}
	_, err = s.checkEligible(ctx, s.db, a, r, ActionApprove)
	return err
}

// checkEligible applies the approval route to a's decision on pending operation r, before
// any write: the target with its decisions so far, or the refusal. A refusal by the
// matrix (not in the level's group, a later level) is audited as denied, like a
// self-approval. The decision itself asks again under its lock.
func (s *Service) checkEligible(ctx context.Context, db *store.DB, a Actor, r *store.Operation, action string) (approvalTarget, error) {
	aps, err := db.ApprovalsOf(ctx, []int64{r.ID})
	if err != nil {
		return approvalTarget{}, err
	}
	t := opTarget(r, aps[r.ID])
	el, err := s.eligibleApprover(ctx, db, a, t)
	if err != nil {
		return t, err
	}
	if el.OK {
		return t, nil
	}
	return t, s.refuse(ctx, a, action, TargetOperation, r.ID, el)
}

// refuse is el's error; one that only the matrix makes is audited as denied first (a
// denial that cannot be audited fails the call with the write's error). It is written on
// its own, so that it stays when the caller's transaction rolls back.
func (s *Service) refuse(ctx context.Context, a Actor, action, targetType string, id int64, el eligibility) error {
	err := el.err()
	if !errors.Is(err, ErrNotEligible) && !errors.Is(err, ErrLevelNotReached) {
		return err
	}
	if aerr := s.db.InTx(ctx, func(tx *store.DB) error {
		return audit.Record(ctx, tx, a.meta(), audit.Entry{Action: action, TargetType: targetType,
			TargetID: strconv.FormatInt(id, 10), Outcome: audit.Denied, Details: map[string]any{"reason": el.Reason}})
	}); aerr != nil {
		return fmt.Errorf("approval: audit the refusal: %w", aerr)
	}
	return err
}

// approveVerified is the approval itself, once the second factor was accepted. The
// conditional UPDATE locks the pending row; the snapshot is compared under that lock, so
// what is signed is what executes. extra joins the audit details.
func (s *Service) approveVerified(ctx context.Context, a Actor, id int64, comment, snapshotHash string, extra map[string]any) (*Operation, error) {
	comment = strings.TrimSpace(comment)
	var notes []notify.Note
	var changed string // the snapshot found instead of the one signed
	err := s.db.InTx(ctx, func(tx *store.DB) error {
		now := s.now()
		// Lock the row while pending (conditional): approvals of one operation serialise
		// here, so the count below sees every earlier approval.
		ok, err := tx.LockPendingOperation(ctx, id, now)
		if err != nil {
			return err
		}
		if !ok {
			return ErrWrongState
		}
		cur, err := tx.OperationByID(ctx, id)
		if err != nil {
			return err
		}
		if !cur.ExpiresAt.After(now) {
			return ErrWrongState
		}
		if snapshotHash != "" && snapshotHash != cur.SnapshotHash {
			changed = cur.SnapshotHash
			return ErrSnapshotChanged // rolls the lock's touch back: nothing written
		}
		// The route decides again under the lock: an approval that raced another one to
		// the same level finds it complete.
		aps, err := tx.ApprovalsOf(ctx, []int64{id})
		if err != nil {
			return err
		}
		t := opTarget(cur, aps[id])
		el, err := s.eligibleApprover(ctx, tx, a, t)
		if err != nil {
			return err
		}
		if !el.OK {
			return el.err()
		}
		use, err := s.onBehalf(ctx, tx, a, cur.RequestedBy, splitPath(cur.OrgPath), aps[id], now)
		if err != nil {
			return err
		}
		ap := store.ApprovalRow{OperationID: &id, UserID: a.UserID, Username: a.Username, Decision: DecisionApprove,
			Comment: comment, SecondFactor: "totp", SnapshotHash: cur.SnapshotHash, Level: el.Level, At: now}
		use.sign(&ap)
		if err := tx.InsertApproval(ctx, &ap); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return ErrAlreadyDecided
			}
			return err
		}
		n, err := tx.CountApprovers(ctx, id, false, cur.SnapshotHash)
		if err != nil {
			return err
		}
		before, _ := t.openLevels()
		t.decisions = append(t.decisions, ap)
		final := t.complete()
		details := map[string]any{"snapshot_hash": cur.SnapshotHash, "approvals": n, "required": cur.RequiredApprovals, "final": final,
			"comment": comment, "second_factor": "totp", "level": el.Level, "levels": len(t.route.Levels)}
		for k, v := range extra {
			details[k] = v
		}
		use.describe(details)
		if err := record(ctx, tx, a.meta(), ActionApprove, id, audit.Success, details); err != nil {
			return err
		}
		if err := use.record(ctx, tx, a.meta(), TargetOperation, id); err != nil {
			return err
		}
		if !final {
			// An ordered route moved to its next level: its approvers hear of it now.
			if after, _ := t.openLevels(); t.route.Sequential && !slices.Equal(before, after) {
				ns, err := s.approverNotes(ctx, tx, t, func(uid int64) notify.Note { return notify.ForOperation(uid, cur, "notify.op.pending") })
				if err != nil {
					return err
				}
				notes = append(notes, ns...)
				return s.note.Insert(ctx, tx, notes)
			}
			return nil
		}
		ok, err = tx.MarkApproved(ctx, id, cur.SnapshotHash, now)
		if err != nil {
			return err
		}
		if !ok {
			return ErrWrongState
		}
		if err := s.enqueue(ctx, tx, []int64{id}); err != nil {
			return err
		}
		cur.State = string(StateApproved)
		notes = append(notes, notify.ForRequester(cur, "notify.op.approved"))
		return s.note.Insert(ctx, tx, notes)
	})
	if errors.Is(err, ErrSnapshotChanged) {
		// A refused signature is worth an auditor's eye (what was shown is not what is
		// stored); written after the rollback, on its own.
		if aerr := s.db.InTx(ctx, func(tx *store.DB) error {
			return record(ctx, tx, a.meta(), ActionApprove, id, audit.Failure, map[string]any{"reason": "snapshot_changed",
				"signed_hash": snapshotHash, "snapshot_hash": changed})
		}); aerr != nil {
			return nil, errors.Join(err, aerr)
		}
	}
	if err != nil {
		return nil, err
	}
	s.note.Dispatch(notes)
	return s.get(ctx, id)
}

// Reject records a's rejection of operation id, with the reason (comment) the requester
// reads: a rejection without one is refused (field "comment").
func (s *Service) Reject(ctx context.Context, a Actor, id int64, comment string) (*Operation, error) {
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if err := s.checkApprover(ctx, a, r.RequestedBy, splitPath(r.OrgPath), ActionReject, TargetOperation, id); err != nil {
		return nil, err
	}
	if r.BatchID != nil {
		return nil, fmt.Errorf("%w: reject the batch", ErrWrongState)
	}
	comment = strings.TrimSpace(comment)
	if err := requireReason(comment); err != nil {
		return nil, err
	}
	if r.State != string(StatePending) {
		return nil, ErrWrongState
	}
	// Whoever may approve at the current level may reject; nobody else.
	if _, err := s.checkEligible(ctx, s.db, a, r, ActionReject); err != nil {
		return nil, err
	}
	var notes []notify.Note
	err = s.db.InTx(ctx, func(tx *store.DB) error {
		now := s.now()
		ok, err := tx.MarkRejected(ctx, id, now)
		if err != nil {
			return err
		}
		if !ok {
			return ErrWrongState
		}
		if err := tx.InsertApproval(ctx, &store.ApprovalRow{OperationID: &id, UserID: a.UserID, Username: a.Username,
			Decision: DecisionReject, Comment: comment, SnapshotHash: r.SnapshotHash, At: now}); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return ErrAlreadyDecided
			}
			return err
		}
		if err := record(ctx, tx, a.meta(), ActionReject, id, audit.Success, map[string]any{"comment": comment}); err != nil {
			return err
		}
		r.State = string(StateRejected)
		notes = append(notes, notify.ForRequester(r, "notify.op.rejected"))
		return s.note.Insert(ctx, tx, notes)
	})
	if err != nil {
		return nil, err
	}
	s.note.Dispatch(notes)
	return s.get(ctx, id)
}

// requireReason refuses a rejection without a reason: the requester has to learn why.
func requireReason(comment string) error {
	if comment == "" {
		return &ValidationError{Fields: map[string]string{"comment": "op.err.comment_required"}}
	}
	return nil
}

// Cancel lets the requester withdraw their own draft or pending operation. Once approved
// it belongs to the executor and cannot be withdrawn (ErrWrongState); a batch's row is
// cancelled with its batch. Outside a's scope the operation does not exist (ErrOutOfScope,
// shown as not found).
func (s *Service) Cancel(ctx context.Context, a Actor, id int64) (*Operation, error) {
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if !canSee(a, r) {
		// Out of scope, it does not exist for this user: 404 like Get, not a 403 that confirms it.
		return nil, ErrOutOfScope
	}
	if r.RequestedBy != a.UserID || !authz.Allowed(a.Subject(), authz.CancelOperation, authz.Target{OrgPath: splitPath(r.OrgPath)}) {
		return nil, ErrForbidden
	}
	if r.BatchID != nil {
		return nil, fmt.Errorf("%w: cancel the batch", ErrWrongState)
	}
	err = s.db.InTx(ctx, func(tx *store.DB) error {
		now := s.now()
		ok, err := tx.MarkCancelled(ctx, id, now)
		if err != nil {
			return err
		}
		if !ok {
			return ErrWrongState
		}
		return record(ctx, tx, a.meta(), ActionCancel, id, audit.Success, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.get(ctx, id)
}

// Resolve settles an operation whose outcome is unknown by an admin's word: outcome is
// succeeded or failed, as checked upstream by hand, and reason says how it was checked
// (both required, as field errors). Only an unknown operation can be resolved
// (ErrWrongState); the requester is told.
func (s *Service) Resolve(ctx context.Context, a Actor, id int64, outcome State, reason string) (*Operation, error) {
	if !authz.Allowed(a.Subject(), authz.ResolveOperation, authz.Target{}) {
		return nil, ErrForbidden
	}
	reason = strings.TrimSpace(reason)
	ve := &ValidationError{}
	if outcome != StateSucceeded && outcome != StateFailed {
		ve.add("outcome", "op.err.resolve_outcome", nil)
	}
	if reason == "" {
		ve.add("reason", "op.err.reason_required", nil)
	}
	if err := ve.orNil(); err != nil {
		return nil, err
	}
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	var notes []notify.Note
	err = s.db.InTx(ctx, func(tx *store.DB) error {
		now := s.now()
		ok, err := tx.MarkResolved(ctx, id, outcome == StateSucceeded, reason, now)
		if err != nil {
			return err
		}
		if !ok {
			return ErrWrongState
		}
		if err := record(ctx, tx, a.meta(), ActionReconcile, id, audit.Success,
			map[string]any{"outcome": outcome, "reason": reason, "manual": true}); err != nil {
			return err
		}
		r.State = string(outcome)
		notes = append(notes, notify.ForRequester(r, "notify.op."+string(outcome)))
		return s.note.Insert(ctx, tx, notes)
	})
	if err != nil {
		return nil, err
	}
	s.note.Dispatch(notes)
	return s.get(ctx, id)
}
