package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestListsPlannedByValue: on Postgres the lists' pages and counts are never prepared
// statements, whose generic plans ignore the search term and the unit (store.byValue);
// the session's other statements still are (the control).
func TestListsPlannedByValue(t *testing.T) {
	db := storetest.Postgres(t)
	ctx := context.Background()
	seedCache(t, db)
	err := db.InTx(ctx, func(tx *store.DB) error { // one connection: one session's statements
		for range 7 {
			for _, f := range []store.SubAccountFilter{{Q: "team", Limit: 5}, {Q: "s1", Limit: 25}, {OrgID: "a", Limit: 5}} {
				if _, err := tx.ListSubAccountsCapped(ctx, authz.Everything, f); err != nil {
					return err
				}
				if _, err := tx.ListSubAccounts(ctx, authz.Everything, f); err != nil {
					return err
				}
			}
			if _, _, err := tx.ListCoupons(ctx, authz.Everything, store.CouponFilter{Q: "plan", AllHolders: true, Limit: 5}); err != nil {
				return err
			}
			if _, err := tx.SubAccountByID(ctx, "id-s01"); err != nil {
				return err
			}
		}
		var stmts []string
		if err := tx.Gorm().Raw(`SELECT statement FROM pg_prepared_statements`).Scan(&stmts).Error; err != nil {
			return err
		}
		control := false
		for _, s := range stmts {
			switch {
			case containsAny(s, "FROM sub_accounts") && strings.HasSuffix(s, "WHERE id = $1"): // SubAccountByID
				control = true
			case containsAny(s, "FROM sub_accounts", "FROM coupons") && containsAny(s, "COUNT(*)", "ORDER BY"):
				t.Errorf("prepared: %s", s)
			}
		}
		if !control {
			t.Errorf("the control statement is not prepared either: %q", stmts)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
