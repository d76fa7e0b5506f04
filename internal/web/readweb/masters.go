package readweb

import (
	"context"
	"net/url"
	"slices"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/web/templates/view"
)

// masterKnown reports whether master is one of the configured masters of the cache.
func (a *Area) masterKnown(ctx context.Context, master string) bool {
	ms, err := a.masters.Known(ctx)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(ms, func(m Master) bool { return m.DomainID == master })
}

// masterRows are each master's amounts for the dashboard (only shown with several).
func (a *Area) masterRows(ctx context.Context, all []store.MasterBalances) ([]view.MasterAmount, error) {
	if len(all) < 2 {
		return nil, nil
	}
	ms, err := a.masters.Known(ctx)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, m := range ms {
		names[m.DomainID] = m.Name
	}
	out := make([]view.MasterAmount, 0, len(all))
	for _, mb := range all {
		out = append(out, view.MasterAmount{Name: names[mb.MasterAccountID], DomainID: mb.MasterAccountID,
			Debit: mb.Debit.Format(), Credit: mb.Credit.Format(), Stale: mb.Stale, Href: "/?master=" + url.QueryEscape(mb.MasterAccountID)})
	}
	return out, nil
}
