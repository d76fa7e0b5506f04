package execute_test

import (
	"context"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
)

// Several master accounts: an operation acts for its sub-account's master and executes
// through that master's client only.
func TestTransferOnSecondMasterUsesItsClient(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{masterB: true})
		page, err := db.ListSubAccounts(e.ctx, authz.Everything, store.SubAccountFilter{MasterAccountID: e.masterB, Status: 1, Limit: 1})
		if err != nil || len(page.Items) == 0 {
			t.Fatalf("no sub-account of master B cached: %v", err)
		}
		subB := page.Items[0]
		beforeA := len(ledger(t, e.sb.URL()))

		op := e.create(e.transfer(subB.ID, "12.34"))
		if op.MasterAccountID != e.masterB {
			t.Fatalf("operation on B's sub-account acts for master %q, want %q", op.MasterAccountID, e.masterB)
		}
		e.approve(op.ID, "approver")
		done := e.wait(op.ID, approval.StateSucceeded)
		if n := ledgerCount(t, e.sbB.URL())[done.TransID]; n != 1 {
			t.Fatalf("B's ledger holds the transfer %d times, want once", n)
		}
		if n := ledgerCount(t, e.sb.URL())[done.TransID]; n != 0 || len(ledger(t, e.sb.URL())) != beforeA {
			t.Fatalf("A's ledger saw the transfer (%d entries for it)", n)
		}

		// A lost response on B: unknown (or confirmed at once), and the reconciler settles it
		// through B's client, with the same trans_id, applied once on B and never on A.
		setFaults(t, e.sbB.URL(), `{"drop_response_rate": 1, "paths": ["/v2/enterprises/multi-accounts/transfer-amount"]}`)
		lost := e.create(e.transfer(subB.ID, "3.00"))
		e.approve(lost.ID, "approver")
		got := e.wait(lost.ID, approval.StateUnknown, approval.StateSucceeded)
		setFaults(t, e.sbB.URL(), "")
		if got.State == approval.StateUnknown {
			if n, err := e.exec.Reconcile(e.ctx); err != nil || n != 1 {
				t.Fatalf("reconcile on B: %d %v", n, err)
			}
		}
		if got = e.op(lost.ID); got.State != approval.StateSucceeded || ledgerCount(t, e.sbB.URL())[lost.TransID] != 1 ||
			ledgerCount(t, e.sb.URL())[lost.TransID] != 0 {
			t.Fatalf("lost response on B: %s, B ledger %d", got.State, ledgerCount(t, e.sbB.URL())[lost.TransID])
		}

		// A resource operation acts for the master owning the resources, and executes there;
		// one operation cannot mix two masters' resources.
		resB, _, err := db.ListResources(e.ctx, authz.Everything, store.ResourceFilter{AccountID: e.masterB, MainOnly: true, Status: 2, Limit: 1})
		resA, _, errA := db.ListResources(e.ctx, authz.Everything, store.ResourceFilter{AccountID: e.master, MainOnly: true, Status: 2, Limit: 1})
		if err != nil || errA != nil || len(resB) == 0 || len(resA) == 0 {
			t.Fatalf("main resources: A %d (%v), B %d (%v)", len(resA), errA, len(resB), err)
		}
		ar := e.create(approval.Input{Kind: approval.KindAutoRenew, ResourceIDs: []string{resB[0].ResourceID}, Operation: "set", PeriodType: "month", Reason: "r"})
		if ar.MasterAccountID != e.masterB {
			t.Fatalf("auto-renew of B's resource acts for %q", ar.MasterAccountID)
		}
		e.approve(ar.ID, "approver")
		if got := e.wait(ar.ID, approval.StateSucceeded, approval.StateFailed); got.State != approval.StateSucceeded {
			t.Fatalf("auto-renew of B's resource through B: %s %+v", got.State, got.Error)
		}
		_, err = e.svc.Create(e.ctx, e.users["finance"], approval.Input{Kind: approval.KindAutoRenew,
			ResourceIDs: []string{resA[0].ResourceID, resB[0].ResourceID}, Operation: "set", PeriodType: "month", Reason: "r"}, "")
		if f := fieldsOf(err); f["resource_ids"] != "op.err.resources_masters" {
			t.Fatalf("mixing two masters' resources: %v %v", err, f)
		}

		// And one on master A still goes to A.
		subA := e.subs(1)[0]
		if subA.MasterAccountID != e.master {
			t.Fatalf("A's sub-account is tagged %q", subA.MasterAccountID)
		}
		opA := e.create(e.transfer(subA.ID, "1.00"))
		e.approve(opA.ID, "approver")
		doneA := e.wait(opA.ID, approval.StateSucceeded)
		if ledgerCount(t, e.sb.URL())[doneA.TransID] != 1 || ledgerCount(t, e.sbB.URL())[doneA.TransID] != 0 {
			t.Fatal("A's transfer did not go to A's upstream only")
		}
	})
}

// Money movements are serialised per master: while one master's movement lock is held,
// a second movement of the same master waits, and another master's does not.
func TestMovementLocksPerMaster(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		unlockA, err := db.LockMovements(ctx, "domain-a", "holder-1", 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		unlockB, err := db.LockMovements(ctx, "domain-b", "holder-2", 5*time.Second)
		if err != nil || time.Since(start) > 2*time.Second {
			t.Fatalf("master B's lock waited %s for master A's (%v)", time.Since(start), err)
		}
		got := make(chan error, 1)
		go func() {
			unlock, err := db.LockMovements(ctx, "domain-a", "holder-3", 5*time.Second)
			if err == nil {
				unlock()
			}
			got <- err
		}()
		select {
		case err := <-got:
			t.Fatalf("a second movement of master A did not wait for the first (%v)", err)
		case <-time.After(500 * time.Millisecond):
		}
		unlockA()
		select {
		case err := <-got:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("master A's lock was never handed over")
		}
		unlockB()
	})
}

// A batch mixing two masters' sub-accounts: each row's operation acts for its own master,
// checked against that master's transferable amount.
func TestBatchAcrossMasters(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{masterB: true, noRunner: true})
		page, err := db.ListSubAccounts(e.ctx, authz.Everything, store.SubAccountFilter{MasterAccountID: e.masterB, Status: 1, Limit: 1})
		if err != nil || len(page.Items) == 0 {
			t.Fatalf("no sub-account of master B: %v", err)
		}
		subA, subB := e.subs(1)[0], page.Items[0]
		b, err := e.svc.CreateBatch(e.ctx, e.users["finance"], approval.KindTransferFunds, "both masters", []approval.BatchRow{
			{Line: 1, SubAccount: subA.ID, Amount: "1.00", BalanceType: "debit"},
			{Line: 2, SubAccount: subB.ID, Amount: "2.00", BalanceType: "debit"},
		}, "")
		if err != nil {
			t.Fatalf("create batch: %v", err)
		}
		ops, err := db.BatchOperations(e.ctx, b.ID)
		if err != nil || len(ops) != 2 {
			t.Fatalf("batch operations: %v %d", err, len(ops))
		}
		for _, o := range ops {
			want := e.master
			if o.SubAccountID == subB.ID {
				want = e.masterB
			}
			if o.MasterAccountID != want {
				t.Fatalf("row on %s acts for %q, want %q", o.SubAccountID, o.MasterAccountID, want)
			}
		}
		// A row asking for just more than its own master holds is refused, though the other
		// master holds enough: each row is checked against its own master's amount.
		mbA, errA := db.MasterBalances(e.ctx, e.master)
		mbB, errB := db.MasterBalances(e.ctx, e.masterB)
		if errA != nil || errB != nil || mbA.Debit.Cmp(mbB.Debit) == 0 {
			t.Fatalf("master amounts: %v %v (%s, %s)", errA, errB, mbA.Debit, mbB.Debit)
		}
		poorSub, poor := subA.ID, mbA.Debit
		if mbB.Debit.Cmp(mbA.Debit) < 0 {
			poorSub, poor = subB.ID, mbB.Debit
		}
		tooMuch := poor.Add(mustAmount("0.01")).String()
		if _, err := e.svc.CreateBatch(e.ctx, e.users["finance"], approval.KindTransferFunds, "too much", []approval.BatchRow{
			{Line: 1, SubAccount: poorSub, Amount: tooMuch, BalanceType: "debit"},
		}, ""); err == nil {
			t.Fatalf("a transfer of %s from a master holding %s was accepted", tooMuch, poor)
		}
	})
}
