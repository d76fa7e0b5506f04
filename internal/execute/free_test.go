package execute_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// setMasterDebit stores the master's transferable cash as if read from the upstream now.
func (e *env) setMasterDebit(amount string) {
	e.t.Helper()
	if err := e.db.StoreMasterBalances(e.ctx, e.master, store.MasterBalances{Debit: mustAmount(amount)}, time.Now()); err != nil {
		e.t.Fatal(err)
	}
}

// refused creates in and wants the amount refused with msgID; it returns the message's
// parameters.
func (e *env) refused(in approval.Input, msgID string) map[string]any {
	e.t.Helper()
	_, err := e.svc.Create(e.ctx, e.users["finance"], in, "")
	var ve *approval.ValidationError
	if !errors.As(err, &ve) || ve.Fields["amount"] != msgID {
		e.t.Fatalf("create %s %s: %v %+v, want amount refused with %s", in.Kind, in.Amount, err, fieldsOf(err), msgID)
	}
	return ve.Params["amount"]
}

// A draft is checked against what the master really has free: what Huawei Cloud showed
// minus the transfers requested or approved but not yet settled.
func TestDraftsAgainstFreeAmount(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{noRunner: true}) // approved transfers stay approved
		subs := e.subs(3)
		e.setMasterDebit("1000.00")
		first := e.create(e.transfer(subs[0].ID, "600.00"))
		p := e.refused(e.transfer(subs[1].ID, "500.00"), "op.err.amount_exceeds_free")
		if p["available"] != "1,000.00 CNY" || p["reserved"] != "600.00 CNY" || p["free"] != "400.00 CNY" {
			t.Fatalf("figures of the refusal: %+v", p)
		}
		// Approved but not executed: still reserved.
		e.approve(first.ID, "approver")
		e.refused(e.transfer(subs[1].ID, "400.01"), "op.err.amount_exceeds_free")
		e.create(e.transfer(subs[1].ID, "400.00"))
		p = e.refused(e.transfer(subs[2].ID, "0.01"), "op.err.amount_exceeds_free")
		if p["reserved"] != "1,000.00 CNY" || p["free"] != "0.00 CNY" {
			t.Fatalf("figures with two reservations: %+v", p)
		}
		// Funds facts the form shows.
		f, err := e.svc.Funds(e.ctx, e.users["finance"], approval.FundsQuery{Kind: approval.KindTransferFunds, SubAccountID: subs[2].ID})
		if err != nil || f.Available.String() != "1000.00" || f.Reserved.String() != "1000.00" || f.Free.String() != "0.00" || f.AsOf == nil {
			t.Fatalf("Funds = %+v, %v", f, err)
		}

		// A recovery: the sub-account's recoverable amount minus its pending recoveries.
		sa, err := db.SubAccountByID(e.ctx, subs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		half := sa.Debit.Sub(mustAmount("0.01"))
		if !half.IsPositive() {
			t.Skip("the sandbox gave the sub-account no cash")
		}
		e.create(approval.Input{Kind: approval.KindRetrieveFunds, SubAccountID: sa.ID, Amount: half.String(), Reason: "back"})
		e.refused(approval.Input{Kind: approval.KindRetrieveFunds, SubAccountID: sa.ID, Amount: "0.02", Reason: "back"}, "op.err.amount_exceeds_free")
		e.create(approval.Input{Kind: approval.KindRetrieveFunds, SubAccountID: sa.ID, Amount: "0.01", Reason: "back"})
	})
}

// Amounts never read from Huawei Cloud are not "0.00 available".
func TestDraftRefusedWhenAmountNotRead(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{noRunner: true})
		sub := e.subs(1)[0]
		for _, q := range []string{`DELETE FROM master_credits`, `DELETE FROM master_balances`} {
			if err := db.Gorm().Exec(q).Error; err != nil {
				t.Fatal(err)
			}
		}
		e.refused(e.transfer(sub.ID, "1.00"), "op.err.master_not_read")
		f, err := e.svc.Funds(e.ctx, e.users["finance"], approval.FundsQuery{Kind: approval.KindTransferFunds, SubAccountID: sub.ID})
		if err != nil || f.AsOf != nil {
			t.Fatalf("Funds before a read = %+v, %v", f, err)
		}
		if err := db.Gorm().Exec(`UPDATE sub_account_reads SET balances_synced_at = NULL WHERE sub_account_id = ?`, sub.ID).Error; err != nil {
			t.Fatal(err)
		}
		e.refused(approval.Input{Kind: approval.KindRetrieveFunds, SubAccountID: sub.ID, Amount: "1.00", Reason: "back"}, "op.err.sub_not_read")
	})
}

// After a transfer settles, the master's stored amounts are Huawei Cloud's new figure
// within seconds, without the periodic sync.
func TestMasterRefreshedAfterSettlement(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{})
		sub := e.subs(1)[0]
		before, err := db.MasterBalances(e.ctx, e.master)
		if err != nil {
			t.Fatal(err)
		}
		tr := e.create(e.transfer(sub.ID, "157.25"))
		e.approve(tr.ID, "approver")
		e.wait(tr.ID, approval.StateSucceeded)
		pg, err := e.up.TransferableAmounts(e.ctx, bss.BalanceDebit, bss.Page{})
		if err != nil || len(pg.Items) == 0 {
			t.Fatalf("upstream master amounts: %+v %v", pg, err)
		}
		want := pg.Items[0].Available
		if want.Cmp(before.Debit) == 0 {
			t.Fatalf("the sandbox's master did not move (%s)", want)
		}
		var got money.Amount
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			mb, err := db.MasterBalances(e.ctx, e.master)
			if err != nil {
				t.Fatal(err)
			}
			if got = mb.Debit; got.Cmp(want) == 0 {
				return
			}
		}
		t.Fatalf("stored master debit %s, Huawei Cloud shows %s (before %s)", got, want, before.Debit)
	})
}

// Drafts checked at the same moment cannot both take the same free amount, and a
// batch's rows count against it one after the other.
func TestConcurrentDraftsAndBatchAgainstFreeAmount(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{noRunner: true})
		subs := e.subs(2)
		e.setMasterDebit("1000.00")
		const n = 8
		var wg sync.WaitGroup
		var ok, refused atomic.Int64
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.svc.Create(e.ctx, e.users["finance"], e.transfer(subs[i%2].ID, "250.00"), "")
				var ve *approval.ValidationError
				switch {
				case err == nil:
					ok.Add(1)
				case errors.As(err, &ve) && ve.Fields["amount"] == "op.err.amount_exceeds_free":
					refused.Add(1)
				default:
					t.Errorf("create: %v %+v", err, fieldsOf(err))
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 4 || refused.Load() != n-4 {
			t.Fatalf("%d accepted, %d refused; want 4 and %d", ok.Load(), refused.Load(), n-4)
		}

		e.setMasterDebit("1500.00") // 500.00 free
		rows := []approval.BatchRow{{Line: 1, SubAccount: subs[0].ID, Amount: "300.00"}, {Line: 2, SubAccount: subs[1].ID, Amount: "200.01"}}
		_, err := e.svc.CreateBatch(e.ctx, e.users["finance"], approval.KindTransferFunds, "batch", rows, "")
		var be *approval.BatchErrors
		if !errors.As(err, &be) || len(be.Rows) != 1 || be.Rows[0].Line != 2 || be.Rows[0].Message != "op.err.amount_exceeds_free" ||
			be.Rows[0].Params["free"] != "200.00 CNY" || be.Rows[0].Params["reserved"] != "1,300.00 CNY" {
			t.Fatalf("batch over the free amount: %v %+v", err, be)
		}
		rows[1].Amount = "200.00"
		if _, err := e.svc.CreateBatch(e.ctx, e.users["finance"], approval.KindTransferFunds, "batch", rows, ""); err != nil {
			t.Fatalf("batch within the free amount: %v", err)
		}
	})
}
