package approval

import (
	"testing"

	"github.com/shopspring/decimal"
)

// A quote keeps every decimal the upstream sent (an approver signs the exact figure) and
// always writes at least cents, as the API's amounts are written.
func TestExactText(t *testing.T) {
	for in, want := range map[string]string{"143": "143.00", "12.3000": "12.30", "0.125": "0.125", "1317.44": "1317.44", "-0.5": "-0.50", "0": "0.00"} {
		if got := exactText(decimal.RequireFromString(in)); got != want {
			t.Errorf("exactText(%s) = %s, want %s", in, got, want)
		}
	}
}
