package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func seedPoints(now time.Time, ids ...string) []store.BalanceSnapshot {
	var out []store.BalanceSnapshot
	for _, id := range ids {
		for k := 3; k >= 1; k-- {
			d := money.New(decimal.New(int64(1000*k)+7, -2), "")
			out = append(out, store.BalanceSnapshot{TakenAt: now.AddDate(0, 0, -k), SubAccountID: id, Debit: d, Credit: money.Zero("")})
		}
	}
	return out
}

// TestSeedBalanceHistoryOnlyWhenEmpty: generated history goes in once, exactly, and never
// beside real points of the master or of any of its sub-accounts.
func TestSeedBalanceHistoryOnlyWhenEmpty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Second)
		// Another master's history does not count as this one's.
		if err := db.SnapshotTotals(ctx, "other-master", now); err != nil {
			t.Fatal(err)
		}
		n, err := db.SeedBalanceHistory(ctx, "m", seedPoints(now, "", "s1", "s2"))
		if err != nil || n != 9 {
			t.Fatalf("first seed wrote %d (%v), want 9", n, err)
		}
		hist, err := db.BalanceHistory(ctx, "s1", now.AddDate(0, 0, -10))
		if err != nil || len(hist) != 3 || hist[0].Debit.Decimal().String() != "30.07" || !hist[2].TakenAt.Equal(now.AddDate(0, 0, -1)) {
			t.Fatalf("s1 history %+v %v", hist, err)
		}
		totals, err := db.TotalsHistory(ctx, "m", now.AddDate(0, 0, -10))
		if err != nil || len(totals) != 3 {
			t.Fatalf("totals %+v %v", totals, err)
		}
		if n, err := db.SeedBalanceHistory(ctx, "m", seedPoints(now, "", "s1", "s2")); err != nil || n != 0 {
			t.Fatalf("second seed wrote %d (%v), want 0", n, err)
		}
		// A master without history whose sub-account has real points is left alone too.
		if n, err := db.SeedBalanceHistory(ctx, "m2", seedPoints(now, "", "s3", "s2")); err != nil || n != 0 {
			t.Fatalf("seed beside real points wrote %d (%v), want 0", n, err)
		}
		if hist, _ := db.BalanceHistory(ctx, "s3", now.AddDate(0, 0, -10)); len(hist) != 0 {
			t.Fatalf("s3 got %d points", len(hist))
		}
	})
}
