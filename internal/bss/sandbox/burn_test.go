package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/forecast"
)

// fakeClock is a business clock the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// held is what each sub-account holds (cash and credit), by id.
func held(s *Server) map[string]decimal.Decimal {
	out := map[string]decimal.Decimal{}
	for _, sa := range s.State("").SubAccounts {
		v := decimal.RequireFromString(sa.Debit)
		for _, c := range sa.Credit {
			v = v.Add(decimal.RequireFromString(c.Available))
		}
		out[sa.ID] = v
	}
	return out
}

func control(t *testing.T, s *Server, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(method, path, strings.NewReader(body)))
	return w
}

// TestBurnOnTheClock: with the default burns on, each active account spends its daily
// burn at every Beijing midnight of the business clock — not before, whole days at once,
// never below zero — and moving the clock ahead on /_sandbox/clock charges the days it
// crosses. A burn set on /_sandbox/burn replaces the default.
func TestBurnOnTheClock(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 12, 20, 2, 0, 0, 0, time.UTC)} // 10:00 in Beijing
	opts := DefaultOptions()
	opts.SubAccounts, opts.Now, opts.Burn = 40, clk.Now, true
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	burns := s.Burns()
	// The defaults: some accounts idle, some running out within ten days, most slow.
	fast, idle := 0, 0
	start := held(s)
	for _, sa := range s.State("").SubAccounts {
		b, ok := burns[sa.ID]
		switch {
		case sa.Status != 1 && ok:
			t.Fatalf("%s is not active but burns %s", sa.ID, b)
		case sa.Status == 1 && !ok:
			idle++
		case ok && start[sa.ID].Div(b).LessThan(decimal.NewFromInt(10)):
			fast++
		}
	}
	if fast == 0 || idle == 0 || len(burns) < 10 {
		t.Fatalf("default burns: %d accounts burn, %d fast, %d idle", len(burns), fast, idle)
	}
	again, _ := New(opts)
	if got := again.Burns(); len(got) != len(burns) {
		t.Fatal("the default burns are not the same for the same seed")
	}

	expect := func(step string, days int64, before map[string]decimal.Decimal) map[string]decimal.Decimal {
		t.Helper()
		now := held(s)
		for id, was := range before {
			want := was.Sub(burns[id].Mul(decimal.NewFromInt(days)))
			if want.IsNegative() {
				want = decimal.Zero
			}
			if !now[id].Equal(want) {
				t.Fatalf("%s: %s holds %s, want %s (burn %s × %d days from %s)", step, id, now[id], want, burns[id], days, was)
			}
		}
		return now
	}
	clk.add(13 * time.Hour) // 23:00: still the same day
	expect("before midnight", 0, start)
	clk.add(2 * time.Hour) // 01:00 the next day
	after := expect("past midnight", 1, start)
	clk.add(20 * time.Hour) // 21:00 the same day
	expect("the same day", 0, after)

	// Two days ahead on the control surface.
	w := control(t, s, http.MethodPost, "/_sandbox/clock", `{"advance_seconds": 172800}`)
	var cs ClockSnapshot
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &cs) != nil || cs.OffsetSeconds != 172800 || !cs.Now.Equal(clk.Now().Add(48*time.Hour)) {
		t.Fatalf("advance: %d %s", w.Code, w.Body)
	}
	after = expect("two days ahead", 2, after)
	if w := control(t, s, http.MethodPost, "/_sandbox/clock", `{"advance_seconds": -5}`); w.Code != http.StatusBadRequest {
		t.Fatalf("going back: %d", w.Code)
	}

	// One account's burn set by hand.
	var one string
	for id, h := range after {
		if h.GreaterThan(decimal.NewFromInt(100)) && burns[id].IsPositive() {
			one = id
			break
		}
	}
	if w := control(t, s, http.MethodPost, "/_sandbox/burn", `{"sub_account_id": "`+one+`", "daily": "12.34"}`); w.Code != http.StatusOK {
		t.Fatalf("set a burn: %d %s", w.Code, w.Body)
	}
	for _, bad := range []string{`{"sub_account_id": "` + one + `", "daily": "-1"}`, `{"sub_account_id": "` + one + `", "daily": "1.234"}`, `{"sub_account_id": "nobody", "daily": "1"}`} {
		if w := control(t, s, http.MethodPost, "/_sandbox/burn", bad); w.Code == http.StatusOK {
			t.Fatalf("%s accepted", bad)
		}
	}
	var snap BurnSnapshot
	w = control(t, s, http.MethodGet, "/_sandbox/burn", "")
	if json.Unmarshal(w.Body.Bytes(), &snap) != nil || !snap.Default {
		t.Fatalf("burns: %s", w.Body)
	}
	found := false
	for _, a := range snap.Accounts {
		found = found || (a.SubAccountID == one && a.Daily == "12.34")
	}
	if !found {
		t.Fatalf("the set burn is not listed: %s", w.Body)
	}
	burns[one] = decimal.RequireFromString("12.34")
	clk.add(24 * time.Hour)
	expect("a burn set by hand", 1, after)
}

// TestBurnOffByDefault: without Options.Burn nothing consumes but what is set by hand.
func TestBurnOffByDefault(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 12, 20, 2, 0, 0, 0, time.UTC)}
	opts := DefaultOptions()
	opts.Now = clk.Now
	s, _ := New(opts)
	if len(s.Burns()) != 0 {
		t.Fatalf("burns without Options.Burn: %v", s.Burns())
	}
	var id string
	for _, sa := range s.State("").SubAccounts {
		if sa.Status == 1 && decimal.RequireFromString(sa.Debit).GreaterThan(decimal.NewFromInt(10)) {
			id = sa.ID
			break
		}
	}
	start := held(s)
	if !s.SetBurn(id, decimal.RequireFromString("5")) {
		t.Fatal("SetBurn")
	}
	s.Advance(24 * time.Hour)
	now := held(s)
	for sid, v := range start {
		want := v
		if sid == id {
			want = v.Sub(decimal.NewFromInt(5))
		}
		if !now[sid].Equal(want) {
			t.Fatalf("%s: %s, want %s", sid, now[sid], want)
		}
	}
}

// TestHistoryMatchesTheBurn: the history a demo starts with gives each consuming account
// a runway at the pace the sandbox then burns it (give or take the day-to-day noise), and
// "no consumption" to those that do not consume.
func TestHistoryMatchesTheBurn(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 12, 20, 2, 0, 0, 0, time.UTC)}
	opts := DefaultOptions()
	opts.SubAccounts, opts.Now, opts.Burn = 40, clk.Now, true
	s, _ := New(opts)
	burns := s.Burns()
	end := clk.Now()
	points := map[string][]forecast.Point{}
	for _, p := range s.BalanceHistory(90, end, 40) {
		if p.SubAccountID != "" {
			points[p.SubAccountID] = append(points[p.SubAccountID], forecast.Point{At: p.At, Available: p.Debit.Add(p.Credit)})
		}
	}
	now := held(s)
	estimated := 0
	for _, sa := range s.State("").SubAccounts {
		ps := append(points[sa.ID], forecast.Point{At: end, Available: now[sa.ID]}) // the first sync's reading
		r := forecast.Estimate(ps, nil, end, burnZone)
		b, burning := burns[sa.ID]
		switch {
		case !burning && r.State != forecast.NoConsumption:
			t.Errorf("%s consumes nothing but its history says %s (%s a day)", sa.ID, r.State, r.DailyBurn)
		case burning && r.State != forecast.Estimated:
			t.Errorf("%s burns %s a day but its history says %s", sa.ID, b, r.State)
		case burning && (r.DailyBurn.LessThan(b.Mul(decimal.RequireFromString("0.8"))) || r.DailyBurn.GreaterThan(b.Mul(decimal.RequireFromString("1.2")))):
			t.Errorf("%s burns %s a day, its history %s", sa.ID, b, r.DailyBurn)
		case burning:
			estimated++
		}
	}
	if estimated < 10 {
		t.Fatalf("only %d runways estimated", estimated)
	}
}
