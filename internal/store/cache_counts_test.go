package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestListTotalWithoutCounting: a page that is the last one tells the total itself (the
// rows ahead of it and its own), so no COUNT runs; other pages still count, and the
// totals are those a COUNT gives.
func TestListTotalWithoutCounting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedCache(t, db)
		log := storetest.LogStatements(t, db)
		list := func(f store.SubAccountFilter) (store.SubAccountPage, []string) {
			t.Helper()
			var p store.SubAccountPage
			stmts := log.During(func() {
				var err error
				if p, err = db.ListSubAccounts(ctx, authz.Everything, f); err != nil {
					t.Fatal(err)
				}
			})
			return p, counting(stmts)
		}
		// "team" matches the 39 display names "Team sNN" (s07's is Chinese).
		for _, c := range []struct {
			f     store.SubAccountFilter
			total int64
		}{
			{store.SubAccountFilter{Q: "team", Limit: 50}, 39},
			{store.SubAccountFilter{Q: "财务", Limit: 25}, 1},
			{store.SubAccountFilter{Q: "nothing like it", Limit: 25}, 0},
			{store.SubAccountFilter{OrgID: "a", Limit: 25}, 20},
			{store.SubAccountFilter{Status: 2, Limit: 20}, 20},
		} {
			p, counts := list(c.f)
			if p.Total != c.total || int64(len(p.Items)) != c.total || p.NextCursor != "" || p.TotalCapped {
				t.Fatalf("%+v: total %d, %d rows, next %q, capped %v; want %d on one page", c.f, p.Total, len(p.Items), p.NextCursor, p.TotalCapped, c.total)
			}
			if len(counts) != 0 {
				t.Fatalf("%+v: one page of everything still counted: %q", c.f, counts)
			}
		}
		// More than a page: the first counts; the last is told by the rows ahead of it.
		f := store.SubAccountFilter{Q: "team", Limit: 25, Sort: store.SortBalance}
		first, counts := list(f)
		if first.Total != 39 || len(counts) != 1 {
			t.Fatalf("first of two pages: total %d, counts %q", first.Total, counts)
		}
		f.Cursor = first.NextCursor
		last, counts := list(f)
		if last.Total != 39 || last.Before != 25 || len(last.Items) != 14 || len(counts) != 1 {
			t.Fatalf("last page: total %d, before %d, %d rows, counts %q; want 39, 25, 14 and only the count before", last.Total, last.Before, len(last.Items), counts)
		}
		f.Cursor = store.LastPageCursor(f.Sort)
		if p, _ := list(f); p.Total != 39 || p.Before != 14 || len(p.Items) != 25 {
			t.Fatalf("last page by its cursor: total %d, before %d, %d rows", p.Total, p.Before, len(p.Items))
		}
		// A cursor past every row (its row gone) counts: an empty page proves nothing.
		f.Cursor = last.NextCursor
		if f.Cursor != "" {
			t.Fatalf("the last page has a next cursor %q", f.Cursor)
		}
		gone, err := db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{Q: "team", Limit: 25})
		if err != nil {
			t.Fatal(err)
		}
		stale := gone.NextCursor
		if _, err := db.RemoveSubAccountsNotSeen(ctx, testMaster, 99); err != nil { // every row gone
			t.Fatal(err)
		}
		if err := db.UpsertSubAccounts(ctx, testMaster, 100, []store.SubAccountInfo{{ID: "id-aaa", Name: "aaa", DisplayName: "Team aaa", Status: 1}}, time.Now()); err != nil {
			t.Fatal(err)
		}
		if p, counts := list(store.SubAccountFilter{Q: "team", Limit: 25, Cursor: stale}); len(p.Items) != 0 || p.Total != 1 || len(counts) == 0 {
			t.Fatalf("after a stale cursor: %d rows, total %d, counts %q; want none, 1 counted", len(p.Items), p.Total, counts)
		}
	})
}

// TestListTotalCapped: the list page counts at most store.TotalCap matches and says so;
// below the cap, and wherever the page tells the total, it is exact.
func TestListTotalCapped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const n = store.TotalCap + 30
		var subs []store.SubAccountInfo
		for i := range n {
			disp := "Team"
			if i%100 == 0 {
				disp = "Rare"
			}
			subs = append(subs, store.SubAccountInfo{ID: fmt.Sprintf("id-%05d", i), Name: fmt.Sprintf("sub-%05d", i), DisplayName: disp, Status: 1})
		}
		for start := 0; start < n; start += 500 {
			if err := db.UpsertSubAccounts(ctx, testMaster, 1, subs[start:min(start+500, n)], time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		capped := func(f store.SubAccountFilter) store.SubAccountPage {
			t.Helper()
			p, err := db.ListSubAccountsCapped(ctx, authz.Everything, f)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		if p := capped(store.SubAccountFilter{Q: "team", Limit: 25}); p.Total != store.TotalCap || !p.TotalCapped || len(p.Items) != 25 {
			t.Fatalf("capped: total %d, capped %v, %d rows", p.Total, p.TotalCapped, len(p.Items))
		}
		if p, err := db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{Q: "team", Limit: 25}); err != nil || p.Total != n-11 || p.TotalCapped {
			t.Fatalf("exact: total %d, capped %v, %v; want %d", p.Total, p.TotalCapped, err, n-11)
		}
		if p := capped(store.SubAccountFilter{Q: "rare", Limit: 5}); p.Total != 11 || p.TotalCapped {
			t.Fatalf("below the cap: total %d, capped %v", p.Total, p.TotalCapped)
		}
		// The last page knows the total however many there are.
		if p := capped(store.SubAccountFilter{Q: "team", Limit: 25, Cursor: store.LastPageCursor(store.SortName)}); p.Total != n-11 || p.TotalCapped || p.Before != n-11-25 {
			t.Fatalf("last page: total %d, capped %v, before %d", p.Total, p.TotalCapped, p.Before)
		}
		// Past the cap, a page counts exactly ("of more than 1,000" would say less than it shows).
		f := store.SubAccountFilter{Q: "team", Limit: 500}
		for range 2 {
			f.Cursor = capped(f).NextCursor
		}
		if p := capped(f); p.Before != 1000 || p.Total != n-11 || p.TotalCapped {
			t.Fatalf("page after the cap: before %d, total %d, capped %v", p.Before, p.Total, p.TotalCapped)
		}
	})
}

// TestListCappedFirstPageInOneRead: with at most store.TotalCap matches the list page's
// first page and its total are one statement, and the page is the one ListSubAccounts
// reads: same rows in the same order, same cursors, same total, in every sort.
func TestListCappedFirstPageInOneRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedCache(t, db)
		log := storetest.LogStatements(t, db)
		for _, sort := range []string{store.SortName, store.SortNameDesc, store.SortBalance, store.SortBalanceDesc, store.SortRunway, store.SortRunwayDesc} {
			for _, f := range []store.SubAccountFilter{{Q: "team"}, {Q: "s1"}, {Q: "财"}, {Q: "zz"}, {OrgID: "a"}, {Status: 1}, {}} {
				f.Sort, f.Limit = sort, 7
				want, err := db.ListSubAccounts(ctx, authz.Everything, f)
				if err != nil {
					t.Fatal(err)
				}
				var got store.SubAccountPage
				stmts := log.During(func() {
					if got, err = db.ListSubAccountsCapped(ctx, authz.Everything, f); err != nil {
						t.Fatal(err)
					}
				})
				if len(stmts) != 1 && (f.OrgID == "" || len(stmts) != 2) { // a unit's path is looked up first
					t.Errorf("%+v: %d statements: %q", f, len(stmts), stmts)
				}
				if strings.Join(ids(got.Items), ",") != strings.Join(ids(want.Items), ",") || got.Total != want.Total || got.TotalCapped || got.NextCursor != want.NextCursor ||
					got.LastCursor != want.LastCursor || got.PrevCursor != "" || got.Before != 0 {
					t.Errorf("%+v:\n got %v total %d next %q last %q\nwant %v total %d next %q last %q", f, ids(got.Items), got.Total, got.NextCursor, got.LastCursor,
						ids(want.Items), want.Total, want.NextCursor, want.LastCursor)
				}
			}
		}
	})
}
