package readmodel

import (
	"context"
	"slices"

	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// Master accounts' own amounts. A master belongs to no unit: its balances are shown to
// everyone who may view the dashboard, as the cards and packages are.

// Masters returns the cached amounts of master, or of every master when master is "",
// leaving out the hidden masters (no longer configured), asked for or not.
func (r *Reader) Masters(ctx context.Context, master string, hidden []string) ([]store.MasterBalances, error) {
	ids := []string{master}
	if master == "" {
		var err error
		if ids, err = r.db.MasterAccountIDsCached(ctx); err != nil {
			return nil, err
		}
	}
	out := make([]store.MasterBalances, 0, len(ids))
	for _, id := range ids {
		if slices.Contains(hidden, id) {
			continue
		}
		mb, err := r.db.MasterBalances(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, mb)
	}
	return out, nil
}

// MastersCached is Masters through the read cache (the dashboard, every page's header).
func (r *Reader) MastersCached(ctx context.Context, master string, hidden []string) ([]store.MasterBalances, error) {
	key := "master-amounts\x00" + master
	for _, h := range hidden {
		key += "\x00" + h
	}
	return Cached(r.cache, key, func() ([]store.MasterBalances, error) { return r.Masters(ctx, master, hidden) })
}

// SumMasters adds several masters' amounts up: stale when one is, synced as of the oldest.
func SumMasters(all []store.MasterBalances) store.MasterBalances {
	sum := store.MasterBalances{Debit: money.Zero(""), Credit: money.Zero(""), Currency: money.DefaultCurrency, Credits: []store.AmountLine{}}
	for _, mb := range all {
		sum.Debit, sum.Credit = sum.Debit.Add(mb.Debit), sum.Credit.Add(mb.Credit)
		sum.Credits = append(sum.Credits, mb.Credits...)
		sum.Stale = sum.Stale || mb.Stale
		if mb.SyncedAt != nil && (sum.SyncedAt == nil || mb.SyncedAt.Before(*sum.SyncedAt)) {
			sum.SyncedAt = mb.SyncedAt
		}
		if mb.Currency != "" {
			sum.Currency = mb.Currency
		}
	}
	if len(all) == 1 {
		sum.MasterAccountID = all[0].MasterAccountID
	}
	return sum
}
