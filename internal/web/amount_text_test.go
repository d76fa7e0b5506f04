package web_test

import (
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/testkit"
)

// TestAmountsReadWithCurrency: where a sentence carries an amount — an operation's
// timeline, the line above a batch's approve button — it is grouped and names its
// currency, and a one-row batch does not say "1 rows".
func TestAmountsReadWithCurrency(t *testing.T) {
	t.Parallel()
	p := opsPortal(t, testkit.SQLite(t))
	id := p.pendingOp("1234.50")
	page := p.as("abby").get("/operations/" + id)
	timeline := page.doc(t).Find(".timeline .summary").Text()
	if !strings.Contains(timeline, "1,234.50 CNY") {
		t.Fatalf("timeline %q lacks the grouped amount with its currency", timeline)
	}
	batch := p.as("abby").get(p.pendingBatch("2345.60"))
	help := batch.doc(t).Find(`[data-testid="approve-form"] p.small`).First().Text()
	if help != "One approval covers the 1 row (2,345.60 CNY)." {
		t.Fatalf("approve help %q", help)
	}
}
