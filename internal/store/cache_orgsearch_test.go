package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestSearchOrganizationsScope: the type-ahead's units are those in scope only, whatever
// is typed, by name or id, any case, at most the limit.
func TestSearchOrganizationsScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedCache(t, db)
		ids := func(scope authz.QueryScope, q string, limit int) []string {
			t.Helper()
			orgs, err := db.SearchOrganizations(ctx, scope, "", q, limit)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, o := range orgs {
				out = append(out, o.ID)
			}
			return out
		}
		a := authz.QueryScope{OrgIDs: []string{"a"}}
		for _, q := range []string{"", "a", "B", "root", "b", "%", "_"} {
			for _, id := range ids(a, q, 20) {
				if id != "a" && id != "a1" {
					t.Fatalf("scope a, %q: got %s", q, id)
				}
			}
		}
		if got := ids(a, "A1", 20); !slices.Equal(got, []string{"a1"}) {
			t.Fatalf("a1 by name: %v", got)
		}
		if got := ids(authz.Everything, "root", 20); !slices.Equal(got, []string{"root"}) {
			t.Fatalf("root by id and name: %v", got)
		}
		if got := ids(authz.Everything, "", 2); len(got) != 2 {
			t.Fatalf("limit 2: %v", got)
		}
		if got := ids(authz.QueryScope{}, "", 20); len(got) != 0 {
			t.Fatalf("no scope: %v", got)
		}
	})
}

// TestOrganizationInScope: a unit read by id within a scope and a master is the one the
// type-ahead's search for its id finds (what the organisation box named before), for
// every unit, scope and master, and none outside them.
func TestOrganizationInScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedCache(t, db)
		for _, scope := range []authz.QueryScope{authz.Everything, {OrgIDs: []string{"a"}}, {OrgIDs: []string{"a1", "b"}}, {OrgIDs: []string{"ghost"}}, {}} {
			for _, master := range []string{"", testMaster, "dom-other"} {
				for _, id := range []string{"root", "a", "a1", "b", "ghost"} {
					want := ""
					found, err := db.SearchOrganizations(ctx, scope, master, id, 500)
					if err != nil {
						t.Fatal(err)
					}
					for _, o := range found {
						if o.ID == id {
							want = o.Name
						}
					}
					got := ""
					o, err := db.OrganizationInScope(ctx, scope, master, id)
					switch {
					case err == nil:
						got = o.Name
					case !errors.Is(err, store.ErrNotFound):
						t.Fatal(err)
					}
					if got != want {
						t.Errorf("scope %v, master %q, unit %s: %q, want %q", scope, master, id, got, want)
					}
				}
			}
		}
	})
}
