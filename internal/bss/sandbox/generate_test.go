package sandbox

import (
	"testing"
	"time"
)

func TestGenerateDeterministic(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	opts := DefaultOptions()
	opts.Now = now
	a, _ := New(opts)
	b, _ := New(opts)
	sa, sb := a.State(""), b.State("")
	if sa.Master.Debit != sb.Master.Debit || sa.SubAccounts[7].ID != sb.SubAccounts[7].ID || sa.Resources[3].ResourceID != sb.Resources[3].ResourceID {
		t.Fatal("same seed, different data")
	}
	opts.Seed = 2
	c, _ := New(opts)
	if c.State("").SubAccounts[0].ID == sa.SubAccounts[0].ID {
		t.Fatal("different seeds, same data")
	}
	if len(a.st.orgs) < 3 || len(a.st.coupons) == 0 || len(a.st.cards) == 0 || len(a.st.resources) == 0 || len(a.st.packages) == 0 {
		t.Fatal("demo data incomplete")
	}
}

// 100,000 sub-accounts generate quickly and page correctly.
func TestGenerateLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("NOTICE: large generation skipped in -short mode")
	}
	opts := DefaultOptions()
	opts.SubAccounts = MaxSubAccounts
	start := time.Now()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("generating 100,000 sub-accounts took %v", d)
	}
	total, page := s.filterSubs(subFilter{offset: 99_990, limit: 100})
	if total != MaxSubAccounts || len(page) != 10 || page[9].name != "purser-sub-100000" {
		t.Fatalf("last page: total %d, %d items", total, len(page))
	}
	if len(s.st.orgs) < 1000 {
		t.Fatalf("only %d organisation units for 100,000 sub-accounts", len(s.st.orgs))
	}
	if _, err := New(Options{SubAccounts: MaxSubAccounts + 1, AK: "a", SK: "b", DomainID: "c"}); err == nil {
		t.Fatal("more than 100,000 sub-accounts accepted")
	}
}
