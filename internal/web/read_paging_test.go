package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/store"
)

// TestSubAccountPagerBothWays follows the pager's links: first page → last → previous →
// next, each a plain link, numbering the rows shown; a next link of the old form (cursor
// and page) still opens the second page.
func TestSubAccountPagerBothWays(t *testing.T) {
	p := readPortal(t)
	b := p.signedIn("fiona")
	href := func(r response, id string) string {
		t.Helper()
		return r.doc(t).Find(`[data-testid="`+id+`"]`).AttrOr("href", "")
	}
	first := b.get("/sub-accounts?sort=-balance")
	if first.has(t, "page-first") || first.has(t, "page-prev") || !first.has(t, "page-next") || !first.has(t, "page-last") {
		t.Fatal("first page: want next and last only")
	}
	firstIDs := rowIDs(t, first)
	last := b.get(href(first, "page-last"))
	lastIDs := rowIDs(t, last)
	if len(lastIDs) != 25 || last.has(t, "page-next") || last.has(t, "page-last") || !last.has(t, "page-first") || !last.has(t, "page-prev") ||
		!strings.Contains(last.testid(t, "pager-summary"), "9–33 of 33") {
		t.Fatalf("last page: %d rows, %q", len(lastIDs), last.testid(t, "pager-summary"))
	}
	if !strings.Contains(href(last, "page-last")+href(last, "page-first"), "sort=-balance") {
		t.Fatalf("first link loses the sort: %q", href(last, "page-first"))
	}
	prev := b.get(href(last, "page-prev"))
	prevIDs := rowIDs(t, prev)
	if len(prevIDs) != 8 || strings.Join(prevIDs, ",") != strings.Join(firstIDs[:8], ",") || prev.has(t, "page-prev") ||
		!strings.Contains(prev.testid(t, "pager-summary"), "1–8 of 33") {
		t.Fatalf("previous of last: %v, want %v; %q", prevIDs, firstIDs[:8], prev.testid(t, "pager-summary"))
	}
	if again := rowIDs(t, b.get(href(prev, "page-next"))); strings.Join(again, ",") != strings.Join(lastIDs, ",") {
		t.Fatalf("next of previous: %v, want %v", again, lastIDs)
	}
	if first := b.get(href(last, "page-first")); strings.Join(rowIDs(t, first), ",") != strings.Join(firstIDs, ",") {
		t.Fatal("first link does not open the first page")
	}
	// Every row of the walk is there once: the last page and the first eight.
	seen := map[string]bool{}
	for _, id := range append(prevIDs, lastIDs...) {
		if seen[id] {
			t.Fatalf("%s on two pages", id)
		}
		seen[id] = true
	}
	// An old next link: the cursor of the page's last row and a page number.
	old := href(first, "page-next") + "&page=2"
	if r := b.get(old); r.status != 200 || len(rowIDs(t, r)) != 8 || !strings.Contains(r.testid(t, "pager-summary"), "26–33 of 33") {
		t.Fatalf("old next link: %d %q", r.status, r.testid(t, "pager-summary"))
	}
}

// TestOrgTypeAhead: the type-ahead offers units in scope only (a scoped user never gets
// a unit outside it, whatever is typed), 20 at most, names in Chinese too; a typed name
// submitted without script filters by the matching units; and with a thousand units the
// list page carries no thousand options.
func TestOrgTypeAhead(t *testing.T) {
	p := readPortal(t)
	ctx := context.Background()
	orgs, err := p.db.Organizations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		name := fmt.Sprintf("Filler unit %04d", i)
		if i == 500 {
			name = "华东财务部"
		}
		orgs = append(orgs, store.Organization{ID: fmt.Sprintf("org-f%04d", i), Name: name, ParentID: "org-west", Path: []string{"org-root", "org-west", fmt.Sprintf("org-f%04d", i)}})
	}
	if err := p.db.ReplaceOrganizations(ctx, testMaster, 99, orgs, seedAt); err != nil {
		t.Fatal(err)
	}
	eve, fiona := p.signedIn("eve"), p.signedIn("fiona")
	options := func(b *browser, typed string) []string {
		t.Helper()
		r := b.get("/sub-accounts/units?org=" + url.QueryEscape(typed))
		if r.status != 200 {
			t.Fatalf("units %q: %d", typed, r.status)
		}
		var ids []string
		for _, n := range r.doc(t).Find(`[data-testid="org-option"]`).EachIter() {
			ids = append(ids, n.AttrOr("value", ""))
		}
		return ids
	}
	if got := options(fiona, "财务"); len(got) != 1 || got[0] != "org-f0500" {
		t.Fatalf("Chinese name: %v", got)
	}
	if got := options(fiona, "filler"); len(got) != 20 {
		t.Fatalf("fillers: %d offered, want 20", len(got))
	}
	if got := options(fiona, "west"); len(got) != 1 || got[0] != "org-west" {
		t.Fatalf("west: %v", got)
	}
	for _, typed := range []string{"", "west", "filler", "财务", "org-west", "a", "%"} {
		for _, id := range options(eve, typed) {
			if id != "org-east" && id != "org-east-ops" {
				t.Fatalf("eve typing %q got %s, outside her scope", typed, id)
			}
		}
	}
	if got := options(eve, "east"); len(got) != 2 {
		t.Fatalf("eve's east units: %v", got)
	}
	if r := eve.get("/sub-accounts/units?org=zzz"); !r.has(t, "org-no-match") {
		t.Fatal("no match not said")
	}
	// Without script: the typed text, submitted, filters by every unit it matches.
	if ids := rowIDs(t, fiona.get("/sub-accounts?org=east")); strings.Join(ids, ",") != "sa-alpha,sa-gamma" {
		t.Fatalf("typed east: %v", ids)
	}
	r := fiona.get("/sub-accounts?org=EAST+OPS")
	if ids := rowIDs(t, r); strings.Join(ids, ",") != "sa-gamma" {
		t.Fatalf("typed east ops: %v", ids)
	}
	if box := r.doc(t).Find(`[data-testid="org-input"]`).AttrOr("value", ""); box != "East Ops" {
		t.Fatalf("one match is selected and named: %q", box)
	}
	if ids := rowIDs(t, eve.get("/sub-accounts?org=west")); len(ids) != 0 {
		t.Fatalf("eve typed west: %v", ids)
	}
	if r := fiona.get("/sub-accounts?org=nothing-like-it"); len(rowIDs(t, r)) != 0 || !r.has(t, "sa-empty") && !strings.Contains(r.body, "No sub-account") {
		t.Fatalf("typed nonsense lists %v", rowIDs(t, r))
	}
	// A pick (the suggestion's org_id after the hidden one) wins over the old unit.
	if ids := rowIDs(t, fiona.get("/sub-accounts?org=ea&org_id=org-west&org_id=org-east-ops")); strings.Join(ids, ",") != "sa-gamma" {
		t.Fatalf("picked east-ops: %v", ids)
	}
	// The box showing the selected unit's name keeps it (another filter applied).
	if ids := rowIDs(t, fiona.get("/sub-accounts?org=East&org_id=org-east&status=1")); strings.Contains(strings.Join(ids, ","), "sa-beta") || len(ids) == 0 {
		t.Fatalf("kept east: %v", ids)
	}
	// The page stays small: no select of a thousand units.
	page := fiona.get("/sub-accounts")
	// Enter submits the typed text (the form's first submit button), not a suggestion.
	if first := page.doc(t).Find(`[data-testid="sa-filters"] button[type="submit"]`).First(); first.AttrOr("data-testid", "") != "org-default-submit" || first.AttrOr("name", "") != "" {
		t.Fatalf("the filter form's default button is %q", first.AttrOr("data-testid", ""))
	}
	if n := strings.Count(page.body, "<option"); n > 50 {
		t.Fatalf("list page has %d options", n)
	}
	if len(page.body) > 60_000 {
		t.Fatalf("list page is %d bytes", len(page.body))
	}
}
