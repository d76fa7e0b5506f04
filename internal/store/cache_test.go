package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// testMaster is the domain id the seeded cache rows belong to.
const testMaster = "dom-store-test"

func amt(s string) money.Amount {
	d := decimal.RequireFromString(s)
	return money.New(d, "")
}

// seedCache writes a small tree and 40 sub-accounts with ties in balance:
//
//	root ─┬─ a ── a1
//	      └─ b
//
// sub i (s00..s39) sits in a (i%4==0), a1 (1), b (2) or the root (3); its debit is
// (i%5)*10.00 and it has one credit line of 1.50 when i is odd, so totals repeat.
func seedCache(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	orgs := []store.Organization{
		{ID: "root", Name: "Root", Path: []string{"root"}},
		{ID: "a", Name: "A", ParentID: "root", Path: []string{"root", "a"}},
		{ID: "a1", Name: "A1", ParentID: "a", Path: []string{"root", "a", "a1"}},
		{ID: "b", Name: "B", ParentID: "root", Path: []string{"root", "b"}},
	}
	if err := db.ReplaceOrganizations(ctx, testMaster, 1, orgs, now); err != nil {
		t.Fatal(err)
	}
	units := []string{"a", "a1", "b", "root"}
	var subs []store.SubAccountInfo
	for i := range 40 {
		name := fmt.Sprintf("s%02d", i)
		disp := "Team " + name
		if i == 7 {
			disp = "财务部 Finance"
		}
		subs = append(subs, store.SubAccountInfo{ID: "id-" + name, Name: name, DisplayName: disp, Status: 1 + i%2, OrgID: units[i%4], OrgName: units[i%4]})
	}
	if err := db.UpsertSubAccounts(ctx, testMaster, 1, subs, now); err != nil {
		t.Fatal(err)
	}
	var batch []store.SubAccountBalances
	for i := range 40 {
		b := store.SubAccountBalances{SubAccountID: fmt.Sprintf("id-s%02d", i), Debit: money.New(decimal.NewFromInt(int64(i%5*10)), "")}
		if i%2 == 1 {
			exp := now.Add(48 * time.Hour).Truncate(time.Second)
			b.Credits = []store.CreditLine{{Available: amt("1.50"), CreditAmount: amt("100.00"), ExpireTime: &exp}}
		}
		b.Coupons = []store.Coupon{{CouponID: "c-" + b.SubAccountID, SubCouponID: "sc1", PlanName: "Plan", Balance: amt("5.00")}}
		batch = append(batch, b)
	}
	if err := db.StoreSubAccountBalances(ctx, now, batch, 0, store.RunProgress{}); err != nil {
		t.Fatal(err)
	}
}

func TestSubAccountListKeyset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedCache(t, db)
		for _, sort := range []string{store.SortName, store.SortNameDesc, store.SortBalance, store.SortBalanceDesc} {
			t.Run(sort, func(t *testing.T) {
				var got []store.SubAccount
				cursor := ""
				for page := 0; ; page++ {
					p, err := db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{Sort: sort, Limit: 7, Cursor: cursor})
					if err != nil {
						t.Fatal(err)
					}
					if p.Total != 40 {
						t.Fatalf("Total = %d, want 40", p.Total)
					}
					got = append(got, p.Items...)
					if p.NextCursor == "" {
						break
					}
					cursor = p.NextCursor
					if page > 10 {
						t.Fatal("too many pages")
					}
				}
				if len(got) != 40 {
					t.Fatalf("got %d rows over all pages, want 40", len(got))
				}
				seen := map[string]bool{}
				for i, s := range got {
					if seen[s.ID] {
						t.Fatalf("duplicate %s", s.ID)
					}
					seen[s.ID] = true
					if i == 0 {
						continue
					}
					p := got[i-1]
					var c int
					switch sort {
					case store.SortName:
						c = cmpStr(p.Name, s.Name)
					case store.SortNameDesc:
						c = -cmpStr(p.Name, s.Name)
					case store.SortBalance:
						c = p.Total.Cmp(s.Total)
						if c == 0 {
							c = cmpStr(p.ID, s.ID)
						}
					case store.SortBalanceDesc:
						c = -p.Total.Cmp(s.Total)
						if c == 0 {
							c = -cmpStr(p.ID, s.ID)
						}
					}
					if c >= 0 {
						t.Fatalf("order broken at %d: %s(%s) then %s(%s)", i, p.ID, p.Total, s.ID, s.Total)
					}
				}
				// Streaming gives the same order.
				var streamed []string
				if err := db.ForEachSubAccount(ctx, authz.Everything, store.SubAccountFilter{Sort: sort}, func(s store.SubAccount) error {
					streamed = append(streamed, s.ID)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				ids := make([]string, len(got))
				for i, s := range got {
					ids[i] = s.ID
				}
				if !slices.Equal(ids, streamed) {
					t.Fatalf("ForEachSubAccount order differs:\n%v\n%v", ids, streamed)
				}
			})
		}
		// Garbage and foreign cursors start over.
		p, err := db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{Cursor: "!!garbage", Limit: 5})
		if err != nil || len(p.Items) != 5 || p.Items[0].Name != "s00" {
			t.Fatalf("garbage cursor: %v %+v", err, p.Items)
		}
	})
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestSubAccountFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedCache(t, db)
		count := func(scope authz.QueryScope, f store.SubAccountFilter) int64 {
			t.Helper()
			p, err := db.ListSubAccounts(ctx, scope, f)
			if err != nil {
				t.Fatal(err)
			}
			return p.Total
		}
		scoped := func(ids ...string) authz.QueryScope { return authz.QueryScope{OrgIDs: ids} }
		cases := []struct {
			name  string
			scope authz.QueryScope
			f     store.SubAccountFilter
			want  int64
		}{
			{"all", authz.Everything, store.SubAccountFilter{}, 40},
			{"org a and below", authz.Everything, store.SubAccountFilter{OrgID: "a"}, 20},
			{"org a1", authz.Everything, store.SubAccountFilter{OrgID: "a1"}, 10},
			{"root covers all", authz.Everything, store.SubAccountFilter{OrgID: "root"}, 40},
			{"scopes a1+b", scoped("a1", "b"), store.SubAccountFilter{}, 20},
			{"scope and org", scoped("a"), store.SubAccountFilter{OrgID: "b"}, 0},
			{"unknown scope", scoped("nope"), store.SubAccountFilter{}, 0},
			{"status", authz.Everything, store.SubAccountFilter{Status: 2}, 20},
			{"q case-insensitive", authz.Everything, store.SubAccountFilter{Q: "TEAM S1"}, 10},
			{"q chinese", authz.Everything, store.SubAccountFilter{Q: "财务"}, 1},
			{"q like metachar", authz.Everything, store.SubAccountFilter{Q: "%"}, 0},
		}
		for _, c := range cases {
			if got := count(c.scope, c.f); got != c.want {
				t.Errorf("%s: Total = %d, want %d", c.name, got, c.want)
			}
		}

		s, err := db.SubAccountByID(ctx, "id-s05")
		if err != nil {
			t.Fatal(err)
		}
		if s.Debit.String() != "0.00" || s.Credit.String() != "1.50" || s.Total.String() != "1.50" || len(s.Credits) != 1 ||
			!slices.Equal(s.OrgPath, []string{"root", "a", "a1"}) || s.BalancesSyncedAt == nil || s.Credits[0].ExpireTime == nil {
			t.Fatalf("SubAccountByID = %+v", s)
		}
		if _, err := db.SubAccountByID(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}

		// Thresholds: default 10.00 → totals 0.00 and 1.50 (i%5==0) are below: 8 rows;
		// s01 (total 11.50) gets its own threshold 20.00.
		th := amt("20.00")
		if err := db.SetLowBalanceThreshold(ctx, "id-s01", &th); err != nil {
			t.Fatal(err)
		}
		if err := db.SetLowBalanceThreshold(ctx, "missing", nil); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("threshold on missing: %v", err)
		}
		low, n, err := db.SubAccountsBelowThreshold(ctx, amt("10.00"), authz.Everything, 100)
		if err != nil {
			t.Fatal(err)
		}
		if n != 9 || len(low) != 9 || low[0].Total.String() != "0.00" || low[len(low)-1].ID != "id-s01" {
			t.Fatalf("below threshold: n=%d %v", n, ids(low))
		}
		if got, _ := db.SubAccountByID(ctx, "id-s01"); got.LowBalanceThreshold == nil || got.LowBalanceThreshold.String() != "20.00" {
			t.Fatalf("threshold not read back: %+v", got.LowBalanceThreshold)
		}
		if err := db.SetLowBalanceThreshold(ctx, "id-s01", nil); err != nil {
			t.Fatal(err)
		}
		if _, n, _ := db.SubAccountsBelowThreshold(ctx, amt("10.00"), authz.QueryScope{OrgIDs: []string{"b"}}, 100); n != 2 {
			t.Fatalf("below threshold in b: %d", n)
		}

		st, err := db.SubAccountStats(ctx, authz.Everything)
		if err != nil {
			t.Fatal(err)
		}
		// debit: 8 × (0+10+20+30+40) = 800.00; credit: 20 × 1.50 = 30.00
		if st.Total != 40 || st.ByStatus[1] != 20 || st.Debit.String() != "800.00" || st.Credit.String() != "30.00" || st.OldestSync == nil || st.NewestSync == nil {
			t.Fatalf("stats = %+v", st)
		}
		if st, _ := db.SubAccountStats(ctx, authz.QueryScope{OrgIDs: []string{"a1"}}); st.Total != 10 {
			t.Fatalf("scoped stats = %+v", st)
		}

		orgs, err := db.Organizations(ctx)
		if err != nil || len(orgs) != 4 || orgs[0].ID != "root" || orgs[1].ID != "a" || orgs[2].ID != "a1" || orgs[2].Depth != 2 {
			t.Fatalf("Organizations = %v %+v", err, orgs)
		}
		if o, err := db.OrganizationByID(ctx, "a1"); err != nil || o.ParentID != "a" {
			t.Fatalf("OrganizationByID = %v %+v", err, o)
		}

		coupons, total, err := db.ListCoupons(ctx, authz.QueryScope{OrgIDs: []string{"b"}}, store.CouponFilter{AllHolders: true})
		if err != nil || total != 10 || len(coupons) != 10 {
			t.Fatalf("coupons in b: %v %d", err, total)
		}
		if _, total, _ := db.ListCoupons(ctx, authz.Everything, store.CouponFilter{SubAccountID: "id-s03"}); total != 1 {
			t.Fatalf("coupons of s03: %d", total)
		}
	})
}

func ids(s []store.SubAccount) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = x.ID
	}
	return out
}

func TestCacheWritesAndLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		mb, err := db.MasterBalances(ctx, testMaster)
		if err != nil || mb.SyncedAt != nil {
			t.Fatalf("before sync: %v %+v", err, mb)
		}
		exp := now.Add(time.Hour).Truncate(time.Second)
		if err := db.StoreMasterBalances(ctx, testMaster, store.MasterBalances{Debit: amt("1000.10"), Credits: []store.AmountLine{
			{Available: amt("10.00"), Amount: amt("10.00"), CreditAmount: amt("50.00"), ExpireTime: &exp},
			{Available: amt("0.05"), Amount: amt("0.05"), CreditAmount: amt("1.00")},
		}}, now); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkMasterStale(ctx, testMaster, "CBC.0999"); err != nil {
			t.Fatal(err)
		}
		mb, err = db.MasterBalances(ctx, testMaster)
		if err != nil || mb.SyncedAt == nil || mb.Debit.String() != "1000.10" || mb.Credit.String() != "10.05" || len(mb.Credits) != 2 || !mb.Stale ||
			mb.Credits[0].ExpireTime == nil || !mb.Credits[0].ExpireTime.Equal(exp) || mb.Credits[1].ExpireTime != nil {
			t.Fatalf("master = %v %+v", err, mb)
		}

		cards := []store.StoredValueCard{
			{CardID: "k2", Name: "used", Status: 2, FaceValue: amt("100.00"), Balance: amt("0.00")},
			{CardID: "k1", Name: "usable", Status: 1, FaceValue: amt("100.00"), Balance: amt("42.00"), Expire: &exp},
		}
		if err := db.ReplaceCards(ctx, testMaster, cards, now); err != nil {
			t.Fatal(err)
		}
		got, err := db.PageCards(ctx, authz.Everything, store.CardFilter{Limit: 10})
		if err != nil || got.Total != 2 || got.Items[0].CardID != "k1" || got.Items[0].Balance.String() != "42.00" {
			t.Fatalf("cards = %v %+v", err, got)
		}
		if used, _ := db.PageCards(ctx, authz.Everything, store.CardFilter{Status: 2, Limit: 10}); used.Total != 1 {
			t.Fatalf("used-up cards = %d", used.Total)
		}

		res := []store.Resource{
			{ResourceID: "r1", Name: "web-1", Region: "cn-north-4", ServiceType: "ecs", IsMain: true, Status: 2, Expire: &exp},
			{ResourceID: "r2", Name: "disk", Region: "cn-east-3", ServiceType: "evs", Status: 2},
		}
		if err := db.ReplaceResources(ctx, "master", res, now); err != nil {
			t.Fatal(err)
		}
		rs, n, err := db.ListResources(ctx, authz.Everything, store.ResourceFilter{AccountID: "master"})
		if err != nil || n != 2 || rs[0].ResourceID != "r1" || rs[1].Expire != nil {
			t.Fatalf("resources = %v %d %+v", err, n, rs)
		}
		until := now.Add(2 * time.Hour)
		if _, n, _ := db.ListResources(ctx, authz.Everything, store.ResourceFilter{ExpiringUntil: &until, MainOnly: true, Q: "WEB"}); n != 1 {
			t.Fatalf("filtered resources = %d", n)
		}
		st, regions, err := db.ResourceFacets(ctx, authz.Everything)
		if err != nil || !slices.Equal(st, []string{"ecs", "evs"}) || !slices.Equal(regions, []string{"cn-east-3", "cn-north-4"}) {
			t.Fatalf("facets = %v %v %v", err, st, regions)
		}

		if err := db.ReplacePackageUsages(ctx, testMaster, []store.PackageUsage{{FreeResourceID: "f1", ProductName: "OBS 包", Original: decimal.RequireFromString("100.5"), Remaining: decimal.RequireFromString("0.125")}}, now); err != nil {
			t.Fatal(err)
		}
		pu, err := db.PagePackageUsages(ctx, authz.Everything, store.PackageFilter{Q: "obs", Limit: 10})
		if err != nil || pu.Total != 1 || pu.Items[0].Remaining.String() != "0.125" || pu.Items[0].Original.String() != "100.5" {
			t.Fatalf("packages = %v %+v", err, pu)
		}

		if err := db.ReplaceCatalog(ctx, store.CatalogServiceType, "en_US", []store.CatalogEntry{{Code: "hws.service.type.ec2", Name: "Elastic Cloud Server", Extra: "ECS"}}, now); err != nil {
			t.Fatal(err)
		}
		if err := db.ReplaceCatalog(ctx, store.CatalogServiceType, "zh_CN", []store.CatalogEntry{{Code: "hws.service.type.ec2", Name: "弹性云服务器"}}, now); err != nil {
			t.Fatal(err)
		}
		cat, err := db.PageCatalog(ctx, store.CatalogFilter{Kind: store.CatalogServiceType, Lang: "zh_CN", Q: "弹性", Limit: 10})
		if err != nil || cat.Total != 1 || cat.Items[0].Name != "弹性云服务器" {
			t.Fatalf("catalog = %v %+v", err, cat)
		}

		if err := db.ReplaceMasterCoupons(ctx, testMaster, []store.Coupon{{CouponID: "m1", PlanName: "Spring", Balance: amt("9.99")}}, now); err != nil {
			t.Fatal(err)
		}
		cs, n, err := db.ListCoupons(ctx, authz.Everything, store.CouponFilter{})
		if err != nil || n != 1 || cs[0].Balance.String() != "9.99" || cs[0].UseLimits != "[]" {
			t.Fatalf("master coupons = %v %d %+v", err, n, cs)
		}

		if err := db.SnapshotTotals(ctx, testMaster, now); err != nil {
			t.Fatal(err)
		}
		h, err := db.BalanceHistory(ctx, "", now.Add(-time.Minute))
		if err != nil || len(h) != 1 {
			t.Fatalf("history = %v %+v", err, h)
		}
	})
}

func TestSyncRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r1, err := db.BeginSyncRun(ctx, testMaster, "balances", "", "test", "p1", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.BeginSyncRun(ctx, testMaster, "balances", "", "test", "p2", time.Minute); !errors.Is(err, store.ErrSyncRunning) {
			t.Fatalf("second begin: %v", err)
		}
		// Another area, or one sub-account, is independent.
		r2, err := db.BeginSyncRun(ctx, testMaster, "balances", "id-x", "test", "p2", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.FinishSyncRun(ctx, r2.ID, store.RunSucceeded, store.RunProgress{Items: 1}, ""); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveRunProgress(ctx, r1.ID, store.RunProgress{Items: 5, Cursor: "id-05"}); err != nil {
			t.Fatal(err)
		}
		// p1 dies: with staleAfter 0 its heartbeat is old; the next run takes over and resumes.
		time.Sleep(5 * time.Millisecond)
		r3, err := db.BeginSyncRun(ctx, testMaster, "balances", "", "test", "p2", time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if r3.Cursor != "id-05" {
			t.Fatalf("resumed cursor = %q", r3.Cursor)
		}
		old, err := db.SyncRunByID(ctx, r1.ID)
		if err != nil || old.Status != store.RunFailed || old.Error != store.InterruptedError || old.FinishedAt == nil {
			t.Fatalf("dead run = %v %+v", err, old)
		}
		done, err := db.FinishSyncRun(ctx, r3.ID, store.RunSucceeded, store.RunProgress{Items: 7}, "")
		if err != nil || done.Status != store.RunSucceeded || done.Items != 7 || done.FinishedAt == nil {
			t.Fatalf("finish = %v %+v", err, done)
		}
		r4, err := db.BeginSyncRun(ctx, testMaster, "balances", "", "test", "p2", time.Minute)
		if err != nil || r4.Cursor != "" {
			t.Fatalf("after success: %v %+v", err, r4)
		}
		latest, err := db.LatestSyncRuns(ctx)
		if err != nil || latest["balances"].ID != r4.ID || len(latest) != 1 {
			t.Fatalf("latest = %v %+v", err, latest)
		}
		all, err := db.ListSyncRuns(ctx, 10)
		if err != nil || len(all) != 4 || all[0].ID != r4.ID {
			t.Fatalf("list = %v %d", err, len(all))
		}
	})
}
