package bss_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
)

// renewable is every main resource the sandbox lets be renewed (in use or expired, not
// frozen or closed), with a VM that has children first.
func renewable(t *testing.T, h *harness) []bss.Resource {
	t.Helper()
	p := must[bss.ResourcePage](t)(h.client.Resources(ctx(t), bss.ResourceQuery{OnlyMain: true,
		Statuses: []bss.ResourceStatus{bss.ResourceInUse, 5}, Page: bss.Page{Limit: 500}}))
	out := p.Items
	slices.SortStableFunc(out, func(a, b bss.Resource) int {
		if (a.ResourceType == "hws.resource.type.vm") != (b.ResourceType == "hws.resource.type.vm") {
			if a.ResourceType == "hws.resource.type.vm" {
				return -1
			}
			return 1
		}
		return 0
	})
	return out
}

func quote(t *testing.T, h *harness, q bss.RenewalQuoteRequest) bss.RenewalQuote {
	t.Helper()
	return must[bss.RenewalQuote](t)(h.client.QuoteRenewal(ctx(t), q))
}

func TestContractRenewalQuote(t *testing.T) {
	h := newHarness(t, false)
	mains := renewable(t, h)
	vm := mains[0]
	if vm.ResourceType != "hws.resource.type.vm" {
		t.Fatal("no VM in the data")
	}
	one := []bss.ResourceID{vm.ID}
	before := time.Now().UTC()
	m1 := quote(t, h, bss.RenewalQuoteRequest{ResourceIDs: one, PeriodType: bss.PeriodMonth, PeriodNum: 1})
	if m1.QuotedAt.Before(before) || m1.QuotedAt.After(time.Now().UTC()) || m1.QuotedAt.Location() != time.UTC {
		t.Fatalf("quote time %v", m1.QuotedAt)
	}
	tot, ok := m1.Total("CNY")
	if !ok || len(m1.Totals) != 1 || len(m1.Resources) != 1 || m1.Resources[0].ResourceID != vm.ID || len(m1.Failures) != 0 {
		t.Fatalf("quote: %+v", m1)
	}
	if tot.MeasureID != bss.MeasureYuan || !tot.Official.IsPositive() || !tot.Discount.IsPositive() ||
		!tot.Amount.Decimal().Equal(tot.Official.Decimal().Sub(tot.Discount.Decimal())) ||
		!tot.Official.Decimal().Equal(m1.Resources[0].Amount.Decimal()) || tot.Amount.Currency() != "CNY" {
		t.Fatalf("totals: %+v", tot)
	}
	// Deterministic, and scaled by the period: months linearly, a year as ten months.
	again := quote(t, h, bss.RenewalQuoteRequest{ResourceIDs: one, PeriodType: bss.PeriodMonth, PeriodNum: 1})
	if a, _ := again.Total("CNY"); !a.Amount.Decimal().Equal(tot.Amount.Decimal()) {
		t.Fatalf("same question, different price: %s then %s", tot.Amount.Decimal(), a.Amount.Decimal())
	}
	m3 := quote(t, h, bss.RenewalQuoteRequest{ResourceIDs: one, PeriodType: bss.PeriodMonth, PeriodNum: 3})
	y1 := quote(t, h, bss.RenewalQuoteRequest{ResourceIDs: one, PeriodType: bss.PeriodYear, PeriodNum: 1})
	monthly := m1.Resources[0].Amount.Decimal()
	if got := m3.Resources[0].Amount.Decimal(); !got.Equal(monthly.Mul(decimal.NewFromInt(3))) {
		t.Fatalf("3 months %s, 1 month %s", got, monthly)
	}
	if got := y1.Resources[0].Amount.Decimal(); !got.Equal(monthly.Mul(decimal.NewFromInt(10))) {
		t.Fatalf("1 year %s, 1 month %s", got, monthly)
	}
	// The VM's disk and IP are priced with it when asked.
	rel := quote(t, h, bss.RenewalQuoteRequest{ResourceIDs: one, PeriodType: bss.PeriodMonth, PeriodNum: 1, IncludeRelated: true})
	if !rel.Resources[0].Amount.Decimal().GreaterThan(monthly) {
		t.Fatalf("with related resources %s, without %s", rel.Resources[0].Amount.Decimal(), monthly)
	}
	// Specs differ, so do prices: not one flat rate for everything.
	all := quote(t, h, bss.RenewalQuoteRequest{ResourceIDs: ids(mains), PeriodType: bss.PeriodMonth, PeriodNum: 1})
	distinct := map[string]bool{}
	for _, r := range all.Resources {
		distinct[r.Amount.Decimal().String()] = true
	}
	if len(all.Resources) != len(mains) || len(distinct) < 4 {
		t.Fatalf("%d resources quoted at %d distinct prices", len(all.Resources), len(distinct))
	}

	// The renewal then charges what was quoted with its related resources.
	res, err := h.client.Renew(ctx(t), bss.RenewRequest{ResourceIDs: one, PeriodType: bss.PeriodMonth, PeriodNum: 1, AutoPay: true})
	if err != nil || len(res.OrderIDs) != 1 {
		t.Fatalf("renew: %+v %v", res, err)
	}
	rt, _ := rel.Total("CNY")
	d := must[bss.OrderDetails](t)(h.client.OrderDetails(ctx(t), res.OrderIDs[0]))
	if d.Order.Amount.String() != rt.Amount.String() || d.Order.OfficialAmount.String() != rt.Official.String() {
		t.Fatalf("order charged %s (official %s), quoted %s (official %s)", d.Order.Amount, d.Order.OfficialAmount, rt.Amount, rt.Official)
	}
}

func ids(rs []bss.Resource) []bss.ResourceID {
	out := make([]bss.ResourceID, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func TestContractRenewalQuoteRefusals(t *testing.T) {
	h := newHarness(t, false)
	mains := renewable(t, h)
	_, err := h.client.QuoteRenewal(ctx(t), bss.RenewalQuoteRequest{ResourceIDs: []bss.ResourceID{"no-such-resource"}, PeriodType: bss.PeriodMonth, PeriodNum: 1})
	e := wantKind(t, err, bss.ErrResourceUnavailable)
	if e.Code != "CBC.30000067" || len(e.Failures) != 1 || e.Failures[0].ResourceID != "no-such-resource" {
		t.Fatalf("unknown resource: %+v", e)
	}
	// Beside a good one, the unknown one is a failure of a partial quote.
	q := quote(t, h, bss.RenewalQuoteRequest{ResourceIDs: []bss.ResourceID{mains[0].ID, "no-such-resource"}, PeriodType: bss.PeriodMonth, PeriodNum: 1})
	if len(q.Resources) != 1 || len(q.Failures) != 1 || q.Failures[0].Code != "CBC.30000067" {
		t.Fatalf("partial quote: %+v", q)
	}
	all := must[bss.ResourcePage](t)(h.client.Resources(ctx(t), bss.ResourceQuery{Page: bss.Page{Limit: 500}}))
	var child bss.ResourceID
	for _, r := range all.Items {
		if !r.IsMain {
			child = r.ID
		}
	}
	_, err = h.client.QuoteRenewal(ctx(t), bss.RenewalQuoteRequest{ResourceIDs: []bss.ResourceID{child}, PeriodType: bss.PeriodYear, PeriodNum: 1})
	wantKind(t, err, bss.ErrNotMainResource)
	for _, p := range []struct {
		pt bss.PeriodType
		n  int
	}{{bss.PeriodMonth, 0}, {bss.PeriodMonth, 12}, {bss.PeriodYear, 4}, {9, 1}} {
		_, err := h.client.QuoteRenewal(ctx(t), bss.RenewalQuoteRequest{ResourceIDs: []bss.ResourceID{mains[0].ID}, PeriodType: p.pt, PeriodNum: p.n})
		wantKind(t, err, bss.ErrInvalidRequest)
	}
	_, err = h.client.QuoteRenewal(ctx(t), bss.RenewalQuoteRequest{PeriodType: bss.PeriodMonth, PeriodNum: 1})
	wantKind(t, err, bss.ErrInvalidRequest)
}

// countingSandbox serves a sandbox and counts the renewal-price calls that reach it.
func countingSandbox(t *testing.T) (*bss.Client, *atomic.Int32) {
	t.Helper()
	opts := sandbox.DefaultOptions()
	opts.FlowControl.Off = true // the client runs far above the upstream's rate to keep the test fast
	sb, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/bills/ratings/period-resources/renew-rate" {
			calls.Add(1)
		}
		sb.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := bss.New(bss.Config{Endpoint: srv.URL, AK: opts.AK, SK: opts.SK, DomainID: opts.DomainID, RatePerSecond: 1000, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return c, &calls
}

// TestRenewalQuoteChunks: 23 resources are asked in 3 calls (10, 10, 3), and the quote is
// the exact sum of what each resource costs on its own.
func TestRenewalQuoteChunks(t *testing.T) {
	c, calls := countingSandbox(t)
	p := must[bss.ResourcePage](t)(c.Resources(ctx(t), bss.ResourceQuery{OnlyMain: true, Statuses: []bss.ResourceStatus{bss.ResourceInUse, 5}, Page: bss.Page{Limit: 500}}))
	if len(p.Items) < 23 {
		t.Fatalf("only %d renewable resources in the data", len(p.Items))
	}
	want := ids(p.Items[:23])
	calls.Store(0)
	q := must[bss.RenewalQuote](t)(c.QuoteRenewal(ctx(t), bss.RenewalQuoteRequest{ResourceIDs: want, PeriodType: bss.PeriodMonth, PeriodNum: 2, IncludeRelated: true}))
	if n := calls.Load(); n != 3 {
		t.Fatalf("23 resources took %d calls, want 3", n)
	}
	if len(q.Resources) != 23 || len(q.Failures) != 0 {
		t.Fatalf("quoted %d resources, %d failures", len(q.Resources), len(q.Failures))
	}
	official, discount := decimal.Zero, decimal.Zero
	for i, r := range q.Resources {
		if r.ResourceID != want[i] {
			t.Fatalf("resource %d is %s, want %s (request order)", i, r.ResourceID, want[i])
		}
		single := must[bss.RenewalQuote](t)(c.QuoteRenewal(ctx(t), bss.RenewalQuoteRequest{ResourceIDs: want[i : i+1], PeriodType: bss.PeriodMonth, PeriodNum: 2, IncludeRelated: true}))
		st, _ := single.Total("CNY")
		if !single.Resources[0].Amount.Decimal().Equal(r.Amount.Decimal()) {
			t.Fatalf("%s: %s in the batch, %s alone", r.ResourceID, r.Amount.Decimal(), single.Resources[0].Amount.Decimal())
		}
		official, discount = official.Add(st.Official.Decimal()), discount.Add(st.Discount.Decimal())
	}
	tot, _ := q.Total("CNY")
	if !tot.Official.Decimal().Equal(official) || !tot.Discount.Decimal().Equal(discount) || !tot.Amount.Decimal().Equal(official.Sub(discount)) {
		t.Fatalf("totals %s − %s = %s, want %s − %s", tot.Official.Decimal(), tot.Discount.Decimal(), tot.Amount.Decimal(), official, discount)
	}
}

func TestContractOrderDetails(t *testing.T) {
	h := newHarness(t, false)
	mains := renewable(t, h)
	vm := mains[0]
	res, err := h.client.Renew(ctx(t), bss.RenewRequest{ResourceIDs: []bss.ResourceID{vm.ID, mains[1].ID}, PeriodType: bss.PeriodMonth, PeriodNum: 2, AutoPay: true})
	if err != nil || len(res.OrderIDs) != 1 {
		t.Fatalf("renew: %+v %v", res, err)
	}
	d := must[bss.OrderDetails](t)(h.client.OrderDetails(ctx(t), res.OrderIDs[0]))
	if d.Order.ID != res.OrderIDs[0] || d.Order.OrderType != bss.OrderTypeRenew || d.Order.Status != bss.OrderCompleted || len(d.Lines) != 2 {
		t.Fatalf("order: %+v", d)
	}
	var listed []bss.ResourceID
	for _, r := range d.Provisioned {
		listed = append(listed, r.ResourceID)
	}
	// The VM, its disk and IP, and the second resource with its children.
	if len(d.Provisioned) < 4 || !slices.Contains(listed, vm.ID) || !slices.Contains(listed, mains[1].ID) {
		t.Fatalf("provisioned: %v", listed)
	}
	// Through the interface the rest of Purser holds.
	var up bss.Upstream = h.client
	ri, ok := up.(bss.Renewals)
	if !ok {
		t.Fatal("the client does not offer renewal quotes and order details")
	}
	again := must[bss.OrderDetails](t)(ri.OrderDetails(ctx(t), res.OrderIDs[0]))
	if len(again.Provisioned) != len(d.Provisioned) || len(again.Lines) != 2 {
		t.Fatalf("second read: %+v", again)
	}
	_, err = h.client.OrderDetails(ctx(t), "CS-no-such-order")
	wantKind(t, err, bss.ErrInvalidRequest)
}
