package approval

import (
	"context"
	"errors"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/store"
)

// ExpireDue ends every pending operation and batch whose expiry has passed (run
// periodically by the jobs): nobody decided in time, so the request is void and its
// requester is told. It also audits the delegations that have begun or ended since. It returns how many operations it expired, batch rows included;
// each one moves in its own transaction with its audit event.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	moved := 0
	now := s.now()
	for {
		ids, err := s.db.DueOperationIDs(ctx, now, 200)
		if err != nil {
			return moved, err
		}
		for _, id := range ids {
			var notes []notify.Note
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
				notes = append(notes, notify.ForRequester(r, "notify.op.expired"))
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
	if err != nil {
		return moved + n, err
	}
	// Delegations' starts and ends are audited on the same beat.
	return moved + n, s.sweepDelegations(ctx, now)
}

func (s *Service) expireBatches(ctx context.Context, now timeT) (int, error) {
	ids, err := s.db.DueBatchIDs(ctx, now, 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		b, err := s.db.BatchByID(ctx, id)
		if err != nil {
			return n, err
		}
		switch err := s.endBatch(ctx, audit.System("expiry"), b, StateExpired, ActionExpire, nil); {
		case errors.Is(err, ErrWrongState):
		case err != nil:
			return n, err
		default:
			n += b.RowsCount
		}
	}
	return n, nil
}
