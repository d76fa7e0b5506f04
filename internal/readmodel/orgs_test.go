package readmodel

import (
	"context"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// The organisation trees are kept per master: switching between masters' pages does not
// read a tree again, each master's page gets its own units, and a master's finished run
// is seen even while another master's later run is still going.
func TestOrgCachePerMaster(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := New(db)
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		begin := func(master string) store.SyncRun {
			r, err := db.BeginSyncRun(ctx, master, "organizations", "", "schedule", "test", time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		finish := func(master string, r store.SyncRun, units ...string) {
			var orgs []store.Organization
			for _, u := range units {
				orgs = append(orgs, store.Organization{ID: u, Name: u, Path: []string{u}})
			}
			if err := db.ReplaceOrganizations(ctx, master, r.ID, orgs, now); err != nil {
				t.Fatal(err)
			}
			if _, err := db.FinishSyncRun(ctx, r.ID, store.RunSucceeded, store.RunProgress{}, ""); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range []string{"dom-a", "dom-b"} {
			if err := db.StoreMasterBalances(ctx, m, store.MasterBalances{Debit: money.Zero("CNY"), Currency: "CNY"}, now); err != nil {
				t.Fatal(err)
			}
		}
		finish("dom-a", begin("dom-a"), "a-root")
		finish("dom-b", begin("dom-b"), "b-root", "b-east")
		tree := func(master string) []store.Organization {
			t.Helper()
			_, orgs, err := s.Organizations(ctx, authz.Everything, master)
			if err != nil {
				t.Fatal(err)
			}
			return orgs
		}
		ids := func(orgs []store.Organization) string {
			out := ""
			for _, o := range orgs {
				out += o.ID + ","
			}
			return out
		}
		a, b, all := tree("dom-a"), tree("dom-b"), tree("")
		if ids(a) != "a-root," || ids(b) != "b-east,b-root," || ids(all) != "a-root,b-east,b-root," {
			t.Fatalf("trees: a %s b %s all %s", ids(a), ids(b), ids(all))
		}
		// Back and forth: every tree is served from the cache (the same slice, not a new read).
		for range 3 {
			if a2, b2, all2 := tree("dom-a"), tree("dom-b"), tree(""); &a2[0] != &a[0] || &b2[0] != &b[0] || &all2[0] != &all[0] {
				t.Fatal("switching masters read a tree again")
			}
		}
		// dom-a's run finishes while dom-b's later run is still going: dom-a's new unit shows.
		ra := begin("dom-a")
		rb := begin("dom-b")
		finish("dom-a", ra, "a-root", "a-new")
		if got := ids(tree("dom-a")); got != "a-new,a-root," {
			t.Fatalf("dom-a after its run: %s", got)
		}
		if got := ids(tree("")); got != "a-new,a-root,b-east,b-root," {
			t.Fatalf("every master after dom-a's run (dom-b's still running): %s", got)
		}
		finish("dom-b", rb, "b-root")
		if got := ids(tree("dom-b")); got != "b-root," {
			t.Fatalf("dom-b after its run: %s", got)
		}
	})
}
