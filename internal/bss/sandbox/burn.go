package sandbox

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"sort"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"
)

// Consumption: the sandbox's sub-accounts spend, so that a demo's runways go down. Each
// active sub-account has a daily burn in cents, charged at every midnight of Beijing
// time on the business clock (Huawei Cloud's China site bills by Beijing days): a whole
// day at once, so that within a day the balances hold still and a test that reads one
// twice in a minute reads it the same. The burn takes cash first, then the credit lines;
// it stops at zero.
//
// A burn is either the account's default (Options.Burn: derived from the seed and the
// account's id, see defaultBurn) or one set on /_sandbox/burn, which works whether or not
// Options.Burn is on. The business clock can be moved ahead on /_sandbox/clock: the days
// it crosses are charged at once.

// burnZone is where a billing day begins.
var burnZone = time.FixedZone("CST", 8*3600)

// billingDay numbers the Beijing day of t.
func billingDay(t time.Time) int64 {
	_, off := t.In(burnZone).Zone()
	return (t.Unix() + int64(off)) / 86400
}

// burner is the consumption state; s.mu guards it, except the clock's offset.
type burner struct {
	enabled  bool             // the default burns apply (Options.Burn)
	defaults map[string]int64 // each sub-account's default, cents a day (set at generation)
	set      map[string]int64 // burns set on the control surface, cents a day
	day      int64            // the last billing day charged
	offset   atomic.Int64     // how far the business clock was moved ahead, ns
}

// defaultBurn is a sub-account's default daily burn in cents, from what it holds when the
// data is generated (a fixed amount a day, so that its runway shortens day by day): none
// for an account that is not active, and by a hash of the seed and its id, none for one
// in seven, a fast one (running out in 4–10 days) for one in seven, a medium one (11–25
// days) for one in seven, and 0.5–3% of what it holds a day for the others (33–200 days).
func defaultBurn(seed int64, sa *subAccount) int64 {
	if sa.status != 1 {
		return 0
	}
	held := cents(sa.debit)
	for _, l := range sa.credit {
		held += cents(l.avail)
	}
	h := fnv.New64a()
	_, _ = fmt.Fprintf(h, "burn:%d:%s", seed, sa.id)
	v := h.Sum64()
	var bp uint64 // basis points of what it holds, a day
	switch v % 7 {
	case 0:
		return 0
	case 1:
		bp = 1000 + (v/7)%1500 // 10–25%
	case 2:
		bp = 400 + (v/7)%500 // 4–9%
	default:
		bp = 50 + (v/7)%250 // 0.5–3%
	}
	return held * int64(bp) / 10_000
}

// burnOf is the daily burn charged to sa, in cents.
func (s *Server) burnOf(sa *subAccount) int64 {
	if c, ok := s.burn.set[sa.id]; ok {
		return c
	}
	if !s.burn.enabled || sa.status != 1 {
		return 0
	}
	return s.burn.defaults[sa.id]
}

// start sets up the consumption of freshly generated state at now.
func (b *burner) start(opts Options, st *state, now time.Time) {
	b.enabled, b.defaults, b.set, b.day = opts.Burn, make(map[string]int64, len(st.subs)), map[string]int64{}, billingDay(now)
	for _, sa := range st.subs {
		if c := defaultBurn(opts.Seed, sa); c > 0 {
			b.defaults[sa.id] = c
		}
	}
}

// historyBurn is what BalanceHistory has sa spend a day in the past: its burn, or when
// the default burns are off, the default it would have (the past a demo's charts show
// does not depend on whether the sandbox goes on consuming).
func (s *Server) historyBurn(sa *subAccount) int64 {
	if c, ok := s.burn.set[sa.id]; ok {
		return c
	}
	if sa.status != 1 {
		return 0
	}
	return s.burn.defaults[sa.id]
}

// chargeLocked charges every billing day that began since the last charge (s.mu held).
func (s *Server) chargeLocked() {
	today := billingDay(s.now())
	days := today - s.burn.day
	if days <= 0 {
		return
	}
	s.burn.day = today
	for _, sa := range s.st.subs {
		if b := s.burnOf(sa); b > 0 && sa.status == 1 {
			consume(sa, decimal.New(b*days, -2))
		}
	}
}

// charge is chargeLocked for callers that do not hold s.mu.
func (s *Server) charge() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chargeLocked()
}

// consume takes amount from sa's cash, then from its credit lines, down to zero.
func consume(sa *subAccount, amount decimal.Decimal) {
	take := decimal.Min(amount, sa.debit)
	sa.debit, amount = sa.debit.Sub(take), amount.Sub(take)
	for _, l := range sa.credit {
		if !amount.IsPositive() {
			return
		}
		take := decimal.Min(amount, l.avail)
		l.avail, amount = l.avail.Sub(take), amount.Sub(take)
	}
}

// Advance moves the business clock ahead by d (expiry, usage, order times and the
// consumption follow it) and charges the billing days it crossed.
func (s *Server) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	s.burn.offset.Add(int64(d))
	s.charge()
}

// SetBurn sets the daily burn of one sub-account (zero stops it); false when it does not
// exist. Days already begun are not charged again.
func (s *Server) SetBurn(subID string, daily decimal.Decimal) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.subByID[subID]; !ok {
		return false
	}
	s.chargeLocked()
	s.burn.set[subID] = cents(daily)
	return true
}

// Burns returns the daily burn of every sub-account that consumes.
func (s *Server) Burns() map[string]decimal.Decimal {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]decimal.Decimal{}
	for _, sa := range s.st.subs {
		if b := s.burnOf(sa); b > 0 {
			out[sa.id] = decimal.New(b, -2)
		}
	}
	return out
}

// BurnSnapshot is what GET /_sandbox/burn answers.
type BurnSnapshot struct {
	Default  bool          `json:"default"` // the default burns apply
	Accounts []BurnAccount `json:"accounts"`
}

// BurnAccount is one sub-account's daily burn.
type BurnAccount struct {
	SubAccountID string `json:"sub_account_id"`
	Daily        string `json:"daily"`
}

// ClockSnapshot is what /_sandbox/clock answers.
type ClockSnapshot struct {
	Now           time.Time `json:"now"`
	OffsetSeconds int64     `json:"offset_seconds"`
}

// serveBurnControl answers /_sandbox/burn and /_sandbox/clock; false for other paths.
//
//	GET  /_sandbox/burn                                      every burn
//	POST /_sandbox/burn  {"sub_account_id": …, "daily": "12.34"}  set one
//	GET  /_sandbox/clock                                     the business clock
//	POST /_sandbox/clock {"advance_seconds": 86400}          move it ahead
func (s *Server) serveBurnControl(w http.ResponseWriter, r *http.Request) bool {
	switch {
	case r.URL.Path == "/_sandbox/burn" && r.Method == http.MethodGet:
		snap := BurnSnapshot{Default: s.burn.enabled, Accounts: []BurnAccount{}}
		for id, d := range s.Burns() {
			snap.Accounts = append(snap.Accounts, BurnAccount{SubAccountID: id, Daily: d.StringFixed(2)})
		}
		sort.Slice(snap.Accounts, func(i, j int) bool { return snap.Accounts[i].SubAccountID < snap.Accounts[j].SubAccountID })
		writeJSON(w, http.StatusOK, snap)
	case r.URL.Path == "/_sandbox/burn" && r.Method == http.MethodPost:
		var in struct {
			SubAccountID string `json:"sub_account_id"`
			Daily        string `json:"daily"`
		}
		err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<12)).Decode(&in)
		daily, derr := decimal.NewFromString(in.Daily)
		if err != nil || derr != nil || daily.IsNegative() || daily.GreaterThan(decimal.NewFromInt(10_000_000)) || daily.Exponent() < -2 {
			writeError(w, http.StatusBadRequest, "SANDBOX.0001", "burn: invalid JSON, or daily not an amount from 0 to 10000000.00")
			return true
		}
		if !s.SetBurn(in.SubAccountID, daily) {
			writeError(w, http.StatusNotFound, "SANDBOX.0404", "burn: no such sub-account")
			return true
		}
		writeJSON(w, http.StatusOK, BurnAccount{SubAccountID: in.SubAccountID, Daily: daily.StringFixed(2)})
	case r.URL.Path == "/_sandbox/clock" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, s.clockSnapshot())
	case r.URL.Path == "/_sandbox/clock" && r.Method == http.MethodPost:
		var in struct {
			AdvanceSeconds int64 `json:"advance_seconds"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<12)).Decode(&in); err != nil || in.AdvanceSeconds <= 0 || in.AdvanceSeconds > 10*365*86400 {
			writeError(w, http.StatusBadRequest, "SANDBOX.0001", "clock: advance_seconds must be from 1 to ten years")
			return true
		}
		s.Advance(time.Duration(in.AdvanceSeconds) * time.Second)
		writeJSON(w, http.StatusOK, s.clockSnapshot())
	default:
		return false
	}
	return true
}

func (s *Server) clockSnapshot() ClockSnapshot {
	return ClockSnapshot{Now: s.now().UTC(), OffsetSeconds: s.burn.offset.Load() / int64(time.Second)}
}
