package store_test

import (
	"context"
	"testing"
)

// BenchmarkBreadcrumbTree names the units along a sub-account's path the way the detail
// page did: the whole tree read, a map of every unit's name built.
func BenchmarkBreadcrumbTree(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	sa, err := db.SubAccountByID(ctx, benchIDs(b, db, 1)[0])
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		orgs, err := db.Organizations(ctx)
		if err != nil {
			b.Fatal(err)
		}
		names := make(map[string]string, len(orgs))
		for _, o := range orgs {
			names[o.ID] = o.Name
		}
		for _, id := range sa.OrgPath {
			_ = names[id]
		}
	}
}

// BenchmarkBreadcrumbAncestors names them as the detail page does now: only the units
// along the path, by path prefix.
func BenchmarkBreadcrumbAncestors(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	sa, err := db.SubAccountByID(ctx, benchIDs(b, db, 1)[0])
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		units, err := db.OrganizationAncestors(ctx, sa.OrgPath)
		if err != nil || len(units) != len(sa.OrgPath) {
			b.Fatalf("%d units for a path of %d: %v", len(units), len(sa.OrgPath), err)
		}
	}
}
