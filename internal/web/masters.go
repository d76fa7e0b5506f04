package web

import (
	"context"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// Several master accounts: every list, export and JSON read accepts ?master=<domain id>
// (a master's domain id; absent or empty: every master). The selector is shown only when
// the cache holds more than one master.

// masterParam is the master filter of the request ("" = every master).
func masterParam(c *gin.Context) string {
	m := strings.TrimSpace(c.Query("master"))
	if len(m) > 64 {
		return "" // not a domain id: no filter rather than an error page
	}
	return m
}

// masterAmounts returns the cached amounts of master, or of every master when master is "".
func (s *Server) masterAmounts(ctx context.Context, master string) ([]store.MasterBalances, error) {
	ids := []string{master}
	if master == "" {
		var err error
		if ids, err = s.db.MasterAccountIDsCached(ctx); err != nil {
			return nil, err
		}
	}
	out := make([]store.MasterBalances, 0, len(ids))
	for _, id := range ids {
		mb, err := s.db.MasterBalances(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, mb)
	}
	return out, nil
}

// sumMasters adds several masters' amounts up: stale when one is, synced as of the oldest.
func sumMasters(all []store.MasterBalances) store.MasterBalances {
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

// masterTotal is the amounts of master, or the sum over every master ("").
func (s *Server) masterTotal(ctx context.Context, master string) (store.MasterBalances, error) {
	all, err := s.masterAmounts(ctx, master)
	if err != nil {
		return store.MasterBalances{}, err
	}
	return sumMasters(all), nil
}
