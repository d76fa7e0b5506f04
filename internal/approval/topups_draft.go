package approval

import (
	"context"
	"errors"

	"github.com/purser-finance/purser/internal/store"
)

// ErrProposalChanged: the proposal computed at the submit is not the one previewed (a
// sync moved the figures, or another request took part of them).
var ErrProposalChanged = errors.New("approval: the proposal changed since its preview")

// DraftTopUps drafts the proposal for req as one batch of transfers (CreateBatch), when
// it is still the one previewed (its Fingerprint); otherwise it returns the proposal as
// computed now with ErrProposalChanged, for the person to check again. A submission whose
// idempotency key already drafted its batch returns that batch: after it the proposal no
// longer asks for what is on its way, so it could never match its preview again.
func (s *Service) DraftTopUps(ctx context.Context, a Actor, req TopUpRequest, fingerprint, reason, key string) (*Batch, TopUpProposal, error) {
	if key != "" {
		k, err := s.db.IdempotencyKeyOf(ctx, a.UserID, key)
		switch {
		case err == nil && k.BatchID != nil:
			b, err := s.GetBatch(ctx, a, *k.BatchID)
			return b, TopUpProposal{}, err
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return nil, TopUpProposal{}, err
		}
	}
	p, err := s.ProposeTopUps(ctx, a, req)
	if err != nil {
		return nil, p, err
	}
	if p.Fingerprint() != fingerprint {
		return nil, p, ErrProposalChanged
	}
	if len(p.Batch) == 0 {
		ve := &ValidationError{}
		ve.add("below", "topup.err.nothing", nil)
		return nil, p, ve
	}
	b, err := s.CreateBatch(ctx, a, KindTransferFunds, reason, p.Batch, key)
	return b, p, err
}
