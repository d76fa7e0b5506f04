package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/store"
)

// The resources list names the account owning each resource (the master, or the
// sub-account whose own credentials synced it) and filters by it.
func TestResourcesOwningAccountFilter(t *testing.T) {
	t.Parallel()
	p := readPortal(t)
	if err := p.db.ReplaceResources(context.Background(), testMaster, []store.Resource{{ResourceID: "res-master", Name: "master-vm", IsMain: true, Status: 2}}, seedAt); err != nil {
		t.Fatal(err)
	}
	b := p.signedIn("fiona")
	all := b.get("/resources")
	opts := all.doc(t).Find(`select#account option`)
	if all.status != 200 || opts.Length() != 3 || !strings.Contains(opts.Text(), "Alpha") {
		t.Fatalf("account filter options: %d %q", opts.Length(), opts.Text())
	}
	if !strings.Contains(all.body, "master-vm") || !strings.Contains(all.body, "ecs-web-01") {
		t.Fatal("the unfiltered list lacks one account's resources")
	}
	sub := b.get("/resources?account=sa-alpha")
	if rows := sub.doc(t).Find(`[data-testid="resource-row"]`); rows.Length() != 1 || !strings.Contains(rows.Text(), "ecs-web-01") || strings.Contains(sub.body, "master-vm") {
		t.Fatalf("filtered by the sub-account: %q", rows.Text())
	}
	mine := b.get("/resources?account=" + testMaster)
	if rows := mine.doc(t).Find(`[data-testid="resource-row"]`); rows.Length() != 1 || !strings.Contains(rows.Text(), "master-vm") {
		t.Fatalf("filtered by the master: %q", rows.Text())
	}
	// A scoped user is offered no account outside the scope (nor the master's own).
	if got := p.signedIn("vic").get("/resources").doc(t).Find(`select#account`).Length(); got != 0 {
		t.Fatal("west viewer was offered the account filter of accounts out of scope")
	}
}
