package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
	"github.com/purser-finance/purser/internal/testkit"
)

// TestReadPageStatements counts the statements a signed-in GET of the sub-account list
// (a search, a unit's link) and of a detail page runs, right after a write (every cached
// read retired, as after each sync batch): session and user, the page's own reads, and
// the chrome's (sync runs, masters, what waits for approval, the bell). It fails when one
// comes back that issue 16 took out: the whole organisation tree for a breadcrumb, a COUNT
// for a page that tells its total, the search among every unit for a link's unit, a
// sub-account's credit lines apart from its row (Postgres). Counts are printed with -v.
func TestReadPageStatements(t *testing.T) {
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := opsPortal(t, db)
		log := storetest.LogStatements(t, db)
		b := p.as("boss")
		sa, err := db.SubAccountByID(context.Background(), p.someSubAccount())
		if err != nil {
			t.Fatal(err)
		}
		unit := sa.OrgPath[len(sa.OrgPath)-1]
		pg := db.Dialect() == store.DialectPostgres
		limits := map[string]int{"list": 16, "detail": 19, "unit": 18} // SQLite reads the user in four
		if pg {
			limits = map[string]int{"list": 10, "detail": 15, "unit": 12}
		}
		for _, c := range []struct{ kind, path string }{
			{"list", "/sub-accounts?q=purser"}, {"list", "/sub-accounts?q=00012"}, {"detail", "/sub-accounts/" + sa.ID}, {"unit", "/sub-accounts?org_id=" + unit},
		} {
			first := log.During(func() {
				if r := b.get(c.path); r.status != 200 {
					t.Fatalf("%s: %d", c.path, r.status)
				}
			})
			again := log.During(func() { b.get(c.path) })
			// Any write moves the write version and retires the read cache, as a sync batch does.
			if err := db.Gorm().Exec("UPDATE settings SET value = value WHERE 1 = 0").Error; err != nil {
				t.Fatal(err)
			}
			written := log.During(func() { b.get(c.path) })
			t.Logf("%s: %d statements, %d again, %d after a write", c.path, len(first), len(again), len(written))
			if len(written) > limits[c.kind] {
				t.Errorf("%s after a write: %d statements, at most %d:\n%s", c.path, len(written), limits[c.kind], strings.Join(written, "\n"))
			}
			for _, s := range written {
				switch {
				case strings.Contains(s, "FROM organizations WHERE 1=1"):
					t.Errorf("%s reads the whole tree: %s", c.path, s)
				case c.kind != "unit" && strings.Contains(s, "COUNT(*) FROM sub_accounts WHERE search_text"):
					t.Errorf("%s counts a page that tells its total: %s", c.path, s)
				case c.kind == "unit" && strings.Contains(s, "LOWER(name) LIKE"):
					t.Errorf("%s searches every unit for its own: %s", c.path, s)
				case pg && strings.Contains(s, "FROM sub_account_credits WHERE"):
					t.Errorf("%s reads credit lines apart: %s", c.path, s)
				}
			}
		}
	})
}
