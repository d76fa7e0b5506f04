package execute_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/store"
)

// mainResources returns n main resources in use of account ("" any) from the cache.
func (e *env) mainResources(account string, n int) []store.Resource {
	e.t.Helper()
	res, _, err := e.db.ListResources(e.ctx, authz.Everything, store.ResourceFilter{AccountID: account, MainOnly: true, Status: 2, Limit: n})
	if err != nil || len(res) < n {
		e.t.Fatalf("main resources of %q: %d (%v), want %d", account, len(res), err, n)
	}
	return res
}

// A drafted renewal carries the upstream's price for its resources and period, taken at
// creation and stored in the snapshot: the stored hash covers it, a quote changed after
// approval voids the operation, and nothing is renewed.
func TestRenewalQuoteIsSigned(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{noRunner: true})
		res := e.mainResources(e.master, 2)
		ids := []string{res[0].ResourceID, res[1].ResourceID}
		before := time.Now().UTC().Truncate(time.Second)
		op := e.create(approval.Input{Kind: approval.KindRenewResources, ResourceIDs: ids, PeriodType: "year", PeriodNum: 1, Reason: "renew"})
		q := op.Params.Quote
		if !q.Quoted() || q.Source != "ListRenewRateOnPeriod" || len(q.Refused) != 0 {
			t.Fatalf("quote of a fresh renewal: %+v", q)
		}
		if q.QuotedAt.Before(before) || q.QuotedAt.After(time.Now().UTC()) || q.QuotedAt.Location() != time.UTC {
			t.Fatalf("quoted at %v, drafted from %v", q.QuotedAt, before)
		}
		// What the upstream says for the same question (the sandbox answers deterministically),
		// with the attached resources a renewal renews too.
		want, err := e.up.QuoteRenewal(e.ctx, bss.RenewalQuoteRequest{ResourceIDs: []bss.ResourceID{bss.ResourceID(ids[0]), bss.ResourceID(ids[1])},
			PeriodType: bss.PeriodYear, PeriodNum: 1, IncludeRelated: true})
		if err != nil {
			t.Fatal(err)
		}
		wt, _ := want.Total("CNY")
		if len(q.Totals) != 1 || q.Totals[0] != (approval.QuoteTotal{Currency: "CNY", Official: wt.Official.String(), Discount: wt.Discount.String(), Amount: wt.Amount.String()}) {
			t.Fatalf("totals %+v, the upstream says %+v", q.Totals, wt)
		}
		if !wt.Discount.IsPositive() {
			t.Fatal("the sandbox offers a discount: official and discounted prices must differ")
		}
		if len(q.Resources) != 2 || q.Resources[0].ResourceID != ids[0] || q.Resources[1].ResourceID != ids[1] ||
			q.Resources[0].Amount != want.Resources[0].Amount.String() || q.Resources[0].Currency != "CNY" {
			t.Fatalf("per resource %+v, the upstream says %+v", q.Resources, want.Resources)
		}

		// The stored snapshot holds the quote, and the stored hash is over it.
		row, err := db.OperationByID(e.ctx, op.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(row.Params, `"quote":`) || !strings.Contains(row.Params, `"`+q.Totals[0].Amount+`"`) {
			t.Fatalf("stored params lack the quote: %s", row.Params)
		}
		if approval.SnapshotHash(row.Kind, row.MasterAccountID, row.TransID, row.Params) != op.SnapshotHash {
			t.Fatal("the snapshot hash is not over the stored params")
		}
		var p approval.Params
		if err := json.Unmarshal([]byte(row.Params), &p); err != nil {
			t.Fatal(err)
		}
		p.Quote.Totals[0].Amount = "1.00"
		tampered := string(mustJSON(p))
		if approval.SnapshotHash(row.Kind, row.MasterAccountID, row.TransID, tampered) == op.SnapshotHash {
			t.Fatal("a different quote gives the same snapshot hash")
		}

		// Approved at that price, then the quote is changed: the executor refuses it.
		orders := e.sb.Server().State("").Orders
		e.approve(op.ID, "approver")
		if err := db.Gorm().Exec(`UPDATE operations SET params = ? WHERE id = ?`, tampered, op.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := e.exec.Execute(e.ctx, op.ID); err != nil {
			t.Fatal(err)
		}
		if got := e.op(op.ID); got.State != approval.StateFailed || got.Error == nil || got.Error.Code != "snapshot_changed" {
			t.Fatalf("renewal with a changed quote: %s %+v", got.State, got.Error)
		}
		if n := e.sb.Server().State("").Orders; n != orders {
			t.Fatalf("a renewal whose quote changed reached the upstream: %d orders, was %d", n, orders)
		}
	})
}

// With the upstream's pricing down, a renewal is still drafted, marked "not quoted" with
// the upstream's reason; so is a renewal whose resources the upstream refuses to price.
func TestRenewalWithoutQuote(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{noRunner: true})
		res := e.mainResources(e.master, 1)
		in := approval.Input{Kind: approval.KindRenewResources, ResourceIDs: []string{res[0].ResourceID}, PeriodType: "month", PeriodNum: 2, Reason: "renew"}
		e.sb.Server().SetFaults(sandbox.Faults{ErrorRate: 1, Status: 503, Paths: []string{"/v2/bills/ratings/"}})
		op := e.create(in)
		q := op.Params.Quote
		if q == nil || q.Quoted() || q.Problem == nil || len(q.Totals) != 0 || q.QuotedAt.IsZero() {
			t.Fatalf("quote with the upstream down: %+v", q)
		}
		if q.Problem.Kind != bss.ErrUnavailable.Error() && q.Problem.Kind != bss.ErrUpstream.Error() {
			t.Fatalf("problem %+v, want the upstream unavailable", q.Problem)
		}
		if en, zh := q.Problem.UpstreamText("en"), q.Problem.UpstreamText("zh"); en == "" || zh == "" || en == zh {
			t.Fatalf("the reason is not worded for people: %q / %q", en, zh)
		}
		if op.State != approval.StatePending {
			t.Fatalf("unquoted renewal: %s", op.State)
		}
		e.sb.Server().SetFaults(sandbox.Faults{})

		// The preview asks the same question and creates nothing.
		n, _ := db.CountOperations(e.ctx, store.OperationFilter{})
		pq, err := e.svc.QuoteRenewal(e.ctx, e.users["finance"], in)
		if err != nil || !pq.Quoted() {
			t.Fatalf("preview: %+v %v", pq, err)
		}
		if m, _ := db.CountOperations(e.ctx, store.OperationFilter{}); m != n {
			t.Fatalf("the preview created an operation: %d, was %d", m, n)
		}
		var ve *approval.ValidationError
		if _, err := e.svc.QuoteRenewal(e.ctx, e.users["finance"], approval.Input{Kind: approval.KindRenewResources, ResourceIDs: in.ResourceIDs,
			PeriodType: "month", PeriodNum: 12, Reason: "x"}); !errors.As(err, &ve) || ve.Fields["period_num"] == "" {
			t.Fatalf("preview of a bad period: %v", err)
		}
		if _, err := e.svc.QuoteRenewal(e.ctx, e.users["auditor"], in); !errors.Is(err, approval.ErrForbidden) {
			t.Fatalf("preview by an auditor: %v", err)
		}

		// A frozen resource: the upstream refuses to price it, and says why.
		frozen := ""
		for _, r := range e.sb.Server().State("").Resources {
			if r.IsMain && r.Status == 4 {
				frozen = r.ResourceID
			}
		}
		if frozen == "" {
			t.Skip("no frozen main resource in the sandbox data")
		}
		fq, err := e.svc.QuoteRenewal(e.ctx, e.users["finance"], approval.Input{Kind: approval.KindRenewResources, ResourceIDs: []string{frozen, res[0].ResourceID},
			PeriodType: "month", PeriodNum: 1, Reason: "x"})
		if err != nil || !fq.Quoted() || len(fq.Refused) != 1 || fq.Refused[0].ResourceID != frozen || fq.Refused[0].Code != "CBC.99003602" {
			t.Fatalf("quote with a frozen resource: %+v %v", fq, err)
		}
	})
}

// After a renewal of a sub-account's resource ran (through that sub-account's own
// credential), its page can read the order it created from that same account: header,
// line items and the resources the order provisioned; the price was quoted there too.
// Someone who may not see the operation learns nothing.
func TestRenewalOrders(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{subCred: true})
		res := e.mainResources(e.subID, 1)
		op := e.create(approval.Input{Kind: approval.KindRenewResources, ResourceIDs: []string{res[0].ResourceID}, PeriodType: "month", PeriodNum: 3, AutoPay: true, Reason: "renew"})
		// The master's sandbox does not know the sub-account's resource: a quote there
		// would be refused.
		if q := op.Params.Quote; !q.Quoted() || len(q.Resources) != 1 || q.Resources[0].ResourceID != res[0].ResourceID {
			t.Fatalf("quote of the sub-account's resource: %+v", q)
		}
		if got, err := e.svc.RenewalOrders(e.ctx, e.users["auditor"], op.ID); err != nil || len(got) != 0 {
			t.Fatalf("orders of a pending renewal: %+v %v", got, err)
		}
		e.approve(op.ID, "approver")
		if got := e.wait(op.ID, approval.StateSucceeded, approval.StateFailed); got.State != approval.StateSucceeded {
			t.Fatalf("renewal: %s %+v", got.State, got.Error)
		}
		orders, err := e.svc.RenewalOrders(e.ctx, e.users["auditor"], op.ID)
		if err != nil || len(orders) != 1 || orders[0].Problem != nil || orders[0].Details == nil {
			t.Fatalf("orders: %+v %v", orders, err)
		}
		d := orders[0].Details
		if d.Order.ID != orders[0].ID || d.Order.OrderType != bss.OrderTypeRenew || d.Order.Status != bss.OrderCompleted || d.Order.Created.IsZero() {
			t.Fatalf("order header %+v", d.Order)
		}
		if d.Order.Amount.String() != op.Params.Quote.Totals[0].Amount {
			t.Fatalf("order charged %s, quoted %s", d.Order.Amount, op.Params.Quote.Totals[0].Amount)
		}
		if len(d.Lines) != 1 || d.Lines[0].PeriodNum != 3 {
			t.Fatalf("line items %+v", d.Lines)
		}
		if !slices.ContainsFunc(d.Provisioned, func(r bss.OrderResource) bool { return r.ResourceID == bss.ResourceID(res[0].ResourceID) }) {
			t.Fatalf("provisioned %+v lacks the renewed resource", d.Provisioned)
		}
		if _, err := e.svc.RenewalOrders(e.ctx, e.user("vera", authz.Viewer), op.ID); !errors.Is(err, approval.ErrNotFound) {
			t.Fatalf("orders for a viewer without operations: %v", err)
		}

		// The sub-account's upstream failing: the order's problem, not the call's.
		e.sbSub.Server().SetFaults(sandbox.Faults{ErrorRate: 1, Status: 503, Paths: []string{"/v2/orders/customer-orders/details/"}})
		orders, err = e.svc.RenewalOrders(e.ctx, e.users["auditor"], op.ID)
		if err != nil || len(orders) != 1 || orders[0].Details != nil || orders[0].Problem == nil || orders[0].Problem.UpstreamText("en") == "" {
			t.Fatalf("orders with the upstream down: %+v %v", orders, err)
		}
	})
}
