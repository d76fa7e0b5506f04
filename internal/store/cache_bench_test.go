package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// BenchmarkSubAccountPage400 reads page 400 (25 rows sorted by balance) of 10,000 cached
// sub-accounts on Postgres, following cursors as the list page does.
func BenchmarkSubAccountPage400(b *testing.B) {
	db := storetest.Postgres(b)
	ctx := context.Background()
	now := time.Now()
	const n = 10_000
	for start := 0; start < n; start += 500 {
		var infos []store.SubAccountInfo
		var bals []store.SubAccountBalances
		for i := start; i < start+500; i++ {
			id := fmt.Sprintf("sub-%05d", i)
			infos = append(infos, store.SubAccountInfo{ID: id, Name: id, Status: 1})
			bals = append(bals, store.SubAccountBalances{SubAccountID: id, Debit: money.New(decimal.NewFromInt(int64(i%997)), "")})
		}
		if err := db.UpsertSubAccounts(ctx, testMaster, 1, infos, now); err != nil {
			b.Fatal(err)
		}
		if err := db.StoreSubAccountBalances(ctx, now, bals, 0, store.RunProgress{}); err != nil {
			b.Fatal(err)
		}
	}
	f := store.SubAccountFilter{Sort: store.SortBalance, Limit: 25}
	for range 399 {
		p, err := db.ListSubAccounts(ctx, authz.Everything, f)
		if err != nil {
			b.Fatal(err)
		}
		f.Cursor = p.NextCursor
	}
	b.ResetTimer()
	for b.Loop() {
		p, err := db.ListSubAccounts(ctx, authz.Everything, f)
		if err != nil || len(p.Items) != 25 || p.Total != n {
			b.Fatalf("%v %d %d", err, len(p.Items), p.Total)
		}
	}
}
