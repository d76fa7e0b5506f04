package store_test

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// The billing lists page by keyset both ways, like the sub-account list: on both
// databases, walking forward and back yields every row once, in the order computed here
// (expiry soonest first, "never" last, ties by the table's key), in full pages.

// walkLimits: 1 makes every row a page boundary (a cursor on a NULL expiry, on a tie, on
// the last dated row before the NULLs); the others leave a short last or first page.
var walkLimits = []int{1, 4, 7, 500}

// walkBothWays checks a list whose rows in order are want: first → next → … → last and
// last → previous → … → first each visit every row once in that order, full pages but
// the last (forward) or the first (backward), numbered by Before; the previous page's
// next is the page one came from; a garbage cursor opens the first page.
func walkBothWays[T any](t *testing.T, want []string, id func(T) string, list func(cursor string, limit int) store.Page[T]) {
	t.Helper()
	total := len(want)
	for _, limit := range walkLimits {
		ids := func(p store.Page[T]) []string {
			out := make([]string, len(p.Items))
			for i, x := range p.Items {
				out[i] = id(x)
			}
			return out
		}
		get := func(cursor string) store.Page[T] {
			t.Helper()
			p := list(cursor, limit)
			if p.Total != int64(total) {
				t.Fatalf("limit %d: Total = %d, want %d", limit, p.Total, total)
			}
			return p
		}
		first := get("")
		if first.PrevCursor != "" || first.Before != 0 {
			t.Fatalf("limit %d: first page has prev %q, before %d", limit, first.PrevCursor, first.Before)
		}
		var forward []string
		for p, n := first, 0; ; n++ {
			if p.Before != int64(len(forward)) {
				t.Fatalf("limit %d, page %d: Before = %d, want %d", limit, n, p.Before, len(forward))
			}
			if (n > 0) != (p.PrevCursor != "") {
				t.Fatalf("limit %d, page %d: prev cursor %q", limit, n, p.PrevCursor)
			}
			if p.NextCursor != "" && (len(p.Items) != limit || p.LastCursor == "") {
				t.Fatalf("limit %d, page %d: %d rows before the last page, last cursor %q", limit, n, len(p.Items), p.LastCursor)
			}
			forward = append(forward, ids(p)...)
			if p.NextCursor == "" {
				if p.LastCursor != "" {
					t.Fatalf("limit %d: the last page links a last page", limit)
				}
				break
			}
			if n > total {
				t.Fatalf("limit %d: too many pages", limit)
			}
			p = get(p.NextCursor)
		}
		if !slices.Equal(forward, want) {
			t.Fatalf("limit %d: forward walk\n%v\nwant\n%v", limit, forward, want)
		}
		if total <= limit {
			if first.LastCursor != "" || first.NextCursor != "" {
				t.Fatalf("limit %d: one page links on", limit)
			}
			continue
		}
		last := get(first.LastCursor)
		if last.NextCursor != "" || len(last.Items) != limit || last.Before != int64(total-limit) {
			t.Fatalf("limit %d: last page: next %q, %d rows, before %d", limit, last.NextCursor, len(last.Items), last.Before)
		}
		var pages [][]string
		for p, n := last, 0; ; n++ {
			pages = append(pages, ids(p))
			if p.PrevCursor == "" {
				break
			}
			if len(p.Items) != limit {
				t.Fatalf("limit %d: %d rows on a page after the first (backward)", limit, len(p.Items))
			}
			if n > total {
				t.Fatalf("limit %d: too many pages back", limit)
			}
			came := ids(p)
			p = get(p.PrevCursor)
			if p.NextCursor == "" {
				t.Fatalf("limit %d: a previous page has no next", limit)
			}
			if again := ids(get(p.NextCursor)); !slices.Equal(again, came) {
				t.Fatalf("limit %d: previous then next: %v, want %v", limit, again, came)
			}
		}
		var backward []string
		for i := len(pages) - 1; i >= 0; i-- {
			backward = append(backward, pages[i]...)
		}
		if !slices.Equal(backward, want) {
			t.Fatalf("limit %d: backward walk\n%v\nwant\n%v", limit, backward, want)
		}
	}
	for _, bad := range []string{"garbage!", base64.RawURLEncoding.EncodeToString([]byte(`{"s":"other","v":["x"]}`)),
		base64.RawURLEncoding.EncodeToString([]byte(`{"s":"coupons","v":["not a time","a","b","c"]}`)),
		base64.RawURLEncoding.EncodeToString([]byte(`{"s":"cards","v":["x",null,"k"]}`))} {
		if p := list(bad, 3); p.PrevCursor != "" || !slices.Equal(idsOf(p, id), want[:min(3, total)]) {
			t.Fatalf("cursor %q: %v, want the first page", bad, idsOf(p, id))
		}
	}
}

func idsOf[T any](p store.Page[T], id func(T) string) []string {
	var out []string
	for _, x := range p.Items {
		out = append(out, id(x))
	}
	return out
}

// expiries cycles through NULL ("never"), ties and microseconds, so that every order meets
// each kind of key.
func expiries(at time.Time, i int) *time.Time {
	if i%3 == 0 {
		return nil
	}
	e := at.Add(time.Duration(i%4) * time.Hour)
	if i%7 == 0 {
		e = e.Add(1500 * time.Microsecond)
	}
	return &e
}

// byExpiry compares expiries soonest first, none last.
func byExpiry(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return a.Compare(*b)
}

var listAt = time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)

func TestCouponListKeysetBothWays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedCache(t, db) // 40 sub-accounts, each with a coupon that never expires
		var mc []store.Coupon
		for i := range 20 {
			mc = append(mc, store.Coupon{CouponID: fmt.Sprintf("m-%02d", 19-i), PlanName: "Spring", Balance: amt("1.00"), Expire: expiries(listAt, i)})
		}
		if err := db.ReplaceMasterCoupons(ctx, testMaster, mc, listAt); err != nil {
			t.Fatal(err)
		}
		var held []store.SubAccountBalances
		for i := range 40 {
			id := fmt.Sprintf("id-s%02d", i)
			held = append(held, store.SubAccountBalances{SubAccountID: id, Coupons: []store.Coupon{
				{CouponID: "c-" + id, SubCouponID: "sc1", SubAccountID: id, PlanName: "Plan", Balance: amt("5.00"), Expire: expiries(listAt, i+1)},
				{CouponID: "shared", SubCouponID: "sc2", SubAccountID: id, PlanName: "Plan", Balance: amt("5.00"), Expire: expiries(listAt, i)},
			}})
		}
		if err := db.StoreSubAccountCoupons(ctx, listAt, held, 0, store.RunProgress{}); err != nil {
			t.Fatal(err)
		}
		all, err := db.PageCoupons(ctx, authz.Everything, store.CouponFilter{AllHolders: true, Limit: 500})
		if err != nil || all.Total != 100 {
			t.Fatalf("every coupon: %d, %v", all.Total, err)
		}
		// In scope b: b's sub-accounts (every fourth) and the master's, which belong to no unit.
		inB := func(c store.Coupon) bool {
			var i int
			_, err := fmt.Sscanf(c.SubAccountID, "id-s%d", &i)
			return c.SubAccountID == "" || err == nil && i%4 == 2
		}
		key := func(c store.Coupon) string { return c.SubAccountID + "/" + c.CouponID + "/" + c.SubCouponID }
		for _, scope := range []authz.QueryScope{authz.Everything, {OrgIDs: []string{"b"}}} {
			want := slices.Clone(all.Items)
			if !scope.All {
				want = slices.DeleteFunc(want, func(c store.Coupon) bool { return !inB(c) })
			}
			slices.SortFunc(want, func(a, b store.Coupon) int {
				return cmp.Or(byExpiry(a.Expire, b.Expire), strings.Compare(a.SubAccountID, b.SubAccountID), strings.Compare(a.CouponID, b.CouponID), strings.Compare(a.SubCouponID, b.SubCouponID))
			})
			var wantIDs []string
			for _, c := range want {
				wantIDs = append(wantIDs, key(c))
			}
			if !scope.All && len(wantIDs) != 40 {
				t.Fatalf("%d coupons in b, want 40", len(wantIDs))
			}
			walkBothWays(t, wantIDs, key, func(cursor string, limit int) store.Page[store.Coupon] {
				t.Helper()
				p, err := db.PageCoupons(ctx, scope, store.CouponFilter{AllHolders: true, Cursor: cursor, Limit: limit})
				if err != nil {
					t.Fatal(err)
				}
				return p
			})
			var walked []string
			if err := db.ForEachCoupon(ctx, scope, store.CouponFilter{AllHolders: true}, func(c store.Coupon) error { walked = append(walked, key(c)); return nil }); err != nil || !slices.Equal(walked, wantIDs) {
				t.Fatalf("ForEachCoupon: %v, %v", walked, err)
			}
		}
	})
}

func TestCardListKeysetBothWays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var cards []store.StoredValueCard
		for i := range 23 {
			cards = append(cards, store.StoredValueCard{CardID: fmt.Sprintf("k%02d", 22-i), Name: "card", Status: 1 + i%2,
				FaceValue: amt("100.00"), Balance: amt("10.00"), Expire: expiries(listAt, i)})
		}
		if err := db.ReplaceCards(ctx, testMaster, cards, listAt); err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(cards)
		slices.SortFunc(want, func(a, b store.StoredValueCard) int {
			return cmp.Or(cmp.Compare(a.Status, b.Status), byExpiry(a.Expire, b.Expire), strings.Compare(a.CardID, b.CardID))
		})
		var wantIDs []string
		for _, c := range want {
			wantIDs = append(wantIDs, c.CardID)
		}
		// Cards are the master's as a whole: a scoped subject sees them all.
		for _, scope := range []authz.QueryScope{authz.Everything, {OrgIDs: []string{"b"}}} {
			walkBothWays(t, wantIDs, func(c store.StoredValueCard) string { return c.CardID }, func(cursor string, limit int) store.Page[store.StoredValueCard] {
				t.Helper()
				p, err := db.PageCards(ctx, scope, store.CardFilter{Cursor: cursor, Limit: limit})
				if err != nil {
					t.Fatal(err)
				}
				return p
			})
		}
	})
}

func TestResourceListKeysetBothWays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedCache(t, db)
		var all []store.Resource
		// The same resource ids under several accounts: ties on expiry and id, apart by account.
		for a, account := range []string{testMaster, "id-s02", "id-s06", "id-s01", "id-s10"} {
			var rs []store.Resource
			for i := range 9 {
				r := store.Resource{ResourceID: fmt.Sprintf("r%d", 8-i), AccountID: account, Name: "vm", Status: 2, Expire: expiries(listAt, i+a)}
				rs = append(rs, r)
			}
			if err := db.ReplaceResources(ctx, account, rs, listAt); err != nil {
				t.Fatal(err)
			}
			all = append(all, rs...)
		}
		slices.SortFunc(all, func(a, b store.Resource) int {
			return cmp.Or(byExpiry(a.Expire, b.Expire), strings.Compare(a.ResourceID, b.ResourceID), strings.Compare(a.AccountID, b.AccountID))
		})
		key := func(r store.Resource) string { return r.AccountID + "/" + r.ResourceID }
		for _, scope := range []authz.QueryScope{authz.Everything, {OrgIDs: []string{"b"}}} {
			var want []string
			for _, r := range all {
				// b holds s02, s06 and s10; the master's own resources belong to no unit.
				if scope.All || r.AccountID == "id-s02" || r.AccountID == "id-s06" || r.AccountID == "id-s10" {
					want = append(want, key(r))
				}
			}
			walkBothWays(t, want, key, func(cursor string, limit int) store.Page[store.Resource] {
				t.Helper()
				p, err := db.PageResources(ctx, scope, store.ResourceFilter{Cursor: cursor, Limit: limit})
				if err != nil {
					t.Fatal(err)
				}
				return p
			})
		}
	})
}

func TestPackageListKeysetBothWays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var us []store.PackageUsage
		for i := range 17 {
			us = append(us, store.PackageUsage{FreeResourceID: fmt.Sprintf("f%02d", 16-i), ProductName: "OBS", Original: decimal.NewFromInt(10),
				Remaining: decimal.NewFromInt(int64(i)), Expire: expiries(listAt, i)})
		}
		if err := db.ReplacePackageUsages(ctx, testMaster, us, listAt); err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(us)
		slices.SortFunc(want, func(a, b store.PackageUsage) int {
			return cmp.Or(byExpiry(a.Expire, b.Expire), strings.Compare(a.FreeResourceID, b.FreeResourceID))
		})
		var wantIDs []string
		for _, u := range want {
			wantIDs = append(wantIDs, u.FreeResourceID)
		}
		walkBothWays(t, wantIDs, func(u store.PackageUsage) string { return u.FreeResourceID }, func(cursor string, limit int) store.Page[store.PackageUsage] {
			t.Helper()
			p, err := db.PagePackageUsages(ctx, authz.QueryScope{OrgIDs: []string{"b"}}, store.PackageFilter{Cursor: cursor, Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			return p
		})
	})
}

func TestCatalogListKeysetBothWays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var want []string
		for _, lang := range []string{"en_US", "zh_CN"} {
			var es []store.CatalogEntry
			for i := range 11 {
				// Codes repeat under other parents and in the other language.
				es = append(es, store.CatalogEntry{Code: fmt.Sprintf("code-%d", i%4), Parent: fmt.Sprintf("p%d", i), Name: "entry"})
			}
			if err := db.ReplaceCatalog(ctx, store.CatalogResourceType, lang, es, listAt); err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				want = append(want, e.Code+"/"+e.Parent+"/"+lang)
			}
		}
		slices.Sort(want)
		key := func(e store.CatalogEntry) string { return e.Code + "/" + e.Parent + "/" + e.Lang }
		walkBothWays(t, want, key, func(cursor string, limit int) store.Page[store.CatalogEntry] {
			t.Helper()
			p, err := db.PageCatalog(ctx, store.CatalogFilter{Kind: store.CatalogResourceType, Cursor: cursor, Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			return p
		})
	})
}

// TestSubAccountCursorBeforeCompositeKeys: a next link of the sub-account list from
// before cursors carried a key list (a sort key and an id) still opens the page after it.
func TestSubAccountCursorBeforeCompositeKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedCache(t, db)
		old := base64.RawURLEncoding.EncodeToString([]byte(`{"s":"name","k":"s06","i":"id-s06"}`))
		p, err := db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{Cursor: old, Limit: 3})
		if err != nil || !slices.Equal(ids(p.Items), []string{"id-s07", "id-s08", "id-s09"}) || p.Before != 7 {
			t.Fatalf("old cursor: %v, before %d, %v", ids(p.Items), p.Before, err)
		}
	})
}
