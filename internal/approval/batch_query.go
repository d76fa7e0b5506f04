package approval

import (
	"context"
	"errors"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// batchOf reads batch id for a: its requester, or anyone who may view operations; to
// anyone else it does not exist (ErrNotFound).
func (s *Service) batchOf(ctx context.Context, a Actor, id int64) (*store.OperationBatch, error) {
	b, err := s.db.BatchByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if b.RequestedBy != a.UserID && !authz.Allowed(a.Subject(), authz.ViewOperations, authz.Target{}) {
		return nil, ErrNotFound
	}
	return b, nil
}

// GetBatch reads batch id with its decisions, for its requester or anyone who may view
// operations; to anyone else it does not exist (ErrNotFound).
func (s *Service) GetBatch(ctx context.Context, a Actor, id int64) (*Batch, error) {
	b, err := s.batchOf(ctx, a, id)
	if err != nil {
		return nil, err
	}
	aps, err := s.db.BatchApprovals(ctx, id)
	if err != nil {
		return nil, err
	}
	total, _ := money.FromUpstream(b.Total, b.Currency)
	out := &Batch{ID: b.ID, Kind: Kind(b.Kind), State: State(b.State), RequestedBy: b.RequestedBy, RequestedByName: b.RequestedByName,
		Reason: b.Reason, Rows: b.RowsCount, Total: total, SnapshotHash: b.SnapshotHash, RequiredApprovals: b.RequiredApprovals,
		ExpiresAt: b.ExpiresAt.UTC(), CreatedAt: b.CreatedAt.UTC(), Approvals: []Approval{}, LimitNotes: limitNotes(b.LimitNote)}
	for _, ap := range aps {
		out.Approvals = append(out.Approvals, Approval{UserID: ap.UserID, Username: ap.Username, Decision: ap.Decision,
			Comment: ap.Comment, SecondFactor: ap.SecondFactor, SnapshotHash: ap.SnapshotHash, At: ap.At.UTC(),
			OnBehalfOf: ap.OnBehalfOf, OnBehalfOfName: ap.OnBehalfOfName})
	}
	return out, nil
}

// BatchProgress counts the rows of batch id by state, for the progress bar of the batch
// page: Done counts rows that are settled or unknown (nothing more happens without
// someone), Finished is true when every row is.
func (s *Service) BatchProgress(ctx context.Context, a Actor, id int64) (BatchProgress, error) {
	b, err := s.batchOf(ctx, a, id)
	if err != nil {
		return BatchProgress{}, err
	}
	counts, err := s.db.BatchStateCounts(ctx, id)
	if err != nil {
		return BatchProgress{}, err
	}
	p := BatchProgress{BatchID: id, Total: b.RowsCount, ByState: map[State]int{}}
	for st, n := range counts {
		p.ByState[State(st)] = n
		if State(st).Terminal() || State(st) == StateUnknown {
			p.Done += n
		}
	}
	p.Succeeded, p.Failed, p.Unknown = p.ByState[StateSucceeded], p.ByState[StateFailed], p.ByState[StateUnknown]
	p.Finished = p.Done == p.Total
	return p, nil
}
