package readmodel

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// The scope is applied in SQL, never by dropping rows in memory. Two rules keep it so,
// besides the store's read methods taking the scope as a required argument (forgetting it
// does not compile, and the zero scope sees nothing):
//
//   - in the read side (this package, internal/web and its areas) no scope predicate — visible,
//     QueryScope.Covers, authz.InScope — is called inside a loop: that is what filtering
//     a page in memory looks like; one object's check (a detail page) is not in a loop;
//   - internal/web reads the read side's lists through this package, not the store, so
//     every list, count, facet and export goes through a use case that takes the scope.

// readListMethods are the store's read-side lists, counts, facets and walks.
var readListMethods = map[string]bool{
	"ListSubAccounts": true, "ListSubAccountsUncounted": true, "ForEachSubAccount": true,
	"SubAccountStats": true, "SubAccountStatsOf": true, "SubAccountsBelowThreshold": true, "SubAccountsBelowThresholdOf": true,
	"ListCoupons": true, "PageCoupons": true, "ForEachCoupon": true,
	"ListResources": true, "PageResources": true, "ForEachResource": true, "ResourceFacets": true, "ResourceAccounts": true,
	"PageCards": true, "ForEachCard": true, "PagePackageUsages": true, "ForEachPackageUsage": true,
	"PageCatalog": true, "ForEachCatalogEntry": true, "OrganizationsOf": true,
}

// storeReadAllowed are the web files that may still call the store's lists (none: the
// operation form's choices come through readmodel's pickers too).
var storeReadAllowed = map[string]bool{}

var scopePredicates = map[string]bool{"visible": true, "Covers": true, "InScope": true}

func TestNoInMemoryScopeFiltering(t *testing.T) {
	// internal/web's areas live in packages of their own (internal/web/<area>web).
	for _, dir := range []string{".", "../web", "../web/readweb", "../web/auditweb", "../web/opsweb"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			base := filepath.Base(path)
			var loops []ast.Node
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.RangeStmt, *ast.ForStmt:
					loops = append(loops, n)
				case *ast.CallExpr:
					name := ""
					switch fn := n.Fun.(type) {
					case *ast.Ident:
						name = fn.Name
					case *ast.SelectorExpr:
						name = fn.Sel.Name
						if dir != "." && readListMethods[name] && !storeReadAllowed[base] && isDBReceiver(fn.X) {
							t.Errorf("%s: web reads the store's %s directly; go through readmodel, which takes the scope",
								fset.Position(n.Pos()), name)
						}
					}
					if scopePredicates[name] {
						for _, l := range loops {
							if l.Pos() <= n.Pos() && n.End() <= l.End() {
								t.Errorf("%s: %s inside a loop: the scope belongs in the query, not in memory", fset.Position(n.Pos()), name)
								break
							}
						}
					}
				}
				return true
			})
		}
		if checked == 0 {
			t.Fatalf("no Go files in %s", dir)
		}
	}
}

// isDBReceiver reports whether x is the store handle (s.db, db, r.db, tx).
func isDBReceiver(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.SelectorExpr:
		return x.Sel.Name == "db"
	case *ast.Ident:
		return x.Name == "db" || x.Name == "tx"
	}
	return false
}

// The read model knows nothing of HTTP or templates: the web layer parses and formats.
func TestReadModelImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			for _, banned := range []string{"github.com/gin-gonic/", "github.com/a-h/templ", "/web/templates", "purser/internal/web", "gorm.io/"} {
				if strings.Contains(p, banned) {
					t.Errorf("%s imports %s", path, p)
				}
			}
		}
	}
}
