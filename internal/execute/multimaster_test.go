package execute_test

import (
	"context"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// Several master accounts: an operation acts for its sub-account's master and executes
// through that master's client only.
func TestTransferOnSecondMasterUsesItsClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{masterB: true})
		page, err := db.ListSubAccounts(e.ctx, store.SubAccountFilter{MasterAccountID: e.masterB, Status: 1, Limit: 1})
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
	storetest.Each(t, func(t *testing.T, db *store.DB) {
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
