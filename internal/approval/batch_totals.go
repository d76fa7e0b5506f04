package approval

import (
	"context"
	"slices"
	"strings"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
)

// BatchTotal is what the inbox says of a batch: how many of its rows the viewer may see
// and their amounts added up, one total per currency.
type BatchTotal struct {
	Rows   int
	Totals []money.Amount // in currency order
}

// BatchTotals adds up the rows of batches ids that a may see (their scope, in SQL), every
// row of a batch and not only those a page of the inbox read. Empty for anyone who may
// not view operations.
func (s *Service) BatchTotals(ctx context.Context, a Actor, ids []int64) (map[int64]BatchTotal, error) {
	out := map[int64]BatchTotal{}
	if len(ids) == 0 || !authz.Allowed(a.Subject(), authz.ViewOperations, authz.Target{}) {
		return out, nil
	}
	rows, err := s.db.BatchRowAmounts(ctx, ids, scopesOf(a))
	if err != nil {
		return nil, err
	}
	sums := map[int64]map[string]money.Amount{}
	for _, r := range rows {
		t := out[r.BatchID]
		t.Rows++
		out[r.BatchID] = t
		if r.Amount == nil {
			continue
		}
		amt, err := money.FromUpstream(*r.Amount, r.Currency)
		if err != nil {
			return nil, err
		}
		if sums[r.BatchID] == nil {
			sums[r.BatchID] = map[string]money.Amount{}
		}
		cur := amt.Currency()
		if prev, ok := sums[r.BatchID][cur]; ok {
			amt = prev.Add(amt)
		}
		sums[r.BatchID][cur] = amt
	}
	for id, byCur := range sums {
		t := out[id]
		for _, amt := range byCur {
			t.Totals = append(t.Totals, amt)
		}
		slices.SortFunc(t.Totals, func(x, y money.Amount) int { return strings.Compare(x.Currency(), y.Currency()) })
		out[id] = t
	}
	return out, nil
}
