package bss_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/money"
)

// The contract suite drives the sandbox over HTTP through the real client (and therefore the
// SDK). Read-only tests can be pointed at a real endpoint:
//
//	PURSER_BSS_ENDPOINT=https://bss.myhuaweicloud.com PURSER_BSS_AK=… PURSER_BSS_SK=… \
//	PURSER_BSS_DOMAIN_ID=… go test ./internal/bss -run Contract
//
// Tests that move money or need sandbox inspection skip against a real endpoint.

type harness struct {
	client *bss.Client
	sb     *sandbox.Server // nil against a real endpoint
	url    string
	opts   sandbox.Options
	clock  *clock
}

// clock is a controllable sandbox clock: tests move time forward to see usage decrease.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

type harnessOption func(*bss.Config, *sandbox.Options)

func withGeneration(g string) harnessOption {
	return func(c *bss.Config, _ *sandbox.Options) { c.Generation = g }
}

func withClient(f func(*bss.Config)) harnessOption {
	return func(c *bss.Config, _ *sandbox.Options) { f(c) }
}

func realEndpoint() (bss.Config, bool) {
	ep := os.Getenv("PURSER_BSS_ENDPOINT")
	if ep == "" {
		return bss.Config{}, false
	}
	return bss.Config{Endpoint: ep, AK: os.Getenv("PURSER_BSS_AK"), SK: os.Getenv("PURSER_BSS_SK"), DomainID: os.Getenv("PURSER_BSS_DOMAIN_ID")}, true
}

// newHarness starts a sandbox on a loopback port (or uses the real endpoint when readOnly
// and configured) and a client for it.
func newHarness(t *testing.T, readOnly bool, options ...harnessOption) *harness {
	t.Helper()
	if cfg, ok := realEndpoint(); ok {
		if !readOnly {
			t.Skip("NOTICE: PURSER_BSS_ENDPOINT is set; this test moves money or inspects the sandbox and runs only against the sandbox")
		}
		for _, o := range options {
			o(&cfg, &sandbox.Options{})
		}
		c, err := bss.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return &harness{client: c, url: cfg.Endpoint}
	}
	clk := &clock{}
	opts := sandbox.DefaultOptions()
	opts.FlowControl.Off = true // the client runs far above the upstream's rate to keep the test fast
	opts.Now = clk.now
	cfg := bss.Config{AK: opts.AK, SK: opts.SK, DomainID: opts.DomainID, RatePerSecond: 1000, RetryBase: 5 * time.Millisecond, Timeout: 10 * time.Second}
	for _, o := range options {
		o(&cfg, &opts)
	}
	run, err := sandbox.Start(t.Context(), "127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = run.Close() })
	cfg.Endpoint = run.URL()
	c, err := bss.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{client: c, sb: run.Server(), url: run.URL(), opts: opts, clock: clk}
}

func ctx(t *testing.T) context.Context { return t.Context() }

func amount(t *testing.T, s string) money.Amount {
	t.Helper()
	a, err := money.Parse(s, money.DefaultCurrency)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// rawAmount builds amounts the money package would refuse, to check the upstream refuses them too.
func rawAmount(s string) money.Amount {
	return money.New(decimal.RequireFromString(s), money.DefaultCurrency)
}

func wantKind(t *testing.T, err, kind error) *bss.Error {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("want %v, got %v", kind, err)
	}
	var e *bss.Error
	if !errors.As(err, &e) {
		t.Fatalf("error is not a *bss.Error: %T", err)
	}
	return e
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// activeSub returns a normal sub-account of the sandbox data, skipping those of another legal entity.
func (h *harness) activeSub(t *testing.T, skip int) bss.SubAccountID {
	t.Helper()
	page := must[bss.SubAccountPage](t)(h.client.ListSubAccounts(ctx(t), bss.SubAccountQuery{Page: bss.Page{Limit: 100}}))
	for _, s := range page.Items {
		if s.Status == bss.SubAccountNormal {
			if skip == 0 {
				return s.ID
			}
			skip--
		}
	}
	t.Fatal("no active sub-account")
	return ""
}

func (h *harness) masterDebit(t *testing.T) decimal.Decimal {
	t.Helper()
	p := must[bss.AmountPage](t)(h.client.TransferableAmounts(ctx(t), bss.BalanceDebit, bss.Page{}))
	if len(p.Items) != 1 {
		t.Fatalf("debit transferable amount: want one row, got %d", len(p.Items))
	}
	return p.Items[0].Available.Decimal()
}

func (h *harness) subDebit(t *testing.T, sub bss.SubAccountID) decimal.Decimal {
	t.Helper()
	p := must[bss.AmountPage](t)(h.client.RecoverableAmounts(ctx(t), sub, bss.BalanceDebit, bss.Page{}))
	if len(p.Items) != 1 {
		t.Fatalf("debit recoverable amount: want one row, got %d", len(p.Items))
	}
	return p.Items[0].Available.Decimal()
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }
