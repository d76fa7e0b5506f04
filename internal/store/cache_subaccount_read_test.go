package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestSubAccountByIDReadsItsCredits: a sub-account's credit lines come back in order,
// amounts and expiries (to the microsecond, none for "never") as stored — on Postgres in
// the same statement as the row.
func TestSubAccountByIDReadsItsCredits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		if err := db.UpsertSubAccounts(ctx, testMaster, 1, []store.SubAccountInfo{{ID: "id-c", Name: "credits", Status: 1}, {ID: "id-none", Name: "none", Status: 1}}, now); err != nil {
			t.Fatal(err)
		}
		soon := time.Date(2027, 1, 2, 3, 4, 5, 123456000, time.FixedZone("CST", 8*3600))
		later := time.Date(2027, 6, 30, 16, 0, 0, 0, time.UTC)
		want := []store.CreditLine{
			{Available: amt("12.34"), CreditAmount: amt("1000.00"), ExpireTime: &soon},
			{Available: amt("0.01"), CreditAmount: amt("5.00")},
			{Available: amt("99999.99"), CreditAmount: amt("100000.00"), ExpireTime: &later},
		}
		if err := db.StoreSubAccountBalances(ctx, now, []store.SubAccountBalances{{SubAccountID: "id-c", Debit: amt("1.00"), Credits: want},
			{SubAccountID: "id-none", Debit: amt("2.00")}}, 0, store.RunProgress{}); err != nil {
			t.Fatal(err)
		}
		log := storetest.LogStatements(t, db)
		var sa *store.SubAccount
		stmts := log.During(func() {
			var err error
			if sa, err = db.SubAccountByID(ctx, "id-c"); err != nil {
				t.Fatal(err)
			}
		})
		if want := map[string]int{store.DialectPostgres: 1, store.DialectSQLite: 2}[db.Dialect()]; len(stmts) != want {
			t.Errorf("%d statements, want %d: %q", len(stmts), want, stmts)
		}
		if len(sa.Credits) != len(want) || sa.Credit.String() != "100012.34" || sa.Name != "credits" {
			t.Fatalf("credits %+v, credit %s", sa.Credits, sa.Credit)
		}
		for i, c := range sa.Credits {
			w := want[i]
			if c.Available.String() != w.Available.String() || c.CreditAmount.String() != w.CreditAmount.String() || (c.ExpireTime == nil) != (w.ExpireTime == nil) ||
				(c.ExpireTime != nil && (!c.ExpireTime.Equal(*w.ExpireTime) || c.ExpireTime.Location() != time.UTC)) {
				t.Errorf("line %d: %+v, want %+v", i, c, w)
			}
		}
		if sa, err := db.SubAccountByID(ctx, "id-none"); err != nil || len(sa.Credits) != 0 || sa.Credits == nil {
			t.Fatalf("no credit lines: %+v, %v", sa, err)
		}
	})
}
