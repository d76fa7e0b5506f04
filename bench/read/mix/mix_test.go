package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The pager as the list renders it (copied from a page of the portal): discovery must
// find the next and last links, unescaped, and the rows' detail ids but not the
// list's own sub-paths.
const listHTML = `<td><a href="/sub-accounts/ffb465d6bea9bf3fd5f721e772d0395b">x</a></td>
<a href="/sub-accounts/export?format=csv">CSV</a> <a href="/sub-accounts/units">u</a>
<nav class="pager" aria-label="Pages" data-testid="pager"><span class="muted" data-testid="pager-summary">Showing 1–25 of 200</span>
<a class="btn small ghost" href="/sub-accounts?cursor=eyJzIjoiLWJhbGFuY2UifQ&amp;sort=-balance" rel="next" data-testid="page-next">Next</a>
<a class="btn small ghost" href="/sub-accounts?cursor=eyJkIjoibCJ9&amp;sort=-balance" data-testid="page-last">Last</a></nav>`

func TestPagerLinksAndRows(t *testing.T) {
	got := map[string]string{}
	for _, m := range pagerLink.FindAllStringSubmatch(listHTML, -1) {
		got[m[2]] = m[1]
	}
	if got["next"] != "/sub-accounts?cursor=eyJzIjoiLWJhbGFuY2UifQ&amp;sort=-balance" || got["last"] == "" || len(got) != 2 {
		t.Fatalf("pager links: %v", got)
	}
	var ids []string
	for _, m := range detailLink.FindAllStringSubmatch(listHTML, -1) {
		ids = append(ids, m[1])
	}
	// export and units match the pattern; htmlWalk drops them by name.
	if !slices.Equal(ids, []string{"ffb465d6bea9bf3fd5f721e772d0395b", "units"}) {
		t.Fatalf("detail ids: %v", ids)
	}
}

func TestSearchTermsAreDistinctAndVaried(t *testing.T) {
	subs := []subAccount{{Name: "purser-sub-00001", DisplayName: "电商平台-张伟-1"}, {Name: "purser-sub-00002", DisplayName: "Checkout team 2"}}
	terms := searchTerms(rand.New(rand.NewPCG(1, 2)), subs, 120)
	if len(terms) < 100 {
		t.Fatalf("%d terms from two names, want at least 100", len(terms))
	}
	var short, long, chinese, miss int
	for _, term := range terms {
		n := utf8.RuneCountInString(term)
		if n <= 2 {
			short++
		}
		if n >= 6 {
			long++
		}
		for _, r := range term {
			if r >= 0x4e00 && r <= 0x9fff {
				chinese++
				break
			}
		}
		if !contains(subs, term) {
			miss++
		}
	}
	if short == 0 || long == 0 || chinese == 0 || miss == 0 {
		t.Fatalf("short %d, long %d, Chinese %d, matching nothing %d: want some of each", short, long, chinese, miss)
	}
	if len(slices.Compact(slices.Sorted(slices.Values(terms)))) != len(terms) {
		t.Fatal("terms repeat")
	}
}

func contains(subs []subAccount, term string) bool {
	for _, s := range subs {
		if strings.Contains(s.Name, term) || strings.Contains(s.DisplayName, term) {
			return true
		}
	}
	return false
}

func TestStatsCountErrorsAndRepeats(t *testing.T) {
	s := newStats()
	r := round{elapsed: time.Second, recs: []rec{
		{start: 0, lat: 1000, status: 200, key: 1},
		{start: int64(time.Second), lat: 3000, status: 200, key: 1},     // within 2 s of the first
		{start: int64(3 * time.Second), lat: 2000, status: 200, key: 1}, // 2 s after the second
		{start: int64(4 * time.Second), lat: 4000, status: 303, key: 2}, // a redirect is an error
	}}
	s.add(r, -1)
	if s.n != 4 || s.errs != 1 || s.codes[303] != 1 || s.repeats != 1 || len(s.distinct) != 2 {
		t.Fatalf("n %d errs %d codes %v repeats %d distinct %d", s.n, s.errs, s.codes, s.repeats, len(s.distinct))
	}
	if p50, p99 := s.pct(.5), s.pct(.99); p50 != 2 || p99 != 4 {
		t.Fatalf("p50 %v p99 %v, want 2 and 4 ms", p50, p99)
	}
	if s.errRate() <= maxErrorRate {
		t.Fatal("one error in four must fail the run")
	}
}

func TestReadCredentials(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(path, []byte("finance\t-\tabc\nscoped\tunit-1\tdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := readCredentials(path, "Authorization")
	if err != nil {
		t.Fatal(err)
	}
	if len(c) != 2 || c[0].Value != "Bearer abc" || c[0].scoped() || !c[1].scoped() || c[1].Scope != "unit-1" {
		t.Fatalf("%+v", c)
	}
	if err := os.WriteFile(path, []byte("finance abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readCredentials(path, "Cookie"); err == nil {
		t.Fatal("a line without tabs must be an error")
	}
}
