package approval

import (
	"context"
	"fmt"
	"strings"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
)

// Cancel: see approval.go.
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

// ExpireDue: see approval.go.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	moved := 0
	now := s.now()
	for {
		ids, err := s.db.DueOperationIDs(ctx, string(StatePending), now, 200)
		if err != nil {
			return moved, err
		}
		for _, id := range ids {
			var notes []Note
			err := s.db.InTx(ctx, func(tx *store.DB) error {
				ok, err := tx.MarkExpired(ctx, id, now)
				if err != nil || !ok {
					return err
				}
				moved++
				if err := record(ctx, tx, audit.System("expiry"), ActionExpire, id, audit.Success, nil); err != nil {
					return err
				}
				r, err := tx.OperationByID(ctx, id)
				if err != nil {
					return err
				}
				notes = append(notes, s.noteRequester(r, "notify.op.expired"))
				return s.note.Insert(ctx, tx, notes)
			})
			if err != nil {
				return moved, err
			}
			s.note.Dispatch(notes)
		}
		if len(ids) < 200 {
			break
		}
	}
	n, err := s.expireBatches(ctx, now)
	return moved + n, err
}

// Resolve: see approval.go.
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
	var notes []Note
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
		notes = append(notes, s.noteRequester(r, "notify.op."+string(outcome)))
		return s.note.Insert(ctx, tx, notes)
	})
	if err != nil {
		return nil, err
	}
	s.note.Dispatch(notes)
	return s.get(ctx, id)
}
