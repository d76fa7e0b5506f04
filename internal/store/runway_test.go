package store_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/forecast"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// runwayOf is the runway seedRunways gives sub-account number i: ties in days, a runway
// run out, every state, and some never computed.
func runwayOf(i int) store.Runway {
	d := decimal.RequireFromString
	switch i % 8 {
	case 0:
		return store.Runway{State: store.RunwayEstimated, Days: d("2.5"), Burn: d("12.3456"), BasedOn: 14}
	case 1:
		return store.Runway{State: store.RunwayEstimated, Days: d("2.5"), Burn: d("3.3333"), BasedOn: 14}
	case 2:
		return store.Runway{State: store.RunwayEstimated, Days: d("10.0"), Burn: d("1.5"), BasedOn: 9}
	case 3:
		return store.Runway{State: store.RunwayEstimated, Days: d("0"), Burn: d("20"), BasedOn: 14}
	case 4:
		return store.Runway{State: store.RunwayNoConsumption, BasedOn: 14}
	case 5:
		return store.Runway{State: store.RunwayNotEnoughHistory, BasedOn: 2}
	case 7:
		return store.Runway{State: store.RunwayEstimated, Days: d("45.3"), Burn: d("0.25"), BasedOn: 14}
	}
	return store.Runway{} // never computed
}

// runwayRank is the order "days left" promises: estimated by days, then no consumption,
// not enough history, not computed.
func runwayRank(r store.Runway) decimal.Decimal {
	switch r.State {
	case store.RunwayEstimated:
		return r.Days
	case store.RunwayNoConsumption:
		return decimal.NewFromInt(1e9)
	case store.RunwayNotEnoughHistory:
		return decimal.NewFromInt(2e9)
	}
	return decimal.NewFromInt(3e9)
}

func seedRunways(t *testing.T, db *store.DB) {
	t.Helper()
	seedCache(t, db)
	var ups []store.RunwayUpdate
	for i := range 40 {
		if r := runwayOf(i); r.State != store.RunwayNone {
			ups = append(ups, store.RunwayUpdate{SubAccountID: fmt.Sprintf("id-s%02d", i), Runway: r})
		}
	}
	if err := db.StoreRunways(context.Background(), time.Now(), ups); err != nil {
		t.Fatal(err)
	}
}

// TestSubAccountListByDaysLeft walks the list by days left both ways, in both
// directions, seven rows a page: every row once, in the promised order (ties by id, the
// states that are not numbers after the numbers, descending the exact reverse), the walk
// back from the last page the same as the walk forward. "Runs out within" filters on it.
func TestSubAccountListByDaysLeft(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedRunways(t, db)
		var want []string
		for i := range 40 {
			want = append(want, fmt.Sprintf("id-s%02d", i))
		}
		rank := func(id string) decimal.Decimal {
			var i int
			fmt.Sscanf(id, "id-s%02d", &i)
			return runwayRank(runwayOf(i))
		}
		slices.SortFunc(want, func(a, b string) int {
			if c := rank(a).Cmp(rank(b)); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		for _, sort := range []string{store.SortRunway, store.SortRunwayDesc} {
			t.Run(sort, func(t *testing.T) {
				expect := slices.Clone(want)
				if sort == store.SortRunwayDesc {
					slices.Reverse(expect)
				}
				list := func(cursor string) store.SubAccountPage {
					t.Helper()
					p, err := db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{Sort: sort, Limit: 7, Cursor: cursor})
					if err != nil || p.Total != 40 {
						t.Fatalf("list: total %d, %v", p.Total, err)
					}
					return p
				}
				var forward []string
				for p, n := list(""), 0; ; n++ {
					if p.Before != int64(len(forward)) {
						t.Fatalf("page %d: Before %d, want %d", n, p.Before, len(forward))
					}
					for _, s := range p.Items {
						forward = append(forward, s.ID)
					}
					if p.NextCursor == "" || n > 10 {
						break
					}
					p = list(p.NextCursor)
				}
				if !slices.Equal(forward, expect) {
					t.Fatalf("forward\n%v\nwant\n%v", forward, expect)
				}
				var backward []string
				for p, n := list(store.LastPageCursor(sort)), 0; ; n++ {
					var page []string
					for _, s := range p.Items {
						page = append(page, s.ID)
					}
					backward = append(page, backward...)
					if p.PrevCursor == "" || n > 10 {
						break
					}
					p = list(p.PrevCursor)
				}
				if !slices.Equal(backward, expect) {
					t.Fatalf("backward\n%v\nwant\n%v", backward, expect)
				}
			})
		}
		// Runs out within 7 days: the 2.5-day ties and the runway run out (15 rows), soonest first.
		p, err := db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{Sort: store.SortRunway, RunwayBelow: 7, Limit: 100})
		if err != nil || p.Total != 15 || !slices.EqualFunc(p.Items, want[:15], func(s store.SubAccount, id string) bool { return s.ID == id }) {
			t.Fatalf("within 7 days: total %d, %v", p.Total, err)
		}
		if r := p.Items[len(p.Items)-1].Runway; r.State != store.RunwayEstimated || !r.Days.Equal(decimal.RequireFromString("2.5")) || r.BasedOn != 14 || r.At == nil {
			t.Fatalf("a stored runway read back: %+v", r)
		}
		// A cursor of the balance sort does not page the runway sort (it starts over).
		bal, _ := db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{Sort: store.SortBalance, Limit: 7})
		again, err := db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{Sort: store.SortRunway, Limit: 7, Cursor: bal.NextCursor})
		if err != nil || again.Items[0].ID != want[0] {
			t.Fatalf("foreign cursor: %v, %v", again.Items, err)
		}
	})
}

// TestRunwayBuckets: the dashboard's "run out within 7 / 14 / 30 days", counted and added
// up in SQL, equals forecast.Runway.Needed summed over the rows, on both databases and
// within a scope.
func TestRunwayBuckets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedRunways(t, db)
		horizons := []int{7, 14, 30}
		for _, scope := range []authz.QueryScope{authz.Everything, {OrgIDs: []string{"b"}}} {
			got, err := db.RunwayBuckets(ctx, scope, "", nil, horizons)
			if err != nil || len(got) != 3 {
				t.Fatalf("buckets: %v, %v", got, err)
			}
			rows, err := db.ListSubAccounts(ctx, scope, store.SubAccountFilter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			for k, h := range horizons {
				var n int64
				sum := decimal.Zero
				for _, sa := range rows.Items {
					fr := forecast.Runway{State: forecast.State(sa.Runway.State), Available: sa.Total.Decimal(), DailyBurn: sa.Runway.Burn, Days: sa.Runway.Days}
					if fr.Below(h) {
						n++
						sum = sum.Add(fr.Needed(h))
					}
				}
				if got[k].Days != h || got[k].Count != n || !got[k].Needed.Decimal().Equal(sum.RoundCeil(2)) {
					t.Fatalf("scope %v, within %d days: %+v, want %d accounts needing %s", scope, h, got[k], n, sum.RoundCeil(2))
				}
				// Unit b holds the 10-day runways (and some never computed) only.
				if (scope.All || h > 10) && (n == 0 || sum.IsZero()) {
					t.Fatalf("scope %v, within %d days: nothing to add up", scope, h)
				}
			}
		}
		// Another master's rows are not counted.
		if got, err := db.RunwayBuckets(ctx, authz.Everything, "other-master", nil, horizons); err != nil || got[2].Count != 0 {
			t.Fatalf("other master: %+v, %v", got, err)
		}
	})
}
