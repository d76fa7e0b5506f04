package bss_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/purser-finance/purser/internal/bss"
)

// 50 parallel transfers with 50 distinct trans_ids, each also sent a second time at the
// same moment: money moves exactly 50 times.
func TestConcurrentTransfersMoveMoneyOnce(t *testing.T) {
	h := newHarness(t, false, withClient(func(c *bss.Config) { c.MaxAttempts = 50 }))
	sub := h.activeSub(t, 0)
	master0, sub0 := h.masterDebit(t), h.subDebit(t, sub)
	moves := make([]bss.Movement, 50)
	for i := range moves {
		moves[i] = bss.Movement{SubAccountID: sub, Amount: amount(t, "1.01"), TransID: bss.NewTransID(), BalanceType: bss.BalanceDebit}
	}
	var wg sync.WaitGroup
	errs := make([]error, 100)
	for i := range 100 {
		wg.Go(func() { errs[i] = h.client.Transfer(ctx(t), moves[i%50]) })
	}
	wg.Wait()
	for i := range 50 {
		a, b := errs[i], errs[i+50]
		ok := func(err error) bool { return err == nil || errors.Is(err, bss.ErrDuplicateTransID) }
		if !ok(a) || !ok(b) || (a != nil && b != nil) {
			t.Fatalf("trans_id %d: %v / %v", i, a, b)
		}
	}
	if n := len(h.sb.Ledger()); n != 50 {
		t.Fatalf("ledger has %d movements, want 50", n)
	}
	want := dec("1.01").Mul(dec("50"))
	if got := master0.Sub(h.masterDebit(t)); !got.Equal(want) {
		t.Fatalf("master paid %s, want %s", got, want)
	}
	if got := h.subDebit(t, sub).Sub(sub0); !got.Equal(want) {
		t.Fatalf("sub-account received %s, want %s", got, want)
	}
}
