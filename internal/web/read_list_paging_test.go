package web_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

// seedListPages gives every billing list more than two pages, with expiries that tie and
// that are missing ("never"): 40 master coupons and one of each of 20 west fillers (61
// for an unscoped user, 41 for eve: the master's and alpha's), 55 cards, 60 resources of
// the master besides alpha's, 52 package usages and 53 service types.
func seedListPages(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	exp := func(i int) *time.Time {
		if i%3 == 0 {
			return nil
		}
		e := seedAt.Add(time.Duration(i%4) * 24 * time.Hour)
		return &e
	}
	var coupons []store.Coupon
	for i := range 40 {
		coupons = append(coupons, store.Coupon{CouponID: fmt.Sprintf("mc-%02d", i), PlanName: "Spring", Balance: amt("1.00"), Expire: exp(i)})
	}
	if err := db.ReplaceMasterCoupons(ctx, testMaster, coupons, seedAt); err != nil {
		t.Fatal(err)
	}
	var held []store.SubAccountBalances
	for i := range 20 {
		id := fmt.Sprintf("sa-w%02d", i)
		held = append(held, store.SubAccountBalances{SubAccountID: id, Coupons: []store.Coupon{{CouponID: "wc", SubCouponID: "s-" + id, PlanName: "West", Balance: amt("2.00"), Expire: exp(i)}}})
	}
	if err := db.StoreSubAccountCoupons(ctx, seedAt, held, 0, store.RunProgress{}); err != nil {
		t.Fatal(err)
	}
	var cards []store.StoredValueCard
	for i := range 55 {
		cards = append(cards, store.StoredValueCard{CardID: fmt.Sprintf("card-%02d", i), Name: "Card", Status: 1 + i%2, FaceValue: amt("10.00"), Balance: amt("1.00"), Expire: exp(i)})
	}
	if err := db.ReplaceCards(ctx, testMaster, cards, seedAt); err != nil {
		t.Fatal(err)
	}
	var res []store.Resource
	for i := range 60 {
		res = append(res, store.Resource{ResourceID: fmt.Sprintf("mr-%02d", i), Name: "vm", IsMain: true, Status: 2, Expire: exp(i)})
	}
	if err := db.ReplaceResources(ctx, testMaster, res, seedAt); err != nil {
		t.Fatal(err)
	}
	var pkgs []store.PackageUsage
	for i := range 52 {
		pkgs = append(pkgs, store.PackageUsage{FreeResourceID: fmt.Sprintf("free-%02d", i), ProductName: "OBS", Original: decimal.NewFromInt(10), Expire: exp(i)})
	}
	if err := db.ReplacePackageUsages(ctx, testMaster, pkgs, seedAt); err != nil {
		t.Fatal(err)
	}
	var cat []store.CatalogEntry
	for i := range 53 {
		cat = append(cat, store.CatalogEntry{Code: fmt.Sprintf("hws.service.type.s%02d", i%27), Parent: fmt.Sprintf("p%d", i), Name: "Service"})
	}
	if err := db.ReplaceCatalog(ctx, store.CatalogServiceType, "en_US", cat, seedAt); err != nil {
		t.Fatal(err)
	}
}

// walkPager follows a list's pager from start: next to the end, the last page, previous
// back to the start, and first. Every row (data-id of row) is met once each way, in the
// same order, numbered by the summary, in full pages but the last (forward) or the first
// (backward); the links keep the list's filters (keep). It returns the rows in order.
func walkPager(t *testing.T, b *browser, start, row, keep string, total int) []string {
	t.Helper()
	const size = 25
	ids := func(r response) []string {
		var out []string
		r.doc(t).Find(`[data-testid="` + row + `"]`).Each(func(_ int, s *goquery.Selection) { out = append(out, s.AttrOr("data-id", "")) })
		return out
	}
	href := func(r response, id string) string {
		t.Helper()
		h := r.doc(t).Find(`[data-testid="`+id+`"]`).AttrOr("href", "")
		if h == "" || !strings.Contains(h, keep) {
			t.Fatalf("%s: %s link %q (keeping %q)", start, id, h, keep)
		}
		return h
	}
	summary := func(r response, from, to int) {
		t.Helper()
		if want := fmt.Sprintf("%d–%d of %d", from, to, total); !strings.Contains(r.testid(t, "pager-summary"), want) {
			t.Fatalf("%s: summary %q, want %q", start, r.testid(t, "pager-summary"), want)
		}
	}
	first := b.get(start)
	if first.status != 200 || first.has(t, "page-first") || first.has(t, "page-prev") {
		t.Fatalf("%s: %d, first page links back", start, first.status)
	}
	var forward []string
	for r := first; ; {
		got := ids(r)
		summary(r, len(forward)+1, len(forward)+len(got))
		forward = append(forward, got...)
		if !r.has(t, "page-next") {
			if r.has(t, "page-last") || len(got) == 0 {
				t.Fatalf("%s: the last page links a last page or is empty", start)
			}
			break
		}
		if len(got) != size || len(forward) > total {
			t.Fatalf("%s: %d rows on a page before the last, %d so far", start, len(got), len(forward))
		}
		href(r, "page-last")
		r = b.get(href(r, "page-next"))
	}
	seen := map[string]bool{}
	for _, id := range forward {
		if seen[id] || id == "" {
			t.Fatalf("%s: row %q twice (or unnamed)", start, id)
		}
		seen[id] = true
	}
	if len(forward) != total {
		t.Fatalf("%s: %d rows walked, want %d", start, len(forward), total)
	}
	last := b.get(href(first, "page-last"))
	if got := ids(last); len(got) != size || !slices.Equal(got, forward[total-size:]) || last.has(t, "page-next") || last.has(t, "page-last") {
		t.Fatalf("%s: last page %v, want %v", start, got, forward[total-size:])
	}
	summary(last, total-size+1, total)
	var backward []string
	for r := last; ; {
		got := ids(r)
		backward = append(got, backward...)
		summary(r, total-len(backward)+1, total-len(backward)+len(got))
		if !r.has(t, "page-prev") {
			break
		}
		if len(got) != size || len(backward) > total {
			t.Fatalf("%s: %d rows on a page after the first, going back", start, len(got))
		}
		r = b.get(href(r, "page-prev"))
	}
	if !slices.Equal(backward, forward) {
		t.Fatalf("%s: backward\n%v\nforward\n%v", start, backward, forward)
	}
	if got := ids(b.get(href(last, "page-first"))); !slices.Equal(got, forward[:size]) {
		t.Fatalf("%s: first link opens %v", start, got)
	}
	// A tampered cursor opens the first page.
	sep := "?"
	if strings.Contains(start, "?") {
		sep = "&"
	}
	if r := b.get(start + sep + "cursor=not-a-cursor"); r.status != 200 || !slices.Equal(ids(r), forward[:size]) {
		t.Fatalf("%s: tampered cursor: %d %v", start, r.status, ids(r))
	}
	return forward
}

// TestBillingListPagersBothWays: every billing list's pager walks first → next → last →
// previous → first over all its rows, with NULL and tied expiries, keeping the filters; a
// scoped user's pages are full pages of the rows in scope.
func TestBillingListPagersBothWays(t *testing.T) {
	testkit.Each(t, func(t *testing.T, db *store.DB) { testBillingListPagersBothWays(t, readPortalOn(t, db)) })
}

func testBillingListPagersBothWays(t *testing.T, p *portal) {
	seedListPages(t, p.db)
	fiona, eve := p.signedIn("fiona"), p.signedIn("eve")
	walkPager(t, fiona, "/coupons", "coupon-row", "", 61)
	walkPager(t, fiona, "/coupons?q=spring", "coupon-row", "q=spring", 40)
	scoped := walkPager(t, eve, "/coupons", "coupon-row", "", 41)
	if slices.ContainsFunc(scoped, func(id string) bool { return strings.HasPrefix(id, "sa-w") }) {
		t.Fatal("eve's coupons hold a west sub-account's")
	}
	walkPager(t, fiona, "/cards", "card-row", "", 55)
	walkPager(t, fiona, "/cards?status=1", "card-row", "status=1", 28)
	walkPager(t, eve, "/cards", "card-row", "", 55) // the master's as a whole
	walkPager(t, fiona, "/resources", "resource-row", "", 61)
	walkPager(t, fiona, "/resources?account="+testMaster, "resource-row", "account="+testMaster, 60)
	walkPager(t, fiona, "/packages", "package-row", "", 52)
	walkPager(t, fiona, "/catalog", "catalog-row", "", 53)
	walkPager(t, fiona, "/catalog?q=type.s", "catalog-row", "q=type.s", 53)
}
