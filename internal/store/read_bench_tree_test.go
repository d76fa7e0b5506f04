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
