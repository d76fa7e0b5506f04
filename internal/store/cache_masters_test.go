package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// Two masters share the cache: each one's writes and removals touch only its own rows,
// lists filter by master, amounts and sync runs are per master, and rows cached before
// multi-master are adopted by the bootstrap master.
func TestCacheSeveralMasters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		// An untagged row, as migration 00052 leaves the old single master's cache.
		if err := db.UpsertSubAccounts(ctx, "", 1, []store.SubAccountInfo{{ID: "old-1", Name: "old"}}, now); err != nil {
			t.Fatal(err)
		}
		if n, err := db.AdoptUntaggedCache(ctx, "dom-a"); err != nil || n == 0 {
			t.Fatalf("adopt = %d, %v", n, err)
		}
		if err := db.UpsertSubAccounts(ctx, "dom-a", 2, []store.SubAccountInfo{{ID: "a-1", Name: "a1"}, {ID: "a-2", Name: "a2"}}, now); err != nil {
			t.Fatal(err)
		}
		if err := db.UpsertSubAccounts(ctx, "dom-b", 3, []store.SubAccountInfo{{ID: "b-1", Name: "b1"}}, now); err != nil {
			t.Fatal(err)
		}
		// A's complete listing saw a-1 and a-2: old-1 (adopted by A) goes, B's b-1 stays.
		if n, err := db.RemoveSubAccountsNotSeen(ctx, "dom-a", 2); err != nil || n != 1 {
			t.Fatalf("remove = %d, %v", n, err)
		}
		page, err := db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{})
		if err != nil || page.Total != 3 {
			t.Fatalf("all = %v %+v", err, page)
		}
		page, err = db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{MasterAccountID: "dom-b"})
		if err != nil || page.Total != 1 || page.Items[0].ID != "b-1" || page.Items[0].MasterAccountID != "dom-b" {
			t.Fatalf("master b = %v %+v", err, page)
		}
		ids, err := db.SubAccountIDsAfter(ctx, "dom-a", "", 10)
		if err != nil || len(ids) != 2 || ids[0] != "a-1" {
			t.Fatalf("ids of a = %v %v", ids, err)
		}
		st, err := db.SubAccountStatsOf(ctx, "dom-a", authz.Everything)
		if err != nil || st.Total != 2 {
			t.Fatalf("stats of a = %v %+v", err, st)
		}

		if err := db.StoreMasterBalances(ctx, "dom-a", store.MasterBalances{Debit: amt("10.00")}, now); err != nil {
			t.Fatal(err)
		}
		if err := db.StoreMasterBalances(ctx, "dom-b", store.MasterBalances{Debit: amt("20.00")}, now); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkMasterStale(ctx, "dom-b", "CBC.0999"); err != nil {
			t.Fatal(err)
		}
		a, err := db.MasterBalances(ctx, "dom-a")
		if err != nil || a.Debit.String() != "10.00" || a.Stale {
			t.Fatalf("a = %v %+v", err, a)
		}
		b, err := db.MasterBalances(ctx, "dom-b")
		if err != nil || b.Debit.String() != "20.00" || !b.Stale {
			t.Fatalf("b = %v %+v", err, b)
		}
		if ms, err := db.MasterAccountIDsCached(ctx); err != nil || len(ms) != 2 {
			t.Fatalf("cached masters = %v %v", ms, err)
		}

		// Totals history: each master's points, and their sum over time.
		if err := db.SnapshotTotals(ctx, "dom-a", now); err != nil {
			t.Fatal(err)
		}
		if err := db.SnapshotTotals(ctx, "dom-b", now.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		h, err := db.TotalsHistory(ctx, "", now.Add(-time.Minute))
		if err != nil || len(h) != 2 {
			t.Fatalf("history = %v %+v", err, h)
		}

		// One running run per (master, area): B's sync does not wait for A's.
		ra, err := db.BeginSyncRun(ctx, "dom-a", "balances", "", "test", "p1", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.BeginSyncRun(ctx, "dom-a", "balances", "", "test", "p2", time.Minute); !errors.Is(err, store.ErrSyncRunning) {
			t.Fatalf("second run of a = %v", err)
		}
		rb, err := db.BeginSyncRun(ctx, "dom-b", "balances", "", "test", "p2", time.Minute)
		if err != nil || rb.MasterAccountID != "dom-b" || ra.MasterAccountID != "dom-a" {
			t.Fatalf("run of b = %v %+v", err, rb)
		}
	})
}
