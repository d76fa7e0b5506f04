package sandbox

import (
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"
)

// HistoryPoint is one generated day of balances: a sub-account's, or (SubAccountID "")
// the total over the master's sub-accounts.
type HistoryPoint struct {
	At            time.Time
	SubAccountID  string
	Debit, Credit decimal.Decimal
}

// BalanceHistory invents the past of the balances the sandbox holds now, so that a demo's
// charts have something to show on the first visit: one point a day for days days before
// end, walking back from today's figures through plausible movements — each day the
// account's daily burn (burn.go) give or take a fifth, a top-up every few weeks, now and
// then a change of credit line — so that a runway computed from it on the first visit is
// the one the sandbox goes on to burn. An account that does not consume has a flat past.
// The same seed and end give the same history. Points are written for the first maxSubs
// sub-accounts; the totals add up every sub-account.
func (s *Server) BalanceHistory(days int, end time.Time, maxSubs int) []HistoryPoint {
	s.mu.Lock()
	s.chargeLocked()
	type now struct {
		id            string
		debit, credit int64 // cents
		burn          int64 // cents a day
	}
	subs := make([]now, len(s.st.subs))
	for i, sa := range s.st.subs {
		c := decimal.Zero
		for _, l := range sa.credit {
			c = c.Add(l.avail)
		}
		subs[i] = now{sa.id, cents(sa.debit), cents(c), s.historyBurn(sa)}
	}
	s.mu.Unlock()

	end = end.UTC()
	totalDebit, totalCredit := make([]int64, days), make([]int64, days)
	var out []HistoryPoint
	for i, sa := range subs {
		walk := walkBack(s.opts.Seed, sa.id, sa.debit, sa.credit, sa.burn, days)
		for k, p := range walk {
			totalDebit[k] += p[0]
			totalCredit[k] += p[1]
			if i < maxSubs {
				out = append(out, HistoryPoint{At: dayBefore(end, days-k), SubAccountID: sa.id,
					Debit: decimal.New(p[0], -2), Credit: decimal.New(p[1], -2)})
			}
		}
	}
	for k := range days {
		out = append(out, HistoryPoint{At: dayBefore(end, days-k), Debit: decimal.New(totalDebit[k], -2), Credit: decimal.New(totalCredit[k], -2)})
	}
	return out
}

func dayBefore(end time.Time, n int) time.Time { return end.Add(-time.Duration(n) * 24 * time.Hour) }

func cents(d decimal.Decimal) int64 { return d.Shift(2).Round(0).IntPart() }

// walkBack returns days [debit, credit] pairs in cents, oldest first; the day after the
// last one is (debit, credit). burn is what the account spends a day. Integer cents keep
// the walk exact.
func walkBack(seed int64, id string, debit, credit, burn int64, days int) [][2]int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(id))
	rng := rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
	out := make([][2]int64, days)
	d, c := debit, credit
	for k := days - 1; k >= 0; k-- {
		if burn > 0 {
			// Yesterday the account held what it spent since, minus what it received.
			d += burn * int64(80+rng.IntN(41)) / 100
			if rng.IntN(18) == 0 {
				topUp := d * int64(15+rng.IntN(25)) / 100
				if d-topUp > 0 {
					d -= topUp
				}
			}
			if c > 0 && rng.IntN(30) == 0 {
				c = c * int64(85+rng.IntN(30)) / 100
			}
		}
		out[k] = [2]int64{d, c}
	}
	return out
}
