package readmodel

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestDetailNamesTheUnitsAlongThePath: a sub-account's page gets the units along its
// path, root first, and nothing else of the tree, whatever the reader's scope; after a
// move, the units of the new path.
func TestDetailNamesTheUnitsAlongThePath(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		tree := func(run int64, parents ...string) {
			t.Helper()
			// parents: unit, parent, unit, parent, … (root first)
			paths := map[string][]string{}
			var orgs []store.Organization
			for i := 0; i < len(parents); i += 2 {
				id, parent := parents[i], parents[i+1]
				paths[id] = append(append([]string{}, paths[parent]...), id)
				orgs = append(orgs, store.Organization{ID: id, Name: strings.ToUpper(id), ParentID: parent, Path: paths[id]})
			}
			if err := db.ReplaceOrganizations(ctx, "dom", run, orgs, now); err != nil {
				t.Fatal(err)
			}
		}
		tree(1, "r", "", "a", "r", "a1", "a", "a11", "a1", "b", "r", "b1", "b")
		subs := []store.SubAccountInfo{{ID: "s-deep", Name: "deep", OrgID: "a11"}, {ID: "s-root", Name: "top", OrgID: "r"}, {ID: "s-lost", Name: "lost", OrgID: "gone"}}
		if err := db.UpsertSubAccounts(ctx, "dom", 1, subs, now); err != nil {
			t.Fatal(err)
		}
		r := New(db)
		units := func(id string, scope authz.QueryScope) string {
			t.Helper()
			sa, err := db.SubAccountByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			d, err := r.Detail(ctx, scope, sa, now.Add(-time.Hour), 10)
			if err != nil || !d.UnitsRead {
				t.Fatalf("detail of %s: %v (units read %v)", id, err, d.UnitsRead)
			}
			var names []string
			for _, u := range d.Units {
				names = append(names, u.Name)
			}
			return strings.Join(names, "/")
		}
		for id, want := range map[string]string{"s-deep": "R/A/A1/A11", "s-root": "R", "s-lost": ""} {
			if got := units(id, authz.Everything); got != want {
				t.Errorf("%s: units %q, want %q", id, got, want)
			}
		}
		if got := units("s-deep", authz.QueryScope{OrgIDs: []string{"a1"}}); got != "R/A/A1/A11" {
			t.Errorf("scoped below the root: %q", got)
		}
		// a1 moves under b: the page names the new path.
		tree(2, "r", "", "a", "r", "b", "r", "b1", "b", "a1", "b1", "a11", "a1")
		if got := units("s-deep", authz.Everything); got != "R/B/B1/A1/A11" {
			t.Errorf("after the move: %q", got)
		}
	})
}
