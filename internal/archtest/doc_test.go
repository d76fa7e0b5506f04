package archtest

import (
	"os"
	"slices"
	"testing"
)

// TestArchitectureDocDrawsTheBuiltGraph holds docs/ARCHITECTURE.md to the code: its
// diagram has an arrow for every import between the module's packages and no other.
// On failure it prints the block to paste.
func TestArchitectureDocDrawsTheBuiltGraph(t *testing.T) {
	g, err := Load("../..")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../../docs/ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	got, err := DocEdges(string(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := g.Edges()
	if !slices.Equal(got, want) {
		for _, e := range want {
			if !slices.Contains(got, e) {
				t.Errorf("docs/ARCHITECTURE.md misses the import %s", e)
			}
		}
		for _, e := range got {
			if !slices.Contains(want, e) {
				t.Errorf("docs/ARCHITECTURE.md draws %s, which the code does not import", e)
			}
		}
		t.Logf("the diagram's block as built:\n%s", Mermaid(want))
	}
}

func TestDocEdgesReadsTheMermaidBlock(t *testing.T) {
	got, err := DocEdges("# A\n```mermaid\nflowchart LR\n  a_x[a/x]\n  b --> c\n  a_x --> b\n```\n```mermaid\nz --> y\n```\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a/x --> b", "b --> c"}; !slices.Equal(got, want) {
		t.Fatalf("DocEdges = %q, want %q", got, want)
	}
	if _, err := DocEdges("no diagram"); err == nil {
		t.Fatal("a document without a diagram must be an error")
	}
}
