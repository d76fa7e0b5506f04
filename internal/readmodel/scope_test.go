package readmodel

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// Every list of the read side pages, counts and offers filter choices over the rows in
// the subject's scope only. The cache holds more than a page of rows in scope (east and
// East Ops below it) among three times as many outside it (west and the master's own),
// and the rows outside sort first: a list paged before the scope is applied shows short
// or empty pages and totals over rows the subject may not see.

const scopeMaster = "dom-scope"

var scopeAt = time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)

func cny(s string) money.Amount { return money.New(decimal.RequireFromString(s), "CNY") }

// seedScopes: 30 east sub-accounts (e-00…e-29, half in East Ops), 60 west ones named to
// sort first (a-00…a-59), each with a coupon and two resources (west's expire sooner),
// plus 5 master coupons, 10 master resources, 3 cards and 2 packages.
func seedScopes(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	orgs := []store.Organization{
		{ID: "root", Name: "Acme", Path: []string{"root"}},
		{ID: "east", Name: "East", ParentID: "root", Path: []string{"root", "east"}, Depth: 1},
		{ID: "east-ops", Name: "East Ops", ParentID: "east", Path: []string{"root", "east", "east-ops"}, Depth: 2},
		{ID: "west", Name: "West", ParentID: "root", Path: []string{"root", "west"}, Depth: 1},
	}
	if err := db.ReplaceOrganizations(ctx, scopeMaster, 1, orgs, scopeAt); err != nil {
		t.Fatal(err)
	}
	var subs []store.SubAccountInfo
	var bal []store.SubAccountBalances
	add := func(id, org string, expireIn time.Duration) {
		subs = append(subs, store.SubAccountInfo{ID: id, Name: id, Status: 1, OrgID: org, OrgName: org})
		exp := scopeAt.Add(expireIn)
		bal = append(bal, store.SubAccountBalances{SubAccountID: id, Debit: cny("10.00"), Currency: "CNY",
			Coupons: []store.Coupon{{CouponID: "cp-" + id, SubCouponID: "s-" + id, SubAccountID: id, PlanName: "plan " + id, Balance: cny("1.00"), Expire: &exp}}})
	}
	for i := range 30 {
		org := "east"
		if i%2 == 1 {
			org = "east-ops"
		}
		add(fmt.Sprintf("e-%02d", i), org, 20*24*time.Hour)
	}
	for i := range 60 {
		add(fmt.Sprintf("a-%02d", i), "west", 24*time.Hour)
	}
	if err := db.UpsertSubAccounts(ctx, scopeMaster, 1, subs, scopeAt); err != nil {
		t.Fatal(err)
	}
	if err := db.StoreSubAccountBalances(ctx, scopeAt, bal, 0, store.RunProgress{}); err != nil {
		t.Fatal(err)
	}
	resources := func(account, service, region string, n int, expireIn time.Duration) {
		rs := make([]store.Resource, n)
		for i := range rs {
			exp := scopeAt.Add(expireIn + time.Duration(i)*time.Minute)
			rs[i] = store.Resource{ResourceID: fmt.Sprintf("r-%s-%d", account, i), Name: account, Region: region, ServiceType: service,
				IsMain: true, Status: 2, Effective: &scopeAt, Expire: &exp}
		}
		if err := db.ReplaceResources(ctx, account, rs, scopeAt); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range subs {
		if strings.HasPrefix(s.ID, "e-") {
			resources(s.ID, "svc.east", "region-east", 2, 20*24*time.Hour)
		} else {
			resources(s.ID, "svc.west", "region-west", 2, 24*time.Hour)
		}
	}
	resources(scopeMaster, "svc.master", "region-master", 10, time.Hour)
	var mc []store.Coupon
	for i := range 5 {
		exp := scopeAt.Add(time.Hour)
		mc = append(mc, store.Coupon{CouponID: fmt.Sprintf("m-%d", i), PlanName: "master plan", Balance: cny("5.00"), Expire: &exp})
	}
	if err := db.ReplaceMasterCoupons(ctx, scopeMaster, mc, scopeAt); err != nil {
		t.Fatal(err)
	}
	if err := db.ReplaceCards(ctx, scopeMaster, []store.StoredValueCard{
		{CardID: "c1", Name: "one", Status: 1, FaceValue: cny("10"), Balance: cny("5")},
		{CardID: "c2", Name: "two", Status: 1, FaceValue: cny("10"), Balance: cny("5")},
		{CardID: "c3", Name: "three", Status: 2, FaceValue: cny("10"), Balance: cny("0")},
	}, scopeAt); err != nil {
		t.Fatal(err)
	}
	if err := db.ReplacePackageUsages(ctx, scopeMaster, []store.PackageUsage{
		{FreeResourceID: "f1", PackageID: "p1", ProductName: "OBS", Status: 1, Original: decimal.NewFromInt(10), Remaining: decimal.NewFromInt(4)},
		{FreeResourceID: "f2", PackageID: "p2", ProductName: "EVS", Status: 1, Original: decimal.NewFromInt(10), Remaining: decimal.NewFromInt(4)},
	}, scopeAt); err != nil {
		t.Fatal(err)
	}
}

func eastScope() authz.QueryScope {
	return authz.ScopeOf(authz.Subject{UserID: 7, Roles: []authz.Role{authz.Finance}, Scopes: []string{"east"}})
}

func inEast(id string) bool { return strings.HasPrefix(id, "e-") }

func TestScopedSubAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedScopes(t, db)
		r := New(db)
		scope := eastScope()
		var seen []string
		f := store.SubAccountFilter{Limit: 25}
		for page := 1; ; page++ {
			p, err := r.SubAccounts(ctx, scope, f)
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != 30 || p.Stats.Total != 30 {
				t.Fatalf("page %d: total %d, stats %d, want 30", page, p.Total, p.Stats.Total)
			}
			if want := []int{25, 5}[page-1]; len(p.Items) != want {
				t.Fatalf("page %d: %d rows, want %d", page, len(p.Items), want)
			}
			for _, sa := range p.Items {
				seen = append(seen, sa.ID)
			}
			if p.NextCursor == "" {
				break
			}
			f.Cursor = p.NextCursor
		}
		if len(seen) != 30 || slices.ContainsFunc(seen, func(id string) bool { return !inEast(id) }) {
			t.Fatalf("rows %v", seen)
		}
		// A filter on a unit outside the scope does not widen it.
		if p, err := r.ListSubAccounts(ctx, scope, store.SubAccountFilter{OrgID: "west"}); err != nil || p.Total != 0 {
			t.Fatalf("west filter: %d %v", p.Total, err)
		}
		n := 0
		if err := r.EachSubAccount(ctx, scope, store.SubAccountFilter{}, func(sa store.SubAccount) error {
			if !inEast(sa.ID) {
				t.Errorf("walk: %s", sa.ID)
			}
			n++
			return nil
		}); err != nil || n != 30 {
			t.Fatalf("walk: %d %v", n, err)
		}
		low, err := r.BelowThreshold(ctx, scope, "", nil, cny("100.00"), 8)
		if err != nil || low.Total != 30 || len(low.Rows) != 8 || !inEast(low.Rows[0].ID) {
			t.Fatalf("below threshold: %+v %v", low, err)
		}
		// The zero scope sees nothing; everything sees all 90.
		if p, _ := r.ListSubAccounts(ctx, authz.QueryScope{}, store.SubAccountFilter{}); p.Total != 0 {
			t.Fatalf("zero scope: %d", p.Total)
		}
		if p, _ := r.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{}); p.Total != 90 {
			t.Fatalf("everything: %d", p.Total)
		}
		// One sub-account: outside the scope is told apart from missing, for the audit.
		if _, err := r.SubAccount(ctx, scope, "a-00"); !errors.Is(err, ErrOutOfScope) {
			t.Fatalf("west sub-account: %v", err)
		}
		if _, err := r.SubAccount(ctx, scope, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing sub-account: %v", err)
		}
		if sa, err := r.SubAccount(ctx, scope, "e-01"); err != nil || sa.OrgID != "east-ops" {
			t.Fatalf("east sub-account: %+v %v", sa, err)
		}
		if _, err := r.SubAccount(ctx, authz.QueryScope{}, "e-01"); !errors.Is(err, ErrOutOfScope) {
			t.Fatalf("zero scope: %v", err)
		}
		// The organisation filter offers the units in scope only.
		_, orgs, err := r.Organizations(ctx, scope, "")
		if err != nil || len(orgs) != 2 || orgs[0].ID != "east" || orgs[1].ID != "east-ops" {
			t.Fatalf("units in scope: %+v %v", orgs, err)
		}
		if _, all, _ := r.Organizations(ctx, authz.Everything, ""); len(all) != 4 {
			t.Fatalf("every unit: %d", len(all))
		}
	})
}

func TestScopedResources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedScopes(t, db)
		r := New(db)
		scope := eastScope()
		cursor := ""
		for page, want := range []int{25, 25, 10} {
			p, err := r.Resources(ctx, scope, store.ResourceFilter{Cursor: cursor, Limit: 25})
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != 60 || len(p.Items) != want || p.Before != int64(page*25) || (p.NextCursor == "") != (page == 2) {
				t.Fatalf("page %d: %d rows of %d after %d, want %d of 60", page+1, len(p.Items), p.Total, p.Before, want)
			}
			cursor = p.NextCursor
			for _, x := range p.Items {
				if !inEast(x.AccountID) {
					t.Fatalf("page %d holds %s", page+1, x.AccountID)
				}
			}
			if !slices.Equal(p.Services, []string{"svc.east"}) || !slices.Equal(p.Regions, []string{"region-east"}) {
				t.Fatalf("facets: %v %v", p.Services, p.Regions)
			}
			if len(p.Accounts) != 30 || slices.ContainsFunc(p.Accounts, func(id string) bool { return !inEast(id) }) {
				t.Fatalf("accounts: %v", p.Accounts)
			}
		}
		n := 0
		if err := r.EachResource(ctx, scope, store.ResourceFilter{}, func(x store.Resource) error {
			n++
			return nil
		}); err != nil || n != 60 {
			t.Fatalf("walk: %d %v", n, err)
		}
		all, err := r.Resources(ctx, authz.Everything, store.ResourceFilter{Limit: 1})
		if err != nil || all.Total != 190 || len(all.Services) != 3 || len(all.Accounts) != 91 {
			t.Fatalf("everything: %d %v %d %v", all.Total, all.Services, len(all.Accounts), err)
		}
		// The dashboard's "expiring" counts within the scope too.
		d, err := r.Dashboard(ctx, scope, DashboardFilter{Now: scopeAt, Limit: 8, LowDefault: cny("100.00"), HistoryWindow: time.Hour})
		if err != nil || d.Expiring.Total != 60 || len(d.Expiring.Rows) != 8 || !inEast(d.Expiring.Rows[0].AccountID) || d.HistoryShown {
			t.Fatalf("dashboard: %d %d shown %v %v", d.Expiring.Total, len(d.Expiring.Rows), d.HistoryShown, err)
		}
		if d.Stats.Total != 30 || d.Low.Total != 30 {
			t.Fatalf("dashboard stats %d low %d", d.Stats.Total, d.Low.Total)
		}
	})
}

func TestScopedCouponsCardsPackages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedScopes(t, db)
		r := New(db)
		scope := eastScope()
		// The east sub-accounts' 30 and the master's 5, which belong to no unit.
		cursor := ""
		for page, want := range []int{25, 10} {
			p, err := r.Coupons(ctx, scope, store.CouponFilter{AllHolders: true, Cursor: cursor, Limit: 25})
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != 35 || len(p.Items) != want || p.Before != int64(page*25) || (p.NextCursor == "") != (page == 1) {
				t.Fatalf("page %d: %d rows of %d after %d, want %d of 35", page+1, len(p.Items), p.Total, p.Before, want)
			}
			cursor = p.NextCursor
			for _, c := range p.Items {
				if c.SubAccountID != "" && !inEast(c.SubAccountID) {
					t.Fatalf("page %d holds %s's coupon", page+1, c.SubAccountID)
				}
			}
		}
		n := 0
		if err := r.EachCoupon(ctx, scope, store.CouponFilter{AllHolders: true}, func(store.Coupon) error { n++; return nil }); err != nil || n != 35 {
			t.Fatalf("walk: %d %v", n, err)
		}
		// Cards and packages are the master's as a whole: everyone who sees anything sees
		// them, the zero scope none.
		for _, tt := range []struct {
			scope        authz.QueryScope
			cards, pkgs  int64
			coupons, res int64
		}{{scope, 3, 2, 35, 60}, {authz.Everything, 3, 2, 95, 190}, {authz.QueryScope{}, 0, 0, 0, 0}} {
			c, err := r.Cards(ctx, tt.scope, store.CardFilter{Limit: 10})
			if err != nil || c.Total != tt.cards {
				t.Fatalf("%+v cards: %d %v", tt.scope, c.Total, err)
			}
			p, err := r.Packages(ctx, tt.scope, store.PackageFilter{Limit: 10})
			if err != nil || p.Total != tt.pkgs {
				t.Fatalf("%+v packages: %d %v", tt.scope, p.Total, err)
			}
			cp, _ := r.Coupons(ctx, tt.scope, store.CouponFilter{AllHolders: true, Limit: 1})
			rs, _ := r.Resources(ctx, tt.scope, store.ResourceFilter{Limit: 1})
			if cp.Total != tt.coupons || rs.Total != tt.res {
				t.Fatalf("%+v: coupons %d resources %d", tt.scope, cp.Total, rs.Total)
			}
		}
	})
}
