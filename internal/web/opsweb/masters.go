package opsweb

import (
	"context"

	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/store"
)

// masterTotal is the cached amounts of master, or the sum over every master (""),
// without the masters no longer configured: what a transfer form shows the master holds.
func (a *Area) masterTotal(ctx context.Context, master string) (store.MasterBalances, error) {
	all, err := a.read.Masters(ctx, master, a.masters.Hidden(ctx))
	if err != nil {
		return store.MasterBalances{}, err
	}
	return readmodel.SumMasters(all), nil
}
