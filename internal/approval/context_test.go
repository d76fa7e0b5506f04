package approval_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

const ctxMaster = "dom-ctx"

var ctxAt = time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)

func yuan(s string) money.Amount { return money.New(decimal.RequireFromString(s), "CNY") }

// ctxCache: the requester fay (returned), units east and west; sub-accounts s-east (cash 1,000.00 and a 300.00 credit
// line expiring in a year) and s-east2 in east, s-west in west; the master has 5,000.00
// cash to transfer.
func ctxCache(t *testing.T, db *store.DB) (requester int64, expire time.Time) {
	t.Helper()
	ctx := context.Background()
	u := &store.User{Username: "fay", Roles: []string{"finance"}}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	orgs := []store.Organization{
		{ID: "root", Name: "Acme", Path: []string{"root"}},
		{ID: "east", Name: "East", ParentID: "root", Path: []string{"root", "east"}, Depth: 1},
		{ID: "west", Name: "West", ParentID: "root", Path: []string{"root", "west"}, Depth: 1},
	}
	if err := db.ReplaceOrganizations(ctx, ctxMaster, 1, orgs, ctxAt); err != nil {
		t.Fatal(err)
	}
	subs := []store.SubAccountInfo{{ID: "s-east", Name: "east one", Status: 1, OrgID: "east"},
		{ID: "s-east2", Name: "east two", Status: 1, OrgID: "east"}, {ID: "s-west", Name: "west one", Status: 1, OrgID: "west"}}
	if err := db.UpsertSubAccounts(ctx, ctxMaster, 1, subs, ctxAt); err != nil {
		t.Fatal(err)
	}
	expire = ctxAt.Add(365 * 24 * time.Hour)
	bal := []store.SubAccountBalances{
		{SubAccountID: "s-east", Debit: yuan("1000.00"), Currency: "CNY", Credits: []store.CreditLine{{Available: yuan("300.00"), CreditAmount: yuan("300.00"), ExpireTime: &expire}}},
		{SubAccountID: "s-east2", Debit: yuan("10.00"), Currency: "CNY"},
		{SubAccountID: "s-west", Debit: yuan("10.00"), Currency: "CNY"},
	}
	if err := db.StoreSubAccountBalances(ctx, ctxAt, bal, 0, store.RunProgress{}); err != nil {
		t.Fatal(err)
	}
	if err := db.StoreMasterBalances(ctx, ctxMaster, store.MasterBalances{Debit: yuan("5000.00"), Currency: "CNY"}, ctxAt); err != nil {
		t.Fatal(err)
	}
	return u.ID, expire
}

// ctxOp inserts an operation as the workflow leaves it, requested by fay.
func ctxOp(t *testing.T, db *store.DB, fay int64, kind approval.Kind, state approval.State, sub, amount string, p approval.Params) int64 {
	t.Helper()
	p.SubAccountID, p.Amount = sub, amount
	if p.BalanceType == "" {
		p.BalanceType = approval.BalanceDebit
	}
	params, _ := json.Marshal(p)
	path := map[string]string{"s-east": "/root/east/", "s-east2": "/root/east/", "s-west": "/root/west/"}[sub]
	o := &store.Operation{Kind: string(kind), State: string(state), Params: string(params), Amount: &amount, Currency: "CNY",
		SubAccountID: sub, OrgPath: path, MasterAccountID: ctxMaster, TransID: fmt.Sprintf("ctx-%d", transIDs.Add(1)),
		RequestedBy: fay, RequestedByName: "fay", RequiredApprovals: 1, ExpiresAt: ctxAt.Add(time.Hour), CreatedAt: ctxAt, UpdatedAt: ctxAt}
	if err := db.InsertOperation(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o.ID
}

var transIDs atomic.Int64

func ctxActor(id int64, scopes ...string) approval.Actor {
	return approval.Actor{UserID: id, Username: "abby", Roles: []authz.Role{authz.Approver}, Scopes: scopes, Meta: audit.System("test")}
}

func ids(ops []approval.Operation) []int64 {
	out := []int64{}
	for _, o := range ops {
		out = append(out, o.ID)
	}
	slices.Sort(out)
	return out
}

// The context of a pending transfer lists the other unsettled requests on its
// sub-account and the master's other transfers (never settled, failed or rejected ones,
// nor itself), and says what the sub-account's cash and the master's free cash become
// after it and after every other unsettled request on the same figure too. A scoped
// approver sees only the requests in scope listed, while the sums stay the master's.
func TestOperationContextListsAndAddsUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fay, expire := ctxCache(t, db)
		svc := approval.New(db, approval.Options{MasterAccountID: ctxMaster})
		this := ctxOp(t, db, fay, approval.KindTransferFunds, approval.StatePending, "s-east", "100.00", approval.Params{})
		pendingIn := ctxOp(t, db, fay, approval.KindTransferFunds, approval.StatePending, "s-east", "50.00", approval.Params{})
		approvedOut := ctxOp(t, db, fay, approval.KindRetrieveFunds, approval.StateApproved, "s-east", "20.00", approval.Params{})
		creditIn := ctxOp(t, db, fay, approval.KindTransferFunds, approval.StatePending, "s-east", "30.00",
			approval.Params{BalanceType: approval.BalanceCredit, ExpireTime: expire.Format(time.RFC3339)})
		for _, st := range []approval.State{approval.StateSucceeded, approval.StateFailed, approval.StateRejected, approval.StateDraft} {
			ctxOp(t, db, fay, approval.KindTransferFunds, st, "s-east", "999.00", approval.Params{})
		}
		west := ctxOp(t, db, fay, approval.KindTransferFunds, approval.StatePending, "s-west", "200.00", approval.Params{})
		east2 := ctxOp(t, db, fay, approval.KindTransferFunds, approval.StateExecuting, "s-east2", "10.00", approval.Params{})
		ctxOp(t, db, fay, approval.KindTransferFunds, approval.StateSucceeded, "s-east2", "888.00", approval.Params{})

		c, err := svc.Context(ctx, ctxActor(fay+1), this)
		if err != nil || c == nil {
			t.Fatalf("context: %+v %v", c, err)
		}
		if got, want := ids(c.SubAccountOps), []int64{pendingIn, approvedOut, creditIn}; !slices.Equal(got, want) {
			t.Fatalf("on the sub-account: %v, want %v", got, want)
		}
		if got, want := ids(c.MasterOps), []int64{west, east2}; !slices.Equal(got, want) {
			t.Fatalf("on the master: %v, want %v", got, want)
		}
		if c.SubAccount == nil || c.SubAccount.ID != "s-east" || c.Sub == nil || c.Master == nil {
			t.Fatalf("figures: %+v", c)
		}
		// Cash 1,000 + this 100; then + the pending 50 in − the approved 20 out (the
		// credit transfer draws on another figure).
		sub := c.Sub
		if sub.Now.String() != "1000.00" || sub.AfterThis.String() != "1100.00" || sub.AfterAll.String() != "1130.00" || sub.Others != 2 ||
			sub.AsOf == nil || !sub.AsOf.Equal(ctxAt) || sub.BalanceType != approval.BalanceDebit {
			t.Fatalf("sub-account figure: %+v", sub)
		}
		// The master: 5,000 − this 100; then − 50 (same sub-account), − 200 (west), − 10
		// (executing): the free cash as the funds check counts it.
		m := c.Master
		if m.Now.String() != "5000.00" || m.AfterThis.String() != "4900.00" || m.AfterAll.String() != "4640.00" || m.Others != 3 {
			t.Fatalf("master figure: %+v", m)
		}
		f, err := svc.Funds(ctx, approval.Actor{UserID: 3, Roles: []authz.Role{authz.Finance}}, approval.FundsQuery{Kind: approval.KindTransferFunds, SubAccountID: "s-east"})
		if err != nil || f.Free.String() != m.AfterAll.String() {
			t.Fatalf("the funds check's free %s (%v), the context's after all %s", f.Free, err, m.AfterAll)
		}

		// Scoped to east: the west transfer is not listed, but it still takes from the master.
		scoped, err := svc.Context(ctx, ctxActor(fay+1, "east"), this)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(scoped.MasterOps), []int64{east2}; !slices.Equal(got, want) {
			t.Fatalf("scoped, on the master: %v, want %v", got, want)
		}
		if len(scoped.SubAccountOps) != 3 || scoped.Master.AfterAll.String() != "4640.00" {
			t.Fatalf("scoped: %d on the sub-account, master after all %s", len(scoped.SubAccountOps), scoped.Master.AfterAll)
		}
		// Scoped to west: the east transfer does not exist for them.
		if _, err := svc.Context(ctx, ctxActor(fay+1, "west"), this); !errors.Is(err, approval.ErrNotFound) {
			t.Fatalf("out of scope: %v, want ErrNotFound", err)
		}

		// The credit transfer changes the credit line with its expiry: 300 + 30.
		cc, err := svc.Context(ctx, ctxActor(fay+1), creditIn)
		if err != nil {
			t.Fatal(err)
		}
		if cc.Sub.BalanceType != approval.BalanceCredit || cc.Sub.Now.String() != "300.00" || cc.Sub.AfterThis.String() != "330.00" ||
			cc.Sub.AfterAll.String() != "330.00" || cc.Sub.Others != 0 {
			t.Fatalf("credit figure: %+v", cc.Sub)
		}
		// The approved recovery takes from the sub-account; the master gets nothing yet.
		rc, err := svc.Context(ctx, ctxActor(fay+1), approvedOut)
		if err != nil {
			t.Fatal(err)
		}
		if rc.Sub.AfterThis.String() != "980.00" || rc.Sub.AfterAll.String() != "1130.00" || rc.Master != nil || rc.MasterOps != nil {
			t.Fatalf("recovery: sub %+v, master %+v", rc.Sub, rc.Master)
		}
		// Settled: nothing to weigh.
		done := ctxOp(t, db, fay, approval.KindTransferFunds, approval.StateSucceeded, "s-east", "5.00", approval.Params{})
		if c, err := svc.Context(ctx, ctxActor(fay+1), done); err != nil || c != nil {
			t.Fatalf("settled: %+v %v, want none", c, err)
		}
	})
}

// The inbox's batch totals add up every row of a batch the viewer may see, by currency.
func TestBatchTotalsByCurrencyInScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fay, _ := ctxCache(t, db)
		svc := approval.New(db, approval.Options{MasterAccountID: ctxMaster})
		b := &store.OperationBatch{Kind: string(approval.KindTransferFunds), State: string(approval.StatePending), RequestedBy: fay,
			RowsCount: 4, Total: "6.60", Currency: "CNY", ExpiresAt: ctxAt.Add(time.Hour), CreatedAt: ctxAt, UpdatedAt: ctxAt}
		if err := db.InsertBatch(ctx, b); err != nil {
			t.Fatal(err)
		}
		for i, row := range []struct{ sub, amount, cur string }{{"s-east", "1.10", "CNY"}, {"s-east2", "2.20", "CNY"}, {"s-west", "3.30", "CNY"}, {"s-east", "1.00", "USD"}} {
			amt := row.amount
			o := &store.Operation{Kind: b.Kind, State: b.State, Params: "{}", Amount: &amt, Currency: row.cur, SubAccountID: row.sub,
				OrgPath: map[string]string{"s-west": "/root/west/"}[row.sub], MasterAccountID: ctxMaster, TransID: "b" + row.amount + row.cur,
				RequestedBy: fay, BatchID: &b.ID, BatchLine: i + 2, ExpiresAt: b.ExpiresAt, CreatedAt: ctxAt, UpdatedAt: ctxAt}
			if o.OrgPath == "" {
				o.OrgPath = "/root/east/"
			}
			if err := db.InsertOperation(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		show := func(bt approval.BatchTotal) string {
			s := ""
			for _, a := range bt.Totals {
				s += a.String() + " " + a.Currency() + ";"
			}
			return s
		}
		all, err := svc.BatchTotals(ctx, ctxActor(fay+1), []int64{b.ID})
		if err != nil || all[b.ID].Rows != 4 || show(all[b.ID]) != "6.60 CNY;1.00 USD;" {
			t.Fatalf("everything: %+v %q %v", all[b.ID], show(all[b.ID]), err)
		}
		east, err := svc.BatchTotals(ctx, ctxActor(fay+1, "east"), []int64{b.ID})
		if err != nil || east[b.ID].Rows != 3 || show(east[b.ID]) != "3.30 CNY;1.00 USD;" {
			t.Fatalf("scoped to east: %+v %q %v", east[b.ID], show(east[b.ID]), err)
		}
		viewer := approval.Actor{UserID: 9, Roles: []authz.Role{authz.Viewer}}
		if none, err := svc.BatchTotals(ctx, viewer, []int64{b.ID}); err != nil || len(none) != 0 {
			t.Fatalf("a viewer of no operations: %+v %v", none, err)
		}
	})
}
