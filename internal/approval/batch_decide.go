package approval

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/store"
)

// approveBatchRows moves the batch and every row to approved and enqueues the rows' jobs,
// in tx. ap, when set, is copied onto every row (its timeline and approvals list).
func (s *Service) approveBatchRows(ctx context.Context, tx *store.DB, m audit.Meta, b *store.OperationBatch, ap *store.ApprovalRow, notes *[]notify.Note) error {
	now := s.now()
	ids, ok, err := tx.MarkBatchApproved(ctx, b.ID, now)
	if err != nil {
		return err
	}
	if !ok {
		return ErrWrongState
	}
	if ap != nil {
		copies := make([]*store.ApprovalRow, 0, len(ids))
		ops, err := tx.OperationsByIDs(ctx, ids)
		if err != nil {
			return err
		}
		for _, o := range ops {
			id := o.ID
			c := *ap
			c.ID, c.BatchID, c.OperationID, c.SnapshotHash = 0, nil, &id, o.SnapshotHash
			copies = append(copies, &c)
		}
		if err := tx.InsertApprovals(ctx, copies); err != nil {
			return err
		}
	}
	for _, id := range ids {
		if err := record(ctx, tx, m, ActionApprove, id, audit.Success, map[string]any{"batch_id": b.ID, "final": true}); err != nil {
			return err
		}
	}
	if err := s.enqueue(ctx, tx, ids); err != nil {
		return err
	}
	b.State = string(StateApproved)
	*notes = append(*notes, notify.ForBatch(b.RequestedBy, b, "notify.batch.approved"))
	return s.note.Insert(ctx, tx, *notes)
}

// ApproveBatch records a's approval of batch id, signed with a fresh second-factor code.
// A batch is one decision: the approval counts for every row, and the final one moves the
// batch and all its rows to approved and enqueues every row's execution in the same
// transaction. The requester cannot approve their own batch (ErrSelfApproval); a batch no
// longer pending, or past its expiry, is ErrWrongState.
func (s *Service) ApproveBatch(ctx context.Context, a Actor, id int64, totpCode, comment string) (*Batch, error) {
	b, err := s.batchOf(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := s.checkApprover(ctx, a, b.RequestedBy, nil, ActionApprove, TargetBatch, id); err != nil {
		return nil, err
	}
	if b.State != string(StatePending) {
		return nil, ErrWrongState
	}
	if _, err := s.checkBatchEligible(ctx, s.db, a, b, ActionApprove, true); err != nil {
		return nil, err
	}
	if err := s.stepUp(ctx, a, totpCode); err != nil {
		return nil, err
	}
	var notes []notify.Note
	err = s.db.InTx(ctx, func(tx *store.DB) error {
		now := s.now()
		ok, err := tx.LockPendingBatch(ctx, id, now)
		if err != nil {
			return err
		}
		if !ok {
			return ErrWrongState
		}
		cur, err := tx.BatchByID(ctx, id)
		if err != nil {
			return err
		}
		if !cur.ExpiresAt.After(now) {
			return ErrWrongState
		}
		// The route decides again under the lock (an approval that raced another one to
		// the same level finds it complete).
		t, err := s.checkBatchEligible(ctx, tx, a, cur, ActionApprove, false)
		if err != nil {
			return err
		}
		el, err := s.eligibleApprover(ctx, tx, a, t)
		if err != nil {
			return err
		}
		decided, err := tx.BatchApprovals(ctx, id)
		if err != nil {
			return err
		}
		use, err := s.onBehalf(ctx, tx, a, cur.RequestedBy, nil, decided, now)
		if err != nil {
			return err
		}
		ap := &store.ApprovalRow{BatchID: &id, UserID: a.UserID, Username: a.Username, Decision: DecisionApprove,
			Comment: comment, SecondFactor: "totp", SnapshotHash: cur.SnapshotHash, Level: el.Level, At: now}
		use.sign(ap)
		if err := tx.InsertApproval(ctx, ap); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return ErrAlreadyDecided
			}
			return err
		}
		n, err := tx.CountApprovers(ctx, id, true, cur.SnapshotHash)
		if err != nil {
			return err
		}
		before, _ := t.openLevels()
		t.decisions = append(t.decisions, *ap)
		final := t.complete()
		details := map[string]any{"approvals": n, "required": cur.RequiredApprovals,
			"final": final, "snapshot_hash": cur.SnapshotHash, "comment": comment, "second_factor": "totp",
			"level": el.Level, "levels": len(t.route.Levels)}
		use.describe(details)
		if err := batchRecord(ctx, tx, a.meta(), ActionApprove, id, details); err != nil {
			return err
		}
		if err := use.record(ctx, tx, a.meta(), TargetBatch, id); err != nil {
			return err
		}
		if !final {
			// An ordered route moved to its next level: its approvers hear of it now.
			if after, _ := t.openLevels(); t.route.Sequential && !slices.Equal(before, after) {
				ns, err := s.approverNotes(ctx, tx, t, func(uid int64) notify.Note { return notify.ForBatch(uid, cur, "notify.batch.pending") })
				if err != nil {
					return err
				}
				notes = append(notes, ns...)
				return s.note.Insert(ctx, tx, notes)
			}
			return nil
		}
		return s.approveBatchRows(ctx, tx, a.meta(), cur, ap, &notes)
	})
	if err != nil {
		return nil, err
	}
	s.note.Dispatch(notes)
	return s.GetBatch(ctx, a, id)
}

// batchEnd is the store's transition that ends a pending batch and its pending rows.
type batchEnd func(tx *store.DB, ctx context.Context, batchID int64, at timeT) ([]int64, bool, error)

// batchEnds are the transitions of endBatch, by the state they end in.
var batchEnds = map[State]batchEnd{StateRejected: (*store.DB).MarkBatchRejected,
	StateCancelled: (*store.DB).MarkBatchCancelled, StateExpired: (*store.DB).MarkBatchExpired}

// endBatch moves a pending batch and its pending rows to state.
func (s *Service) endBatch(ctx context.Context, m audit.Meta, b *store.OperationBatch, to State, action string, ap *store.ApprovalRow) error {
	var notes []notify.Note
	err := s.db.InTx(ctx, func(tx *store.DB) error {
		now := s.now()
		ids, ok, err := batchEnds[to](tx, ctx, b.ID, now)
		if err != nil {
			return err
		}
		if !ok {
			return ErrWrongState
		}
		if ap != nil {
			if err := tx.InsertApproval(ctx, ap); err != nil {
				if errors.Is(err, store.ErrConflict) {
					return ErrAlreadyDecided
				}
				return err
			}
		}
		if err := batchRecord(ctx, tx, m, action, b.ID, map[string]any{"rows": len(ids)}); err != nil {
			return err
		}
		for _, id := range ids {
			if err := record(ctx, tx, m, action, id, audit.Success, map[string]any{"batch_id": b.ID}); err != nil {
				return err
			}
		}
		b.State = string(to)
		notes = append(notes, notify.ForBatch(b.RequestedBy, b, "notify.batch."+string(to)))
		return s.note.Insert(ctx, tx, notes)
	})
	if err == nil {
		s.note.Dispatch(notes)
	}
	return err
}

// RejectBatch ends pending batch id and every row as rejected by a, with the reason
// (comment) the requester reads: a rejection without one is refused (field "comment").
func (s *Service) RejectBatch(ctx context.Context, a Actor, id int64, comment string) (*Batch, error) {
	b, err := s.batchOf(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := s.checkApprover(ctx, a, b.RequestedBy, nil, ActionReject, TargetBatch, id); err != nil {
		return nil, err
	}
	comment = strings.TrimSpace(comment)
	if err := requireReason(comment); err != nil {
		return nil, err
	}
	if b.State != string(StatePending) {
		return nil, ErrWrongState
	}
	if _, err := s.checkBatchEligible(ctx, s.db, a, b, ActionReject, true); err != nil {
		return nil, err
	}
	ap := &store.ApprovalRow{BatchID: &id, UserID: a.UserID, Username: a.Username, Decision: DecisionReject, Comment: comment,
		SnapshotHash: b.SnapshotHash, At: s.now()}
	if err := s.endBatch(ctx, a.meta(), b, StateRejected, ActionReject, ap); err != nil {
		return nil, err
	}
	return s.GetBatch(ctx, a, id)
}

// CancelBatch lets the requester withdraw their pending batch: the batch and every row
// end as cancelled. Only the requester may, and only until it is approved (ErrWrongState).
func (s *Service) CancelBatch(ctx context.Context, a Actor, id int64) (*Batch, error) {
	b, err := s.batchOf(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if b.RequestedBy != a.UserID || !authz.Allowed(a.Subject(), authz.CancelOperation, authz.Target{}) {
		return nil, ErrForbidden
	}
	if err := s.endBatch(ctx, a.meta(), b, StateCancelled, ActionCancel, nil); err != nil {
		return nil, err
	}
	return s.GetBatch(ctx, a, id)
}

// checkBatchEligible applies the batch's route to a's decision on pending batch b in db:
// the target with its decisions so far, or the refusal, audited as denied when the
// matrix alone refuses and audited is set (before any write; under the decision's lock
// the refusal rolls back with it).
func (s *Service) checkBatchEligible(ctx context.Context, db *store.DB, a Actor, b *store.OperationBatch, action string, audited bool) (approvalTarget, error) {
	decisions, err := db.BatchApprovals(ctx, b.ID)
	if err != nil {
		return approvalTarget{}, err
	}
	paths, err := db.BatchOrgPaths(ctx, []int64{b.ID})
	if err != nil {
		return approvalTarget{}, err
	}
	t := batchTarget(b, paths[b.ID], decisions)
	el, err := s.eligibleApprover(ctx, db, a, t)
	switch {
	case err != nil:
		return t, err
	case el.OK:
		return t, nil
	case !audited:
		return t, el.err()
	}
	return t, s.refuse(ctx, a, action, TargetBatch, b.ID, el)
}
