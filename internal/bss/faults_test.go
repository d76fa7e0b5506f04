package bss

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/money"
)

// Fault tests drive the sandbox over HTTP, with its fault injection or with a thin wrapper
// that misbehaves on chosen requests, through the real client.

type faultRig struct {
	c    *Client
	sb   *sandbox.Server
	logs *lockedBuffer
	reg  *prometheus.Registry
}

// counter reads a counter from the registry the client reports to.
func (r *faultRig) counter(name string, labels ...string) float64 {
	families, _ := r.reg.Gather()
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			for i, lp := range m.GetLabel() {
				if i >= len(labels) || lp.GetValue() != labels[i] {
					continue metrics
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newRig serves the sandbox behind wrap (nil: as is).
func newRig(t *testing.T, wrap func(http.Handler) http.Handler, tune func(*Config)) *faultRig {
	t.Helper()
	opts := sandbox.DefaultOptions()
	opts.FlowControl.Off = true // the client runs far above the upstream's rate to keep the test fast
	sb, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = sb
	if wrap != nil {
		h = wrap(sb)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	logs := &lockedBuffer{}
	reg := prometheus.NewRegistry()
	cfg := Config{Endpoint: srv.URL, AK: opts.AK, SK: opts.SK, DomainID: opts.DomainID, RatePerSecond: 1000,
		RetryBase: 5 * time.Millisecond, Timeout: 5 * time.Second, Metrics: reg,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if tune != nil {
		tune(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &faultRig{c: c, sb: sb, logs: logs, reg: reg}
}

// failFirst answers the first n upstream requests with status, without applying them.
func failFirst(n int32, status int) func(http.Handler) http.Handler {
	var seen atomic.Int32
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if seen.Add(1) <= n {
				w.Header().Set("X-Request-Id", "fault")
				w.WriteHeader(status)
				_, _ = w.Write([]byte(`{"error_code":"CBC.0999","error_msg":"injected"}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// loseFirst applies the first request and closes the connection without answering.
func loseFirst(next http.Handler) http.Handler {
	var seen atomic.Int32
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) == 1 {
			next.ServeHTTP(httptest.NewRecorder(), r)
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		next.ServeHTTP(w, r)
	})
}

func firstSub(t *testing.T, c *Client) SubAccountID {
	t.Helper()
	p, err := c.ListSubAccounts(t.Context(), SubAccountQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Items[0].ID
}

func debit(sub SubAccountID, s string) Movement {
	a, _ := money.Parse(s, money.DefaultCurrency)
	return Movement{SubAccountID: sub, Amount: a, TransID: NewTransID(), BalanceType: BalanceDebit}
}

func attempts(r *faultRig, op string) float64 { return r.counter("purser_upstream_attempts_total", op) }

func TestReadsRetryAfterServerErrors(t *testing.T) {
	r := newRig(t, failFirst(2, 503), nil)
	if err := r.c.Ping(t.Context()); err != nil {
		t.Fatalf("read not retried: %v", err)
	}
	if n := attempts(r, opShowBalances); n != 3 {
		t.Fatalf("attempts %v, want 3", n)
	}
	r.sb.SetFaults(sandbox.Faults{ErrorRate: 1, Status: 503})
	err := r.c.Ping(t.Context())
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("persistent 503 on a read: %v", err)
	}
	if n := attempts(r, opShowBalances); n != 3+4 {
		t.Fatalf("attempts %v, want 7 (MaxAttempts 4 more)", n)
	}
	if got := r.counter("purser_upstream_calls_total", opShowBalances, "upstream_error"); got != 1 {
		t.Fatalf("outcome metric %v", got)
	}
}

func TestWritesAreNotRetriedAfterTheyMayHaveArrived(t *testing.T) {
	r := newRig(t, nil, nil)
	res, err := r.c.Resources(t.Context(), ResourceQuery{OnlyMain: true, Statuses: []ResourceStatus{ResourceInUse}})
	if err != nil {
		t.Fatal(err)
	}
	r.sb.SetFaults(sandbox.Faults{ErrorRate: 1, Status: 502, Paths: []string{"/v2/orders/subscriptions/resources/renew"}})
	_, err = r.c.Renew(t.Context(), RenewRequest{ResourceIDs: []ResourceID{res.Items[0].ID}, PeriodType: PeriodMonth, PeriodNum: 1})
	if !errors.Is(err, ErrUnknownOutcome) {
		t.Fatalf("5xx on a renewal: %v", err)
	}
	if n := attempts(r, opRenew); n != 1 {
		t.Fatalf("renewal attempted %v times", n)
	}
}

// A lost response is an unknown outcome, never a success; a retry with the same trans_id
// is answered "already used" and moves nothing twice.
func TestLostResponseIsUnknownNeverSuccess(t *testing.T) {
	r := newRig(t, nil, func(c *Config) { c.MaxAttempts = 1 })
	sub := firstSub(t, r.c)
	r.sb.SetFaults(sandbox.Faults{DropResponseRate: 1, Paths: []string{"/v2/enterprises/multi-accounts/transfer-amount"}})
	m := debit(sub, "7.00")
	if err := r.c.Transfer(t.Context(), m); !errors.Is(err, ErrUnknownOutcome) {
		t.Fatalf("lost response: %v", err)
	}
	if n := len(r.sb.Ledger()); n != 1 {
		t.Fatalf("the lost call was applied %d times, want 1", n)
	}
	r.sb.SetFaults(sandbox.Faults{})
	if err := r.c.Transfer(t.Context(), m); !errors.Is(err, ErrDuplicateTransID) {
		t.Fatalf("resend with the same trans_id: %v", err)
	}
	if n := len(r.sb.Ledger()); n != 1 {
		t.Fatalf("resend moved money again: %d ledger entries", n)
	}

	// Within one call: the first attempt is lost, the retry says "already used".
	r2 := newRig(t, loseFirst, nil)
	if err := r2.c.Transfer(t.Context(), debit(sub, "3.00")); !errors.Is(err, ErrDuplicateTransID) || len(r2.sb.Ledger()) != 1 {
		t.Fatalf("lost then duplicate: %v, %d entries", err, len(r2.sb.Ledger()))
	}

	// Lost every time, with retries: still unknown, applied once.
	r3 := newRig(t, nil, nil)
	r3.sb.SetFaults(sandbox.Faults{DropResponseRate: 1, Paths: []string{"/v2/enterprises/multi-accounts/transfer-amount"}})
	if err := r3.c.Transfer(t.Context(), debit(sub, "1.00")); !errors.Is(err, ErrUnknownOutcome) {
		t.Fatalf("always lost: %v", err)
	}
	if n := len(r3.sb.Ledger()); n != 1 {
		t.Fatalf("retries of a lost movement applied %d times", n)
	}
}

func TestTimeouts(t *testing.T) {
	r := newRig(t, nil, func(c *Config) { c.Timeout = 150 * time.Millisecond })
	sub := firstSub(t, r.c)
	r.sb.SetFaults(sandbox.Faults{LatencyMS: 1000})
	start := time.Now()
	err := r.c.Ping(t.Context())
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read timeout: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("deadline not enforced: %v", d)
	}
	if err := r.c.Transfer(t.Context(), debit(sub, "1.00")); !errors.Is(err, ErrUnknownOutcome) {
		t.Fatalf("write timeout: %v", err)
	}
}

// 429 slows the limiter down, and retries get through once the upstream allows them.
func TestThrottlingSlowsTheLimiter(t *testing.T) {
	r := newRig(t, nil, func(c *Config) { c.RatePerSecond = 200; c.MaxAttempts = 1 })
	r.sb.SetFaults(sandbox.Faults{RateLimitPerS: 5})
	var throttled int
	for range 15 {
		if err := r.c.Ping(t.Context()); errors.Is(err, ErrThrottled) {
			throttled++
			var e *Error
			errors.As(err, &e)
			if e.HTTPStatus != 429 || e.Code != "CBC.0250" {
				t.Fatalf("throttle error: %+v", e)
			}
		}
	}
	if throttled == 0 {
		t.Fatal("sandbox rate limit never hit")
	}
	if got := r.c.limiter.current(opShowBalances); got >= 200 {
		t.Fatalf("limiter did not slow down: %v/s", got)
	}
	r2 := newRig(t, nil, func(c *Config) { c.RatePerSecond = 200; c.MaxAttempts = 10; c.RetryBase = 20 * time.Millisecond })
	r2.sb.SetFaults(sandbox.Faults{RateLimitPerS: 20})
	for range 30 {
		if err := r2.c.Ping(t.Context()); err != nil {
			t.Fatalf("retries should get through the upstream's limit: %v", err)
		}
	}
}

func TestLimiterRate(t *testing.T) {
	l := newLimiter(8)
	now := time.Now()
	l.now = func() time.Time { return now }
	if got := l.current(opListStoredValueCards); got != 4 {
		t.Fatalf("cards rate %v, want 4", got)
	}
	// The refusals of calls sent together are one signal: one halving per second.
	for range 16 {
		l.throttled(opShowBalances)
	}
	if got := l.current(opShowBalances); got != 4 {
		t.Fatalf("after a burst of refusals %v, want 4", got)
	}
	now = now.Add(time.Second)
	l.throttled(opShowBalances)
	if got := l.current(opShowBalances); got != 2 {
		t.Fatalf("after a refusal a second later %v, want 2", got)
	}
	// No growth within a second of a refusal, then a tenth of the rate per second.
	now = now.Add(500 * time.Millisecond)
	l.succeeded(opShowBalances)
	if got := l.current(opShowBalances); got != 2 {
		t.Fatalf("grew to %v half a second after a refusal", got)
	}
	now = now.Add(500 * time.Millisecond)
	for range 20 {
		l.succeeded(opShowBalances)
	}
	if got := l.current(opShowBalances); got != 2.8 {
		t.Fatalf("a second without refusals: %v, want 2.8", got)
	}
	for range 10 {
		now = now.Add(time.Second)
		l.succeeded(opShowBalances)
	}
	if got := l.current(opShowBalances); got != 8 {
		t.Fatalf("recovered to %v, want 8", got)
	}
	// A refusal ignored for halving still holds growth back for a second.
	l.throttled(opShowBalances) // 4
	now = now.Add(900 * time.Millisecond)
	l.throttled(opShowBalances) // within the second: no second halving
	now = now.Add(300 * time.Millisecond)
	l.succeeded(opShowBalances)
	if got := l.current(opShowBalances); got != 4 {
		t.Fatalf("grew to %v 300 ms after a refusal", got)
	}
	l.now = time.Now
	start := time.Now()
	for range 5 {
		_ = l.wait(t.Context(), opListStoredValueCards)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Fatalf("5 card calls at 4/s took only %v", d)
	}
}

func TestLogsNeverContainCredentials(t *testing.T) {
	r := newRig(t, failFirst(1, 500), nil)
	_ = r.c.Ping(t.Context())
	bad, _ := New(Config{Endpoint: "http://127.0.0.1:1", AK: "AK-SECRET-1", SK: "SK-SECRET-2", DomainID: "d", Logger: r.c.log, MaxAttempts: 1})
	err := bad.Ping(t.Context())
	if err == nil || strings.Contains(err.Error(), "SK-SECRET-2") || strings.Contains(err.Error(), "AK-SECRET-1") {
		t.Fatalf("error %v", err)
	}
	r.sb.SetFaults(sandbox.Faults{ErrorRate: 1, Status: 500})
	_ = r.c.Ping(t.Context())
	out := r.logs.String()
	if !strings.Contains(out, "upstream call") {
		t.Fatal("no log lines captured")
	}
	for _, secret := range []string{"sandbox-sk", "sandbox-ak", "SK-SECRET-2", "AK-SECRET-1", "Signature="} {
		if strings.Contains(out, secret) {
			t.Fatalf("log contains %q:\n%s", secret, out)
		}
	}
}

func TestErrorMapping(t *testing.T) {
	e := &Error{Kind: ErrInsufficientBalance, Code: "CBC.99005003"}
	if !strings.Contains(e.UserMessage("zh"), "余额不足") || !strings.Contains(e.UserMessage("en"), "not sufficient") || !strings.Contains(e.UserMessage("en"), "CBC.99005003") {
		t.Fatal(e.UserMessage("zh"), e.UserMessage("en"))
	}
	for code, kind := range map[string]error{"CBC.0100": ErrInvalidRequest, "CBC.0101": ErrInvalidRequest, "CBC.0150": ErrAccessDenied, "CBC.0151": ErrAccessDenied,
		"CBC.0155": ErrAccessDenied, "CBC.0250": ErrThrottled, "CBC.99007197": ErrThrottled, "CBC.99005003": ErrInsufficientBalance,
		"CBC.99007009": ErrDuplicateTransID, "CBC.99007461": ErrMovementInProgress, "CBC.99007181": ErrCreditExpired, "CBC.99000047": ErrAccountNotFound,
		"CBC.99000043": ErrRefused, "CBC.99007004": ErrRefused, "CBC.99000086": ErrNoRelation, "CBC.99003626": ErrAccountFrozen,
		"CBC.99003602": ErrResourceUnavailable, "CBC.30000067": ErrResourceUnavailable, "CBC.30010036": ErrNotMainResource} {
		if got := kindOf(kindMove, 400, code); got != kind {
			t.Errorf("%s: %v, want %v", code, got, kind)
		}
		if userMessages[kind].en == "" || userMessages[kind].zh == "" {
			t.Errorf("%v has no message", kind)
		}
	}
	if kindOf(kindMove, 500, "CBC.0999") != ErrUnknownOutcome || kindOf(kindRead, 500, "") != ErrUnavailable || kindOf(kindMove, 500, "CBC.99005003") != ErrInsufficientBalance {
		t.Fatal("5xx mapping")
	}
	if id := NewTransID(); len(id) != 32 || strings.ToLower(id) != id || strings.Trim(id, "0123456789abcdef") != "" || id == NewTransID() {
		t.Fatalf("trans_id %q", id)
	}
}
