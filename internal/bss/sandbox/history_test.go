package sandbox

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestBalanceHistory(t *testing.T) {
	opts := DefaultOptions()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	h := s.BalanceHistory(90, end, 10)
	again := s.BalanceHistory(90, end, 10)
	if len(h) != 90*10+90 || len(again) != len(h) {
		t.Fatalf("%d points, want 90 per sub-account for 10 and 90 totals", len(h))
	}
	for i := range h {
		if h[i].SubAccountID != again[i].SubAccountID || !h[i].Debit.Equal(again[i].Debit) || !h[i].Credit.Equal(again[i].Credit) || !h[i].At.Equal(again[i].At) {
			t.Fatalf("not deterministic at %d: %+v vs %+v", i, h[i], again[i])
		}
	}
	perSub := map[string][]HistoryPoint{}
	for _, p := range h {
		perSub[p.SubAccountID] = append(perSub[p.SubAccountID], p)
		if p.Debit.IsNegative() || p.Credit.IsNegative() || !p.At.Before(end) || p.At.Before(end.AddDate(0, 0, -90)) {
			t.Fatalf("implausible point %+v", p)
		}
	}
	// Daily points that move: a line, not a flat row of dots.
	moving := 0
	for id, ps := range perSub {
		if len(ps) != 90 {
			t.Fatalf("%q: %d points", id, len(ps))
		}
		for i := 1; i < len(ps); i++ {
			if got := ps[i].At.Sub(ps[i-1].At); got != 24*time.Hour {
				t.Fatalf("%q: points %v apart", id, got)
			}
		}
		distinct := map[string]bool{}
		for _, p := range ps {
			distinct[p.Debit.String()] = true
		}
		if len(distinct) > 30 {
			moving++
		}
	}
	if moving < 5 {
		t.Fatalf("only %d of %d series move", moving, len(perSub))
	}
	// Totals add up every sub-account (25 here, more than the 10 written); the last day
	// leads to what the sandbox holds now.
	st := s.State("")
	now := decimal.Zero
	for _, sa := range st.SubAccounts {
		now = now.Add(decimal.RequireFromString(sa.Debit))
	}
	last := perSub[""][89].Debit
	if last.LessThan(now.Mul(decimal.RequireFromString("0.5"))) || last.GreaterThan(now.Mul(decimal.RequireFromString("1.5"))) {
		t.Fatalf("yesterday's total %s is far from today's %s", last, now)
	}
}
