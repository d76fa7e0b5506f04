package web_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
	"github.com/purser-finance/purser/internal/testkit"
)

// The read pages cache aggregates between requests (read_cache.go). These tests hold the
// promises that come with it: results never cross scopes, and the user — roles, scopes,
// disabled flag, session — is read fresh on every request, even when the change comes from
// another process (another replica), which does not retire this process's cache entries.

// twoHandles opens the same fresh, migrated database twice: the portal's own handle and
// another process's.
func twoHandles(t *testing.T, dialect string) (*store.DB, *store.DB) {
	t.Helper()
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "portal.db")
	if dialect == "postgres" {
		url = storetest.PostgresURL(t)
	}
	open := func() *store.DB {
		db, err := store.Open(ctx, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	a := open()
	if err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return a, open()
}

func eachHandles(t *testing.T, fn func(t *testing.T, own, other *store.DB)) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) { own, other := twoHandles(t, d); fn(t, own, other) })
	}
}

func TestReadCacheKeepsScopesApart(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := readPortalOn(t, db)
		// Sign everyone in first: after that, GETs write nothing (the clock stands still),
		// so cached entries stay current and every request below can meet one.
		want := map[string]string{"fiona": "33", "eve": "2", "vic": "31", "audrey": "33"}
		browsers := map[string]*browser{}
		for name := range want {
			browsers[name] = p.signedIn(name)
		}
		for round := range 3 {
			for _, name := range []string{"fiona", "eve", "vic", "audrey", "eve", "fiona"} {
				b := browsers[name]
				if got := b.get("/sub-accounts").testid(t, "sa-total"); got != want[name]+" sub-accounts" {
					t.Fatalf("round %d: %s's list total %q, want %s", round, name, got, want[name])
				}
				if got := strings.TrimSpace(b.get("/").doc(t).Find(`[data-testid="card-sub-accounts"] .value`).Text()); got != want[name] {
					t.Fatalf("round %d: %s's dashboard count %q, want %s", round, name, got, want[name])
				}
				opts := b.get("/sub-accounts/units?org=").doc(t).Find(`[data-testid="org-option"]`)
				if name == "eve" && (opts.Length() != 2 || strings.Contains(opts.Text(), "West")) {
					t.Fatalf("round %d: eve's org options %q", round, opts.Text())
				}
				if name == "fiona" && opts.Length() != 4 {
					t.Fatalf("round %d: fiona's org options %q", round, opts.Text())
				}
			}
		}
		// The selected unit is shown, and only it.
		d := browsers["fiona"].get("/sub-accounts?org_id=org-east").doc(t)
		if box, sel := d.Find(`[data-testid="org-input"]`), d.Find(`input[type="hidden"][name="org_id"]`); box.AttrOr("value", "") != "East" || sel.Length() != 1 || sel.AttrOr("value", "") != "org-east" {
			t.Fatalf("selected unit: box %q, %d hidden %q", box.AttrOr("value", ""), sel.Length(), sel.AttrOr("value", ""))
		}
		d = browsers["fiona"].get("/sub-accounts").doc(t)
		if box, sel := d.Find(`[data-testid="org-input"]`), d.Find(`input[name="org_id"]`); box.AttrOr("value", "x") != "" || sel.Length() != 0 {
			t.Fatalf("no unit chosen: box %q, %d hidden", box.AttrOr("value", "x"), sel.Length())
		}
	})
}

func TestReadCacheUserChangesTakeEffectAtOnce(t *testing.T) {
	t.Parallel()
	eachHandles(t, func(t *testing.T, own, other *store.DB) {
		ctx := context.Background()
		p := readPortalOn(t, own)
		eve := p.signedIn("eve")
		u, err := other.UserByUsername(ctx, "eve")
		if err != nil {
			t.Fatal(err)
		}
		if ids := rowIDs(t, eve.get("/sub-accounts")); len(ids) != 2 {
			t.Fatalf("east rows: %v", ids)
		}
		eve.get("/") // fill the dashboard's entries too

		// Another replica moves eve to the west: her next page shows the west, although
		// this process wrote nothing (its cached entries are still current).
		if err := other.SetUserScopes(ctx, u.ID, []string{"org-west"}); err != nil {
			t.Fatal(err)
		}
		if got := eve.get("/sub-accounts").testid(t, "sa-total"); got != "31 sub-accounts" {
			t.Fatalf("after the scope change: %q", got)
		}
		if got := strings.TrimSpace(eve.get("/").doc(t).Find(`[data-testid="card-sub-accounts"] .value`).Text()); got != "31" {
			t.Fatalf("dashboard after the scope change: %q", got)
		}
		// Roles: without finance, the bulk operations disappear at once.
		if !eve.get("/sub-accounts").has(t, "bulk-form") {
			t.Fatal("finance has no bulk form")
		}
		if err := other.SetUserRoles(ctx, u.ID, []string{"viewer"}); err != nil {
			t.Fatal(err)
		}
		if eve.get("/sub-accounts").has(t, "bulk-form") {
			t.Fatal("a viewer still gets the bulk form")
		}
		// Disabled: signed out on the next request.
		if err := other.SetUserDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if r := eve.get("/sub-accounts"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
			t.Fatalf("disabled user: %d %q", r.status, r.location)
		}

		// A session ended elsewhere is dead at once.
		fiona := p.signedIn("fiona")
		if r := fiona.get("/sub-accounts"); r.status != http.StatusOK {
			t.Fatalf("fiona: %d", r.status)
		}
		f, err := other.UserByUsername(ctx, "fiona")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.DeleteUserSessions(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		if r := fiona.get("/sub-accounts"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
			t.Fatalf("ended session: %d %q", r.status, r.location)
		}
	})
}
