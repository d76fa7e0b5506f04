package reports

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/forecast"
	"github.com/purser-finance/purser/internal/store"
)

// Runways estimates how long sub-accounts' money lasts, as of now. HistoryRunways
// computes it; a source that keeps the estimate with the cached row can take its place.
type Runways interface {
	Runways(ctx context.Context, ids []string) (map[string]forecast.Runway, error)
}

// The operations whose settlement moved a sub-account's money (approval.KindTransferFunds
// in, approval.KindRetrieveFunds out).
const (
	kindTransferFunds = "transfer_funds"
	kindRetrieveFunds = "retrieve_funds"
)

// historyDays is how far back a runway reads: forecast.Window days of consumption need a
// day-end before them, and a few days without a reading should not shorten the window.
const historyDays = forecast.Window + 6

// movementChunk bounds the ids of one query (bound parameters).
const movementChunk = 500

// HistoryRunways estimates runways with forecast.Estimate from the balance history Purser
// keeps and the transfers and recoveries it settled.
type HistoryRunways struct {
	DB  *store.DB
	Now func() time.Time
}

// Runways is the runway of each of ids (an id without history is
// forecast.NotEnoughHistory).
func (h *HistoryRunways) Runways(ctx context.Context, ids []string) (map[string]forecast.Runway, error) {
	now := h.Now()
	since := midnight(now).AddDate(0, 0, -historyDays)
	moves := map[string][]forecast.Movement{}
	for from := 0; from < len(ids); from += movementChunk {
		ops, err := h.DB.MovementsSettledSince(ctx, ids[from:min(from+movementChunk, len(ids))],
			[]string{kindTransferFunds, kindRetrieveFunds}, since)
		if err != nil {
			return nil, err
		}
		for _, o := range ops {
			if o.Amount == nil || o.FinishedAt == nil {
				continue
			}
			d, err := decimal.NewFromString(*o.Amount)
			if err != nil {
				continue
			}
			if o.Kind == kindRetrieveFunds {
				d = d.Neg()
			}
			moves[o.SubAccountID] = append(moves[o.SubAccountID], forecast.Movement{At: *o.FinishedAt, Amount: d})
		}
	}
	out := make(map[string]forecast.Runway, len(ids))
	for _, id := range ids {
		hist, err := h.DB.BalanceHistory(ctx, id, since)
		if err != nil {
			return nil, err
		}
		points := make([]forecast.Point, len(hist))
		for i, p := range hist {
			points[i] = forecast.Point{At: p.TakenAt, Available: p.Debit.Decimal().Add(p.Credit.Decimal())}
		}
		out[id] = forecast.Estimate(points, moves[id], now, Zone)
	}
	return out, nil
}
