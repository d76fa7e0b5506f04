package archtest

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// notDrawn are the packages the diagram leaves out: benchmarks and test support, which
// only tests and tools import.
var notDrawn = []string{"bench/", "internal/testkit", "internal/store/storetest", "internal/archtest"}

func drawn(path string) bool {
	for _, p := range notDrawn {
		if path == strings.TrimSuffix(p, "/") || strings.HasPrefix(path, strings.TrimSuffix(p, "/")+"/") {
			return false
		}
	}
	return true
}

// Edges are the module-internal imports of non-test code, as "from --> to" with paths
// relative to the module (internal/web --> internal/approval). The diagram in
// docs/ARCHITECTURE.md lists exactly these, so the picture cannot drift from the code.
func (g *Graph) Edges() []string {
	var edges []string
	prefix := g.Module + "/"
	for _, p := range g.Packages {
		from := strings.TrimPrefix(p.ImportPath, prefix)
		if !p.InModule || !drawn(from) {
			continue
		}
		for _, imp := range p.Imports {
			if to, ok := strings.CutPrefix(imp, prefix); ok && drawn(to) && g.Packages[imp] != nil && g.Packages[imp].InModule {
				edges = append(edges, from+" --> "+to)
			}
		}
	}
	sort.Strings(edges)
	return edges
}

// In the diagram a package is a node whose id is its path with "/" as "_" (Mermaid ids
// cannot hold a slash; no package path holds an underscore) and whose label is the path.
var mermaidEdge = regexp.MustCompile(`^\s*([A-Za-z0-9_]+)\s*-->\s*([A-Za-z0-9_]+)\s*$`)

// NodeID is a package's id in the diagram.
func NodeID(path string) string { return strings.ReplaceAll(path, "/", "_") }

func pathOf(id string) string { return strings.ReplaceAll(id, "_", "/") }

// DocEdges reads the edges of the first ```mermaid block of a Markdown document, as
// package paths.
func DocEdges(markdown string) ([]string, error) {
	_, rest, ok := strings.Cut(markdown, "```mermaid\n")
	if !ok {
		return nil, fmt.Errorf("no ```mermaid block")
	}
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		return nil, fmt.Errorf("the ```mermaid block is not closed")
	}
	var edges []string
	for _, line := range strings.Split(block, "\n") {
		if m := mermaidEdge.FindStringSubmatch(line); m != nil {
			edges = append(edges, pathOf(m[1])+" --> "+pathOf(m[2]))
		}
	}
	sort.Strings(edges)
	return edges, nil
}

// Mermaid is the diagram's block for edges: a node per package labelled with its path,
// then the arrows.
func Mermaid(edges []string) string {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	seen := map[string]bool{}
	var nodes []string
	for _, e := range edges {
		from, to, _ := strings.Cut(e, " --> ")
		for _, n := range []string{from, to} {
			if !seen[n] {
				seen[n] = true
				nodes = append(nodes, n)
			}
		}
	}
	sort.Strings(nodes)
	for _, n := range nodes {
		fmt.Fprintf(&b, "  %s[%s]\n", NodeID(n), n)
	}
	for _, e := range edges {
		from, to, _ := strings.Cut(e, " --> ")
		fmt.Fprintf(&b, "  %s --> %s\n", NodeID(from), NodeID(to))
	}
	return b.String()
}
