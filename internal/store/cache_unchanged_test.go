package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// upstream is what a sync round reads; a test changes one thing between rounds.
type upstream struct {
	orgs   []store.Organization
	subs   []store.SubAccountInfo
	debits map[string]string
}

func newUpstream() *upstream {
	u := &upstream{
		orgs: []store.Organization{
			{ID: "root", Name: "Root", Path: []string{"root"}},
			{ID: "a", Name: "A", ParentID: "root", Path: []string{"root", "a"}},
			{ID: "b", Name: "B", ParentID: "root", Path: []string{"root", "b"}},
		},
		debits: map[string]string{},
	}
	for i := range 6 {
		id := fmt.Sprintf("u%d", i)
		u.subs = append(u.subs, store.SubAccountInfo{ID: id, Name: "Sub " + id, DisplayName: "子账号 " + id, Status: 1, OrgID: []string{"a", "b"}[i%2], OrgName: "unit"})
		u.debits[id] = fmt.Sprintf("%d.50", 10*i)
	}
	return u
}

// round writes what one sync of every area writes, from u, by run at at.
func (u *upstream) round(t *testing.T, db *store.DB, run int64, at time.Time) {
	t.Helper()
	ctx := context.Background()
	exp := time.Date(2027, 1, 31, 16, 0, 0, 0, time.UTC)
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check(db.ReplaceOrganizations(ctx, testMaster, run, u.orgs, at))
	check(db.UpsertSubAccounts(ctx, testMaster, run, u.subs, at))
	if _, err := db.RemoveSubAccountsNotSeen(ctx, testMaster, run); err != nil {
		t.Fatal(err)
	}
	var batch, coupons []store.SubAccountBalances
	for i, s := range u.subs {
		b := store.SubAccountBalances{SubAccountID: s.ID, Debit: amt(u.debits[s.ID]), Currency: "CNY", CreditSkipped: i == 5 && run > 1,
			Coupons: []store.Coupon{{CouponID: "c-" + s.ID, SubCouponID: "sc", PlanName: "Plan 计划", Balance: amt("5.00"), Expire: &exp, UseLimits: `[{"k":1}]`}}}
		if i%2 == 1 {
			b.Credits = []store.CreditLine{{Available: amt("1.50"), CreditAmount: amt("100.00"), ExpireTime: &exp}, {Available: amt("2.25"), CreditAmount: amt("3.00")}}
		}
		if i == 4 && run > 1 {
			b = store.SubAccountBalances{SubAccountID: s.ID, Err: "upstream down"}
		}
		batch = append(batch, b)
		coupons = append(coupons, store.SubAccountBalances{SubAccountID: s.ID, Coupons: b.Coupons})
	}
	check(db.StoreSubAccountBalances(ctx, at, batch, 0, store.RunProgress{}))
	check(db.StoreSubAccountCoupons(ctx, at, coupons[:4], 0, store.RunProgress{}))
	var runways []store.RunwayUpdate
	for i, s := range u.subs {
		runways = append(runways, store.RunwayUpdate{SubAccountID: s.ID, Runway: store.Runway{State: store.RunwayEstimated, Days: decimal.RequireFromString(fmt.Sprintf("%d.5", i)), Burn: decimal.RequireFromString("1.2345"), BasedOn: 7}})
	}
	check(db.StoreRunways(ctx, at, runways))
	check(db.StoreMasterBalances(ctx, testMaster, store.MasterBalances{Debit: amt("1000.00"), Currency: "CNY",
		Credits: []store.AmountLine{{Available: amt("10.00"), Amount: amt("20.00"), CreditAmount: amt("30.00"), ExpireTime: &exp}}}, at))
	check(db.ReplaceMasterCoupons(ctx, testMaster, []store.Coupon{{CouponID: "m1", PlanName: "Master plan", Balance: amt("7.00"), Effective: &exp}}, at))
	check(db.ReplaceCards(ctx, testMaster, []store.StoredValueCard{{CardID: "card1", Name: "Card", Status: 1, FaceValue: amt("50.00"), Balance: amt("20.00"), Expire: &exp}}, at))
	check(db.ReplaceResources(ctx, testMaster, []store.Resource{{ResourceID: "r1", Name: "ecs-1", Region: "cn-north-4", ServiceType: "hws.service.type.ec2", Status: 2, Expire: &exp, IsMain: true}}, at))
	check(db.ReplacePackageUsages(ctx, testMaster, []store.PackageUsage{{FreeResourceID: "f1", PackageID: "p1", ProductName: "Package", Status: 1,
		Original: decimal.RequireFromString("100"), Remaining: decimal.RequireFromString("33.5"), MeasureID: 4, Expire: &exp}}, at))
	check(db.ReplaceCatalog(ctx, store.CatalogServiceType, "en_US", []store.CatalogEntry{{Code: "hws.service.type.ec2", Name: "ECS"}, {Code: "hws.service.type.ebs", Name: "EVS"}}, at))
}

// A sync round that finds the upstream as it was moves nothing a page reads: the write
// version stays where it was, so the read cache keeps serving. What the sync keeps for
// itself (when each sub-account was listed and read) still moves, and every real change
// — a balance, a new or vanished sub-account, a unit moved in the tree — moves the
// version and shows at once.
func TestUnchangedSyncMovesNoVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := newUpstream()
		t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
		u.round(t, db, 1, t0)
		// The second round finds u4's read failing (a change: its figures go stale) and
		// u5's credit call skipped; the third finds everything as the second did.
		u.round(t, db, 2, t0.Add(5*time.Minute))
		v := db.WriteVersion()
		t1 := t0.Add(15 * time.Minute)
		u.round(t, db, 3, t1)
		if got := db.WriteVersion(); got != v {
			t.Errorf("a round with nothing changed upstream moved the write version %d times", got-v)
		}
		for i, s := range u.subs {
			sa, err := db.SubAccountByID(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantRead := t1
			if i == 4 { // its read failed: its figures are those of the first round
				wantRead = t0
			}
			if !sa.SyncedAt.Equal(t1) || sa.BalancesSyncedAt == nil || !sa.BalancesSyncedAt.Equal(wantRead) {
				t.Errorf("%s: listed at %s, read at %v; want %s and %s", s.ID, sa.SyncedAt, sa.BalancesSyncedAt, t1, wantRead)
			}
			if sa.Stale != (i == 4) || sa.Debit.String() != u.debits[s.ID] || (i%2 == 1) != (len(sa.Credits) == 2) {
				t.Errorf("%s = %+v", s.ID, sa)
			}
		}
		st, err := db.SubAccountStats(ctx, authz.Everything)
		if err != nil || st.OldestSync == nil || !st.OldestSync.Equal(t0) || !st.NewestSync.Equal(t1) {
			t.Errorf("stats' reads %v … %v (%v), want %s … %s", st.OldestSync, st.NewestSync, err, t0, t1)
		}
		if at, err := db.CatalogSyncedAt(ctx); err != nil || at == nil || !at.Equal(t1) {
			t.Errorf("catalogue synced at %v (%v), want %s", at, err, t1)
		}
		if mb, err := db.MasterBalances(ctx, testMaster); err != nil || mb.SyncedAt == nil || !mb.SyncedAt.Equal(t1) {
			t.Errorf("master synced at %v (%v), want %s", mb.SyncedAt, err, t1)
		}

		// One balance changed: the version moves and the figure shows.
		u.debits["u2"] = "7.00"
		v = db.WriteVersion()
		u.round(t, db, 4, t1.Add(15*time.Minute))
		if db.WriteVersion() == v {
			t.Error("a changed balance did not move the write version")
		}
		if sa, err := db.SubAccountByID(ctx, "u2"); err != nil || sa.Debit.String() != "7.00" {
			t.Errorf("u2 after its balance changed: %+v (%v)", sa, err)
		}
		// A sub-account gone upstream goes, and so does the version.
		u.subs = u.subs[:5]
		v = db.WriteVersion()
		u.round(t, db, 5, t1.Add(30*time.Minute))
		if db.WriteVersion() == v {
			t.Error("a removed sub-account did not move the write version")
		}
		if _, err := db.SubAccountByID(ctx, "u5"); err == nil {
			t.Error("u5 survived its removal upstream")
		}
		// A unit moved in the tree: its sub-accounts' paths follow.
		u.orgs[2] = store.Organization{ID: "b", Name: "B", ParentID: "a", Path: []string{"root", "a", "b"}}
		v = db.WriteVersion()
		u.round(t, db, 6, t1.Add(45*time.Minute))
		if db.WriteVersion() == v {
			t.Error("a moved unit did not move the write version")
		}
		if sa, err := db.SubAccountByID(ctx, "u1"); err != nil || fmt.Sprint(sa.OrgPath) != "[root a b]" {
			t.Errorf("u1's path after its unit moved: %v (%v)", sa.OrgPath, err)
		}
		v = db.WriteVersion()
		u.round(t, db, 7, t1.Add(60*time.Minute))
		if got := db.WriteVersion(); got != v {
			t.Errorf("a round after those changes, with nothing new, moved the write version %d times", got-v)
		}
	})
}
