package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

// unitBox is one scope checkbox as the page nests it: depth 0 is a tree's root.
type unitBox struct {
	value, label string
	depth        int
	checked      bool
}

// unitBoxes walks the scope tree of a user form in document order, each box with how
// deep the lists holding it are nested.
func unitBoxes(t *testing.T, doc *goquery.Document) []unitBox {
	t.Helper()
	tree := doc.Find(`ul[data-testid="scope"]`)
	if tree.Length() != 1 {
		t.Fatalf("%d scope lists, want 1", tree.Length())
	}
	var out []unitBox
	var walk func(list *goquery.Selection, depth int)
	walk = func(list *goquery.Selection, depth int) {
		list.ChildrenFiltered("li").Each(func(_ int, li *goquery.Selection) {
			in := li.ChildrenFiltered("label").Find(`input[type="checkbox"]`)
			if name, _ := in.Attr("name"); name != "scope" {
				t.Fatalf("a unit's box is named %q, want scope (the form posts them all)", name)
			}
			v, _ := in.Attr("value")
			_, checked := in.Attr("checked")
			out = append(out, unitBox{value: v, label: strings.TrimSpace(li.ChildrenFiltered("label").Text()), depth: depth, checked: checked})
			walk(li.ChildrenFiltered("ul"), depth+1)
		})
	}
	walk(tree, 0)
	return out
}

// TestScopeChecksKeepTheUnitTree (issue #13): the organisation-scope checkboxes of the user
// forms are the unit tree — each unit's units nested in a list below it, parents before
// their children, siblings by name — in both languages and without script; a scope no
// longer in the tree stays listed, ticked, after the trees.
func TestScopeChecksKeepTheUnitTree(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// Ids in another order than the names; "a1" sorts between "a" and "a"'s child
		// by a linguistic collation of the paths, so only the parent links keep "x"
		// under "a".
		orgs := []store.Organization{
			{ID: "r", Name: "Acme", Path: []string{"r"}},
			{ID: "a", Name: "Tech", ParentID: "r", Path: []string{"r", "a"}},
			{ID: "a1", Name: "Sales", ParentID: "r", Path: []string{"r", "a1"}},
			{ID: "x", Name: "Platform 平台", ParentID: "a", Path: []string{"r", "a", "x"}},
			{ID: "x2", Name: "Data", ParentID: "x", Path: []string{"r", "a", "x", "x2"}},
		}
		if err := db.ReplaceOrganizations(ctx, "dom-tree-1", 1, orgs, seedAt); err != nil {
			t.Fatal(err)
		}
		other := []store.Organization{{ID: "m2", Name: "Beta Holdings", Path: []string{"m2"}}}
		if err := db.ReplaceOrganizations(ctx, "dom-tree-2", 1, other, seedAt); err != nil {
			t.Fatal(err)
		}
		p := newPortal(t, db, nil)
		p.addUser("sam", "", "viewer")
		sam, err := db.UserByUsername(ctx, "sam")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetUserScopes(ctx, sam.ID, []string{"x", "unit-gone"}); err != nil {
			t.Fatal(err)
		}
		tree := []unitBox{
			{value: "r", label: "Acme", depth: 0},
			{value: "a1", label: "Sales", depth: 1},
			{value: "a", label: "Tech", depth: 1},
			{value: "x", label: "Platform 平台", depth: 2},
			{value: "x2", label: "Data", depth: 3},
			{value: "m2", label: "Beta Holdings", depth: 0},
		}
		same := func(page string, got, want []unitBox) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("%s: scope boxes %+v, want %+v", page, got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s: scope box %d is %+v, want %+v (all: %+v)", page, i, got[i], want[i], got)
				}
			}
		}

		b := p.adminBrowser()
		r := b.get("/admin/users/new")
		if r.status != http.StatusOK {
			t.Fatalf("new user form: %d", r.status)
		}
		// Roots by name too: Acme's tree before Beta Holdings'.
		want := append([]unitBox{tree[0], tree[1], tree[2], tree[3], tree[4]}, tree[5])
		same("new user", unitBoxes(t, r.doc(t)), want)

		for _, lang := range []string{"en", "zh"} {
			b.lang = lang
			r = b.get("/admin/users/" + p.userID("sam"))
			if r.status != http.StatusOK {
				t.Fatalf("%s user page: %d", lang, r.status)
			}
			want := append([]unitBox{}, tree...)
			want[3].checked = true // x, nested under Tech
			want = append(want, unitBox{value: "unit-gone", label: "unit-gone", depth: 0, checked: true})
			same(lang+" user page", unitBoxes(t, r.doc(t)), want)
			legend := map[string]string{"en": "Organisation scope", "zh": "组织范围"}[lang]
			if !strings.Contains(r.body, "<legend>"+legend+"</legend>") {
				t.Fatalf("%s user page: no %q legend over the tree", lang, legend)
			}
		}
	})
}
