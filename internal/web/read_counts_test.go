package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

// TestSubAccountListCappedTotal: a search matching more than store.TotalCap sub-accounts
// says "more than 1,000" in both languages instead of counting every match; below the
// cap, and on the last page, it says how many.
func TestSubAccountListCappedTotal(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := readPortalOn(t, db)
		var subs []store.SubAccountInfo
		for i := range store.TotalCap + 5 {
			subs = append(subs, store.SubAccountInfo{ID: fmt.Sprintf("sa-many-%04d", i), Name: fmt.Sprintf("many-%04d", i), Status: 1, OrgID: "org-west", OrgName: "West"})
		}
		for start := 0; start < len(subs); start += 500 {
			if err := db.UpsertSubAccounts(context.Background(), testMaster, 1, subs[start:min(start+500, len(subs))], seedAt); err != nil {
				t.Fatal(err)
			}
		}
		b := p.signedIn("fiona")
		r := b.get("/sub-accounts?q=many")
		if got := r.testid(t, "sa-total"); got != "More than 1,000 sub-accounts" {
			t.Fatalf("total %q", got)
		}
		if got := r.testid(t, "pager-summary"); !strings.Contains(got, "1–25 of more than 1,000") {
			t.Fatalf("pager %q", got)
		}
		b.lang = "zh-CN"
		r = b.get("/sub-accounts?q=many")
		if got := r.testid(t, "sa-total"); got != "超过 1,000 个子账号" {
			t.Fatalf("zh total %q", got)
		}
		if got := r.testid(t, "pager-summary"); !strings.Contains(got, "第 1–25 条，共超过 1,000 条") {
			t.Fatalf("zh pager %q", got)
		}
		b.lang = ""
		// Below the cap: the number; from the last page: the number however many.
		if got := b.get("/sub-accounts?q=many-00").testid(t, "sa-total"); got != "100 sub-accounts" {
			t.Fatalf("below the cap: %q", got)
		}
		last := r.doc(t).Find(`[data-testid="page-last"]`).AttrOr("href", "")
		if last == "" {
			t.Fatal("no link to the last page")
		}
		if got := b.get(last).testid(t, "pager-summary"); !strings.Contains(got, "981–1,005 of 1,005") {
			t.Fatalf("last page: %q", got)
		}
	})
}
