// Package archtest checks the import rules that keep Purser's layers apart:
// templates never reach the store, the web layer never talks to gorm or the
// Huawei SDK itself, only internal/bss speaks to the SDK, only internal/jobs
// and the commands touch River, and the authorisation and read-model packages
// stay free of HTTP and presentation code.
//
// The rules are data (Rules) checked against an import graph loaded from
// `go list -deps -json` (Load), so the same checker runs on the real module
// in the test and on a fixture module that breaks every rule on purpose.
package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
)

// Package is one node of the import graph: a package and what it imports.
type Package struct {
	ImportPath string
	// Imports are the imports of the package's non-test files.
	Imports []string
	// TestImports are the imports of its _test.go files, both in-package and
	// external (package x_test) ones.
	TestImports []string
	// InModule marks packages of the module under test, as opposed to the
	// standard library and dependencies.
	InModule bool
}

// Graph is an import graph keyed by import path.
type Graph struct {
	// Module is the path of the module under test; rules name its packages
	// relative to it.
	Module   string
	Packages map[string]*Package
}

// Load runs `go list -deps -json` on every package of the module in dir and
// returns its import graph, dependencies and standard library included, so
// transitive chains can be walked to the end.
func Load(dir string, env ...string) (*Graph, error) {
	mod, err := goList(dir, env, "-m", "-f", "{{.Path}}")
	if err != nil {
		return nil, err
	}
	out, err := goList(dir, env, "-deps", "-json=ImportPath,Imports,TestImports,XTestImports,Module", "./...")
	if err != nil {
		return nil, err
	}
	g := &Graph{Module: strings.TrimSpace(string(mod)), Packages: map[string]*Package{}}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath   string
			Imports      []string
			TestImports  []string
			XTestImports []string
			Module       *struct{ Path string }
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("decode go list output: %w", err)
		}
		g.Packages[p.ImportPath] = &Package{
			ImportPath:  p.ImportPath,
			Imports:     p.Imports,
			TestImports: append(p.TestImports, p.XTestImports...),
			InModule:    p.Module != nil && p.Module.Path == g.Module,
		}
	}
	return g, nil
}

func goList(dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s in %s: %w\n%s", strings.Join(args, " "), dir, err, stderr.String())
	}
	return out, nil
}

// Rule forbids a set of packages from importing another set.
//
// Package sets are lists of path prefixes: "gorm.io" matches gorm.io/gorm and
// gorm.io/driver/postgres; a prefix starting with "./" is relative to the
// module under test ("./internal/web" matches internal/web and its
// subpackages).
type Rule struct {
	Name string
	// Why is printed with every violation, so the reader of a failing test
	// learns what the rule protects without opening this file.
	Why string
	// From selects the module packages the rule applies to; Except removes
	// some of them again.
	From, Except []string
	// Forbidden are the packages From must not import.
	Forbidden []string
	// Transitive rules follow the non-test imports all the way down: the
	// packages must not even reach Forbidden through something else. Direct
	// rules look at the package's own import lines, test files included.
	Transitive bool
	// MayBeAbsent lets From match nothing, for a package that is planned but
	// not written yet. Every other rule fails when From matches nothing, so
	// renaming a package cannot silently switch its rule off.
	MayBeAbsent bool
}

// Rules are Purser's import rules. Module packages are named relative to the
// module root, so the same rules run on the fixture module in testdata.
func Rules() []Rule {
	return []Rule{
		{
			Name:       "templates do not reach the store",
			Why:        "templates render view models; data access belongs to the handlers and use cases",
			From:       []string{"./web/templates"},
			Forbidden:  []string{"./internal/store", "gorm.io"},
			Transitive: true,
		},
		{
			Name:      "web does not use gorm or the Huawei SDK",
			Why:       "handlers go through use cases and the store for data and through internal/bss for the upstream",
			From:      []string{"./internal/web"},
			Forbidden: []string{"gorm.io", "github.com/huaweicloud"},
		},
		{
			Name:       "authz is free of HTTP and the database",
			Why:        "authorisation decisions are pure functions of the subject, so every layer can call them",
			From:       []string{"./internal/authz"},
			Forbidden:  []string{"github.com/gin-gonic/gin", "gorm.io"},
			Transitive: true,
		},
		{
			Name:      "only bss uses the Huawei SDK",
			Why:       "internal/bss is the one adapter to the upstream; everything else uses its types",
			From:      []string{"./"},
			Except:    []string{"./internal/bss"},
			Forbidden: []string{"github.com/huaweicloud"},
		},
		{
			Name:      "only jobs and cmd use River",
			Why:       "internal/jobs owns the queue; other packages enqueue and work through its API",
			From:      []string{"./"},
			Except:    []string{"./internal/jobs", "./cmd"},
			Forbidden: []string{"github.com/riverqueue"},
		},
		{
			Name:       "test support stays in tests",
			Why:        "testkit and storetest fake clocks, cheapen password hashing and break the audit log on purpose",
			From:       []string{"./"},
			Except:     []string{"./internal/testkit", "./internal/store/storetest"},
			Forbidden:  []string{"./internal/testkit", "./internal/store/storetest"},
			Transitive: true,
		},
		{
			Name:        "readmodel is free of HTTP and presentation",
			Why:         "read use cases return pages of data; parsing, translation and rendering stay in web",
			From:        []string{"./internal/readmodel"},
			Forbidden:   []string{"github.com/gin-gonic/gin", "github.com/a-h/templ", "./internal/web", "./web"},
			Transitive:  true,
			MayBeAbsent: true,
		},
	}
}

// Violation is one broken rule.
type Violation struct {
	Rule string
	// Chain is the import chain that breaks the rule, module prefix cut:
	// "web/templates/pages -> web/templates/view -> internal/store".
	Chain string
	Why   string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s: %s\n\twhy: %s", v.Rule, v.Chain, v.Why)
}

// Check returns the violations of rules in g, sorted so the output is stable.
func Check(g *Graph, rules []Rule) []Violation {
	var out []Violation
	for _, r := range rules {
		from := g.match(r.From, r.Except)
		if len(from) == 0 && !r.MayBeAbsent {
			out = append(out, Violation{Rule: r.Name,
				Chain: fmt.Sprintf("no package matches %v", r.From),
				Why:   "a rule that matches nothing checks nothing; if the package was renamed, rename it in the rule"})
			continue
		}
		for _, src := range from {
			for _, chain := range g.violations(src, r) {
				out = append(out, Violation{Rule: r.Name, Chain: g.show(chain), Why: r.Why})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Rule != out[j].Rule {
			return out[i].Rule < out[j].Rule
		}
		return out[i].Chain < out[j].Chain
	})
	return out
}

// match returns the module packages under one of the prefixes in from and
// under none of those in except, sorted.
func (g *Graph) match(from, except []string) []string {
	var out []string
	for path, p := range g.Packages {
		if p.InModule && g.under(path, from) && !g.under(path, except) {
			out = append(out, path)
		}
	}
	sort.Strings(out)
	return out
}

// under reports whether path is one of prefixes or below one of them.
func (g *Graph) under(path string, prefixes []string) bool {
	for _, pre := range prefixes {
		if rel, ok := strings.CutPrefix(pre, "./"); ok {
			pre = strings.TrimSuffix(g.Module+"/"+rel, "/")
		}
		if path == pre || strings.HasPrefix(path, pre+"/") {
			return true
		}
	}
	return false
}

// violations returns, for each forbidden prefix src reaches, the shortest
// import chain from src to it. The search does not walk through forbidden
// packages, so one violation is reported once, at its entry point.
func (g *Graph) violations(src string, r Rule) [][]string {
	var chains [][]string
	p := g.Packages[src]
	if !r.Transitive {
		seen := map[string]bool{}
		for _, imp := range p.Imports {
			if g.under(imp, r.Forbidden) && !seen[imp] {
				seen[imp] = true
				chains = append(chains, []string{src, imp})
			}
		}
		for _, imp := range p.TestImports {
			if g.under(imp, r.Forbidden) && !seen[imp] {
				seen[imp] = true
				chains = append(chains, []string{src + " (test)", imp})
			}
		}
		return chains
	}
	// Breadth first, so the chain printed is a shortest one.
	parent := map[string]string{src: ""}
	queue := []string{src}
	found := map[string]bool{}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		next := g.Packages[cur]
		if next == nil {
			continue
		}
		for _, imp := range next.Imports {
			if _, ok := parent[imp]; ok {
				continue
			}
			parent[imp] = cur
			if !g.under(imp, r.Forbidden) {
				queue = append(queue, imp)
				continue
			}
			if pre := g.prefixOf(imp, r.Forbidden); !found[pre] {
				found[pre] = true
				var chain []string
				for at := imp; at != ""; at = parent[at] {
					chain = append([]string{at}, chain...)
				}
				chains = append(chains, chain)
			}
		}
	}
	return chains
}

func (g *Graph) prefixOf(path string, prefixes []string) string {
	for _, pre := range prefixes {
		if g.under(path, []string{pre}) {
			return pre
		}
	}
	return ""
}

// show prints a chain with the module prefix cut, which keeps long chains
// readable.
func (g *Graph) show(chain []string) string {
	short := make([]string, len(chain))
	for i, p := range chain {
		short[i] = strings.TrimPrefix(p, g.Module+"/")
	}
	return strings.Join(short, " -> ")
}
