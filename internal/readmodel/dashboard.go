package readmodel

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// ExpiringWindow is how far ahead the dashboard looks for resources about to expire.
const ExpiringWindow = 30 * 24 * time.Hour

// DashboardFilter is what the dashboard's figures depend on besides the scope.
type DashboardFilter struct {
	Master        string // "" = every master
	HiddenMasters []string
	LowDefault    money.Amount // threshold of sub-accounts without their own
	Limit         int          // rows of each short list
	Now           time.Time
	HistoryWindow time.Duration // how far back the totals chart goes
	// RunwayHorizons are the "runs out within" horizons in days (7, 14, 30).
	RunwayHorizons []int
}

// Dashboard is the cache's headline figures within a scope.
type Dashboard struct {
	Stats    store.SubAccountStats
	Low      Page[store.SubAccount]
	Expiring Page[store.Resource] // active resources expiring within ExpiringWindow
	Holders  map[string]*store.SubAccount
	// History is the totals over every sub-account; only for a scope that sees them all
	// (HistoryShown), since a sum over units outside the scope would tell about them.
	History      []store.BalanceSnapshot
	HistoryShown bool
	// Runway counts, per horizon, the sub-accounts that run out within it and what they
	// need to keep running that long.
	Runway []store.RunwayBucket
}

// Dashboard gathers the dashboard's figures within scope.
func (r *Reader) Dashboard(ctx context.Context, scope authz.QueryScope, f DashboardFilter) (Dashboard, error) {
	var d Dashboard
	var err error
	if d.Stats, err = r.Stats(ctx, scope, f.Master, f.HiddenMasters); err != nil {
		return d, err
	}
	if d.Low, err = r.BelowThreshold(ctx, scope, f.Master, f.HiddenMasters, f.LowDefault, f.Limit); err != nil {
		return d, err
	}
	if len(f.RunwayHorizons) > 0 {
		key := fmt.Sprintf("runway\x00%s\x00%v\x00%s\x00%s", f.Master, f.RunwayHorizons, scope.Key(), strings.Join(f.HiddenMasters, "\x1f"))
		if d.Runway, err = Cached(r.cache, key, func() ([]store.RunwayBucket, error) {
			return r.db.RunwayBuckets(ctx, scope, f.Master, f.HiddenMasters, f.RunwayHorizons)
		}); err != nil {
			return d, err
		}
	}
	// The window moves with the minute: the list is read once a minute at most.
	until := f.Now.Truncate(time.Minute).Add(ExpiringWindow)
	key := "expiring\x00" + f.Master + "\x00" + until.Format(time.RFC3339) + "\x00" + scope.Key() + "\x00" + strings.Join(f.HiddenMasters, "\x1f")
	type expiring struct {
		page    Page[store.Resource]
		holders map[string]*store.SubAccount
	}
	exp, err := Cached(r.cache, key, func() (expiring, error) {
		rows, total, err := r.db.ListResources(ctx, scope, store.ResourceFilter{ExpiringUntil: &until, Status: 2, Limit: f.Limit,
			MasterAccountID: f.Master, HiddenMasters: f.HiddenMasters})
		if err != nil {
			return expiring{}, err
		}
		h, err := holdersOf(ctx, r, rows, resourceAccount)
		return expiring{Page[store.Resource]{rows, total}, h}, err
	})
	if err != nil {
		return d, err
	}
	d.Expiring, d.Holders = exp.page, exp.holders
	if d.HistoryShown = scope.All; d.HistoryShown {
		// Per minute, so that the cached history serves the whole minute.
		since := f.Now.Add(-f.HistoryWindow).Truncate(time.Minute)
		d.History, err = Cached(r.cache, "history\x00"+f.Master+"\x00"+since.Format(time.RFC3339), func() ([]store.BalanceSnapshot, error) {
			return r.db.TotalsHistory(ctx, f.Master, since)
		})
	}
	return d, err
}
