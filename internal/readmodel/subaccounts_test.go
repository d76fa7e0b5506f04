package readmodel

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

// TestFilteredPagesCountTheirTotalOnce: the pages after the first of a filtered list (the
// pager's next, last and previous links, in any sort) share one count of the filter's
// matches while nothing is written, and each still numbers its rows and says the right
// total; past store.TotalCap rows, the total is exact; a last page counts nothing more.
// Each page counted the filter again before: a deep page ran three statements where one
// reads its rows.
func TestFilteredPagesCountTheirTotalOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		const n = store.TotalCap + 30
		subs := make([]store.SubAccountInfo, n)
		for i := range subs {
			subs[i] = store.SubAccountInfo{ID: fmt.Sprintf("s-%05d", i), Name: fmt.Sprintf("team %05d", i)}
		}
		subs[7].Name = "other 7" // one that the search leaves out
		if err := db.UpsertSubAccounts(ctx, "dom", 1, subs, now); err != nil {
			t.Fatal(err)
		}
		r := New(db)
		log := storetest.LogStatements(t, db)
		totals := func(stmts []string) (n int) {
			for _, s := range stmts {
				// The filter's total; a page's "rows ahead" count seeks from its key.
				if strings.Contains(s, "COUNT(*)") && !strings.Contains(s, "(name, id)") {
					n++
				}
			}
			return n
		}
		page := func(f store.SubAccountFilter) SubAccountPage {
			t.Helper()
			p, err := r.SubAccounts(ctx, authz.Everything, f)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		f := store.SubAccountFilter{Q: "team"}
		first := page(f)
		if first.Total != store.TotalCap || !first.TotalCapped {
			t.Fatalf("first page: total %d capped %v, want %d capped", first.Total, first.TotalCapped, store.TotalCap)
		}
		var walk []string
		stmts := log.During(func() {
			cur := first.NextCursor
			for i := 2; i <= 4; i++ {
				f.Cursor = cur
				p := page(f)
				if p.Before != int64(25*(i-1)) || p.Total != store.TotalCap || !p.TotalCapped {
					t.Errorf("page %d: before %d, total %d capped %v", i, p.Before, p.Total, p.TotalCapped)
				}
				walk = append(walk, p.Items[0].ID)
				cur = p.NextCursor
			}
		})
		if got := totals(stmts); got != 1 {
			t.Errorf("pages 2–4 counted the filter's total %d times, want once:\n%s", got, strings.Join(stmts, "\n"))
		}
		if walk[0] != "s-00026" || walk[2] != "s-00076" { // s-00007 is not a match
			t.Errorf("pages 2–4 start at %v", walk)
		}
		// The last page numbers rows past the cap: its total is exact, and counted once.
		f.Cursor = first.LastCursor
		var last SubAccountPage
		stmts = log.During(func() { last = page(f) })
		if last.Total != n-1 || last.TotalCapped || last.Before+int64(len(last.Items)) != n-1 {
			t.Errorf("last page: before %d + %d rows, total %d capped %v; want %d exact", last.Before, len(last.Items), last.Total, last.TotalCapped, n-1)
		}
		// In another sort, the exact total read for the last page serves again.
		f.Sort, f.Cursor = store.SortNameDesc, store.LastPageCursor(store.SortNameDesc)
		stmts = append(stmts, log.During(func() {
			if p := page(f); p.Total != n-1 || p.TotalCapped {
				t.Errorf("last page by name descending: total %d capped %v", p.Total, p.TotalCapped)
			}
		})...)
		if got := totals(stmts); got != 1 {
			t.Errorf("two last pages counted the filter's total %d times, want once:\n%s", got, strings.Join(stmts, "\n"))
		}
		// Nor do they count the rows ahead of them: the total less their own.
		for _, s := range stmts {
			if strings.Contains(s, "COUNT(*)") && strings.Contains(s, ", id)") {
				t.Errorf("a last page counted the rows ahead of it: %s", s)
			}
		}
		// Unfiltered, the total is the scope's stats', and the last page counts nothing.
		stmts = log.During(func() {
			p := page(store.SubAccountFilter{Cursor: first.LastCursor})
			if p.Total != n || p.Before+int64(len(p.Items)) != n || p.Items[len(p.Items)-1].ID != fmt.Sprintf("s-%05d", n-1) {
				t.Errorf("unfiltered last page: before %d + %d rows of %d", p.Before, len(p.Items), p.Total)
			}
		})
		for _, s := range stmts {
			if strings.Contains(s, "COUNT(*) FROM sub_accounts") {
				t.Errorf("the unfiltered last page counted: %s", s)
			}
		}
		// A write retires the total with the pages: a new match is counted.
		if err := db.UpsertSubAccounts(ctx, "dom", 2, append(subs, store.SubAccountInfo{ID: "s-new", Name: "team new"}), now); err != nil {
			t.Fatal(err)
		}
		f.Sort, f.Cursor = "", first.LastCursor
		if p := page(f); p.Total != n {
			t.Errorf("after a new match: total %d, want %d", p.Total, n)
		}
	})
}
