package readmodel

import (
	"context"
	"time"

	"github.com/purser-finance/purser/internal/forecast"
	"github.com/purser-finance/purser/internal/store"
)

// ForecastZone is where a day of consumption begins and ends: Huawei Cloud's China site
// bills by Beijing days. (No daylight saving time: one offset says it, which the store's
// day-by-day read relies on.)
var ForecastZone = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}()

// forecastDays is how far back a runway reads: forecast.Window days of consumption need
// one more day-end, and a few days without a reading (a sync down over a weekend) should
// not shorten the window.
const forecastDays = forecast.Window + 6

// The operations whose settlement moved a sub-account's money (approval.KindTransferFunds,
// approval.KindRetrieveFunds, approval.StateSucceeded; a test holds them equal).
const (
	kindTransferFunds = "transfer_funds"
	kindRetrieveFunds = "retrieve_funds"
	stateSucceeded    = "succeeded"
)

// refreshPage is how many sub-accounts a refresh reads and writes together.
const refreshPage = 200

// Forecaster loads what a runway is estimated from — a sub-account's balance history, one
// reading per day, and the transfers and recoveries Purser settled for it — and returns
// forecast.Estimate of it. It serves the system's jobs (the runways job after a sync, the
// rules and alerts): there is no subject, hence no scope. Pages read the runway stored on
// the cache row (store.SubAccount.Runway), which their scope covers in SQL.
type Forecaster struct {
	db   *store.DB
	now  func() time.Time
	zone *time.Location
}

// NewForecaster is a Forecaster over db; now nil is time.Now.
func NewForecaster(db *store.DB, now func() time.Time) *Forecaster {
	if now == nil {
		now = time.Now
	}
	return &Forecaster{db: db, now: now, zone: ForecastZone}
}

// Runway is the runway of one sub-account as of now.
func (f *Forecaster) Runway(ctx context.Context, subAccountID string) (forecast.Runway, error) {
	rs, err := f.Runways(ctx, []string{subAccountID})
	return rs[subAccountID], err
}

// Runways is the runway of each of ids as of now (an id without history is
// forecast.NotEnoughHistory).
func (f *Forecaster) Runways(ctx context.Context, ids []string) (map[string]forecast.Runway, error) {
	now := f.now()
	y, m, d := now.In(f.zone).Date()
	since := time.Date(y, m, d, 0, 0, 0, 0, f.zone).AddDate(0, 0, -forecastDays)
	_, offset := now.In(f.zone).Zone()
	points, err := f.db.DailyBalances(ctx, ids, since, offset)
	if err != nil {
		return nil, err
	}
	moves, err := f.db.SettledMovements(ctx, ids, kindTransferFunds, kindRetrieveFunds, stateSucceeded, since)
	if err != nil {
		return nil, err
	}
	out := make(map[string]forecast.Runway, len(ids))
	for _, id := range ids {
		ps := make([]forecast.Point, 0, len(points[id]))
		for _, p := range points[id] {
			ps = append(ps, forecast.Point{At: p.TakenAt, Available: p.Debit.Add(p.Credit).Decimal()})
		}
		ms := make([]forecast.Movement, 0, len(moves[id]))
		for _, m := range moves[id] {
			ms = append(ms, forecast.Movement{At: m.SettledAt, Amount: m.Amount})
		}
		out[id] = forecast.Estimate(ps, ms, now, f.zone)
	}
	return out, nil
}

// Refresh computes and stores the runway of every sub-account of master, or of
// subAccountID alone when it is set: what the runways job does after a balance sync. It
// returns how many it stored.
func (f *Forecaster) Refresh(ctx context.Context, master, subAccountID string) (int, error) {
	if subAccountID != "" {
		return f.refresh(ctx, []string{subAccountID})
	}
	n, after := 0, ""
	for {
		ids, err := f.db.SubAccountIDsAfter(ctx, master, after, refreshPage)
		if err != nil || len(ids) == 0 {
			return n, err
		}
		k, err := f.refresh(ctx, ids)
		n += k
		if err != nil {
			return n, err
		}
		after = ids[len(ids)-1]
	}
}

func (f *Forecaster) refresh(ctx context.Context, ids []string) (int, error) {
	rs, err := f.Runways(ctx, ids)
	if err != nil {
		return 0, err
	}
	updates := make([]store.RunwayUpdate, 0, len(ids))
	for _, id := range ids {
		updates = append(updates, store.RunwayUpdate{SubAccountID: id, Runway: StoredRunway(rs[id])})
	}
	return len(updates), f.db.StoreRunways(ctx, f.now(), updates)
}

// StoredRunway is a forecast as the cache row keeps it.
func StoredRunway(r forecast.Runway) store.Runway {
	return store.Runway{State: string(r.State), Days: r.Days, Burn: r.DailyBurn.Round(4), BasedOn: r.BasedOn}
}

// RunwayOf is the forecast a stored runway stands for, with the account's current
// total as what it has available: enough for Below and Needed (not Measured, nor
// RunsOut).
func RunwayOf(sa store.SubAccount) forecast.Runway {
	state := forecast.State(sa.Runway.State)
	if sa.Runway.State == store.RunwayNone {
		state = forecast.NotEnoughHistory
	}
	return forecast.Runway{State: state, Available: sa.Total.Decimal(), DailyBurn: sa.Runway.Burn, Days: sa.Runway.Days, BasedOn: sa.Runway.BasedOn}
}
