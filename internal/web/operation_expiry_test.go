package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/purser-finance/purser/internal/testkit"
)

// TestOperationFormCashDropsHiddenExpiry: the form hides the credit-line expiry for cash
// (field marked credit-only); a line picked before switching back to cash is a leftover the
// person cannot see, so the draft is a plain cash transfer without an expiry, not a refusal
// pointing at an invisible field.
func TestOperationFormCashDropsHiddenExpiry(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	sub := p.normalSubs(1)[0]
	fay := p.as("fay")
	form := fay.get("/operations/new?kind=transfer_funds&sub_account_id=" + url.QueryEscape(sub.ID))
	if form.status != http.StatusOK || form.doc(t).Find(`[data-testid="field-expire_time"].credit-only`).Length() != 1 {
		t.Fatalf("form %d: the expiry field is not marked credit-only", form.status)
	}
	id := fay.draft("transfer_funds", url.Values{"sub_account_id": {sub.ID}, "amount": {"3.00"}, "balance_type": {"debit"},
		"expire_time": {"2030-01-01T00:00:00Z"}})
	page := fay.get("/operations/" + id)
	if page.has(t, "snap-expire-time") || page.testid(t, "snap-balance-type") != "Cash" {
		t.Fatalf("cash draft: expiry shown %v, balance type %q", page.has(t, "snap-expire-time"), page.testid(t, "snap-balance-type"))
	}
}
