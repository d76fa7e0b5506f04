package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestOrgFilterFollowsTheTree: filtering and scoping on a unit lists the sub-accounts of
// that unit and of every unit below it in the tree as it is now — after units move, vanish
// and appear, with sub-accounts synced before their unit — and those of a unit not in the
// tree by their org id. The expected rows are worked out from each sub-account's org id
// and the tree's parents, not from the paths the store keeps.
func TestOrgFilterFollowsTheTree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		units := []string{"root", "a", "a1", "a11", "b", "c", "ghost", ""}
		var subs []store.SubAccountInfo
		for i, u := range units {
			for j := range 3 {
				subs = append(subs, store.SubAccountInfo{ID: fmt.Sprintf("id-%d-%d", i, j), Name: fmt.Sprintf("%s-%d", u, j), Status: 1, OrgID: u})
			}
		}
		// Sub-accounts synced before the tree: none has a path yet.
		if err := db.UpsertSubAccounts(ctx, testMaster, 1, subs, now); err != nil {
			t.Fatal(err)
		}
		trees := []struct {
			name    string
			parents map[string]string // unit → parent ("" for the root)
		}{
			{"first sync", map[string]string{"root": "", "a": "root", "a1": "a", "a11": "a1", "b": "root"}},
			{"a1 moved under b", map[string]string{"root": "", "a": "root", "a1": "b", "a11": "a1", "b": "root"}},
			{"a11 gone, c new", map[string]string{"root": "", "a": "root", "a1": "b", "b": "root", "c": "a"}},
		}
		for run, tree := range trees {
			if err := db.ReplaceOrganizations(ctx, testMaster, int64(run+1), orgsOf(tree.parents), now); err != nil {
				t.Fatal(err)
			}
			if run == 1 {
				// A later page of the sub-account list, synced after the tree.
				if err := db.UpsertSubAccounts(ctx, testMaster, 1, subs[:6], now); err != nil {
					t.Fatal(err)
				}
			}
			expect := func(ids []string) []string {
				var out []string
				for _, s := range subs {
					for u := s.OrgID; u != ""; u = tree.parents[u] {
						if slices.Contains(ids, u) {
							out = append(out, s.ID)
							break
						}
					}
				}
				slices.Sort(out)
				return out
			}
			for _, ids := range [][]string{{"root"}, {"a"}, {"a1"}, {"a11"}, {"b"}, {"c"}, {"ghost"}, {"nowhere"}, {"a", "a1"}, {"a1", "ghost"}, {"a11", "b"}} {
				check := func(how string, scope authz.QueryScope, f store.SubAccountFilter) {
					t.Helper()
					f.Limit = 500
					p, err := db.ListSubAccounts(ctx, scope, f)
					if err != nil {
						t.Fatal(err)
					}
					var got []string
					for _, s := range p.Items {
						got = append(got, s.ID)
					}
					slices.Sort(got)
					want := expect(ids)
					if !scope.All {
						inScope := expect(scope.OrgIDs)
						want = slices.DeleteFunc(want, func(id string) bool { return !slices.Contains(inScope, id) })
					}
					if !slices.Equal(got, want) || p.Total != int64(len(want)) {
						t.Errorf("%s, %s %v: got %v (total %d), want %v", tree.name, how, ids, got, p.Total, want)
					}
				}
				if len(ids) == 1 {
					check("filter", authz.Everything, store.SubAccountFilter{OrgID: ids[0]})
				}
				check("filter on units", authz.Everything, store.SubAccountFilter{OrgIDs: ids})
				check("scope", authz.QueryScope{OrgIDs: ids}, store.SubAccountFilter{})
				// Filter and scope together: the filter within the scope.
				check("filter in scope", authz.QueryScope{OrgIDs: []string{"root", "ghost", "nowhere"}}, store.SubAccountFilter{OrgIDs: ids})
			}
		}
	})
}

// orgsOf is the tree of parents as ReplaceOrganizations takes it, each unit with its path.
func orgsOf(parents map[string]string) []store.Organization {
	var out []store.Organization
	for id := range parents {
		var path []string
		for u := id; u != ""; u = parents[u] {
			path = append([]string{u}, path...)
		}
		out = append(out, store.Organization{ID: id, Name: "Unit " + id, ParentID: parents[id], Path: path})
	}
	slices.SortFunc(out, func(a, b store.Organization) int { return len(a.Path) - len(b.Path) })
	return out
}
