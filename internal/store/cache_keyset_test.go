package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestSubAccountListKeysetBothWays walks every sort first → next → … → last and then
// last → prev → … → first: both walks visit every row exactly once, in the same order,
// with ties in the sort key (equal totals; six sub-accounts named alike).
func TestSubAccountListKeysetBothWays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedCache(t, db)
		var dups []store.SubAccountInfo
		for i := range 6 {
			dups = append(dups, store.SubAccountInfo{ID: fmt.Sprintf("id-dup%d", 5-i), Name: "s10", Status: 1, OrgID: "b", OrgName: "b"})
		}
		if err := db.UpsertSubAccounts(ctx, testMaster, 2, dups, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		const total, limit = 46, 7
		for _, sort := range []string{store.SortName, store.SortNameDesc, store.SortBalance, store.SortBalanceDesc} {
			t.Run(sort, func(t *testing.T) {
				list := func(cursor string) store.SubAccountPage {
					t.Helper()
					p, err := db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{Sort: sort, Limit: limit, Cursor: cursor})
					if err != nil {
						t.Fatal(err)
					}
					if p.Total != total {
						t.Fatalf("Total = %d, want %d", p.Total, total)
					}
					return p
				}
				ids := func(p store.SubAccountPage) []string {
					var out []string
					for _, s := range p.Items {
						out = append(out, s.ID)
					}
					return out
				}
				// Forward from the first page.
				var forward []string
				p := list("")
				if p.PrevCursor != "" || p.Before != 0 {
					t.Fatalf("first page: prev %q, before %d", p.PrevCursor, p.Before)
				}
				for n := 0; ; n++ {
					if p.Before != int64(len(forward)) {
						t.Fatalf("page %d: Before = %d, want %d", n, p.Before, len(forward))
					}
					if n > 0 && p.PrevCursor == "" {
						t.Fatalf("page %d has no previous page", n)
					}
					forward = append(forward, ids(p)...)
					if p.NextCursor == "" {
						break
					}
					p = list(p.NextCursor)
					if n > 10 {
						t.Fatal("too many pages")
					}
				}
				assertOnce(t, forward, total)
				// Backward from the last page.
				var backward [][]string
				p = list(store.LastPageCursor(sort))
				if p.NextCursor != "" || len(p.Items) != limit || p.Before != total-limit {
					t.Fatalf("last page: next %q, %d rows, before %d", p.NextCursor, len(p.Items), p.Before)
				}
				for n := 0; ; n++ {
					backward = append(backward, ids(p))
					if p.PrevCursor == "" {
						break
					}
					next := p.NextCursor
					p = list(p.PrevCursor)
					if p.NextCursor == "" {
						t.Fatalf("previous page %d has no next page", n)
					}
					// The previous page's next is the page we came from.
					if back := list(p.NextCursor); next != "" && !slices.Equal(ids(back), backward[len(backward)-1]) {
						t.Fatalf("prev then next: %v, want %v", ids(back), backward[len(backward)-1])
					}
					if n > 10 {
						t.Fatal("too many pages")
					}
				}
				var walked []string
				for i := len(backward) - 1; i >= 0; i-- {
					walked = append(walked, backward[i]...)
				}
				if !slices.Equal(walked, forward) {
					t.Fatalf("backward walk\n%v\nforward walk\n%v", walked, forward)
				}
				// A next cursor of the old form (no direction) still pages forward.
				if p2 := list(list("").NextCursor); !slices.Equal(ids(p2), forward[limit:2*limit]) {
					t.Fatalf("second page %v, want %v", ids(p2), forward[limit:2*limit])
				}
			})
		}
	})
}

// TestSubAccountListOrgIDs: a typed unit name's matches filter by any of the units (and
// below them); no match lists nothing, not everything.
func TestSubAccountListOrgIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedCache(t, db)
		p, err := db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{OrgIDs: []string{"a1", "b"}, Limit: 100})
		if err != nil || p.Total != 20 {
			t.Fatalf("a1+b: total %d, %v; want 20", p.Total, err)
		}
		p, err = db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{OrgIDs: []string{}, Limit: 100})
		if err != nil || p.Total != 0 || len(p.Items) != 0 {
			t.Fatalf("no unit matched: total %d, %d rows, %v; want none", p.Total, len(p.Items), err)
		}
	})
}

func assertOnce(t *testing.T, ids []string, n int) {
	t.Helper()
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("%s listed twice", id)
		}
		seen[id] = true
	}
	if len(ids) != n {
		t.Fatalf("%d rows walked, want %d", len(ids), n)
	}
}
