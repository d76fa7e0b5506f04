package execute_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

func TestFaults(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{})
		subs := e.subs(3)
		url := e.sb.URL()

		// Lost response: applied upstream, no answer → unknown, or (if the client's own
		// retry with the same trans_id got CBC.99007009) confirmed at once; the
		// reconciler settles unknown with the same trans_id and confirmation.
		setFaults(t, url, `{"drop_response_rate": 1, "paths": ["/v2/enterprises/multi-accounts/transfer-amount"]}`)
		lost := e.create(e.transfer(subs[0].ID, "7.00"))
		e.approve(lost.ID, "approver")
		got := e.wait(lost.ID, approval.StateUnknown, approval.StateSucceeded)
		setFaults(t, url, "")
		if got.State == approval.StateUnknown {
			if n, err := e.exec.Reconcile(e.ctx); err != nil || n != 1 {
				t.Fatalf("reconcile: %d %v", n, err)
			}
		}
		if got = e.op(lost.ID); got.State != approval.StateSucceeded {
			t.Fatalf("lost response: %s %+v", got.State, got.Error)
		}
		if n := ledgerCount(t, url)[lost.TransID]; n != 1 {
			t.Fatalf("lost response applied %d times", n)
		}

		// CBC.99007009 without matching balances stays unknown: the sub-account's money
		// moved by something else since the observation.
		dup := e.create(e.transfer(subs[1].ID, "5.00"))
		e.approve(dup.ID, "approver")
		e.wait(dup.ID, approval.StateSucceeded)
		db.Gorm().Exec(`UPDATE operations SET state = 'unknown', observed_before = '{"available":"0.01"}' WHERE id = ?`, dup.ID)
		if n, _ := e.exec.Reconcile(e.ctx); n != 0 {
			t.Fatal("settled without confirmation")
		}
		if got := e.op(dup.ID); got.State != approval.StateUnknown {
			t.Fatalf("unconfirmed duplicate: %s", got.State)
		}
		if _, err := e.svc.Resolve(e.ctx, e.users["finance"], dup.ID, approval.StateSucceeded, "checked"); err == nil {
			t.Fatal("finance resolved")
		}
		if got, err := e.svc.Resolve(e.ctx, e.users["admin"], dup.ID, approval.StateSucceeded, "checked the console"); err != nil || got.State != approval.StateSucceeded {
			t.Fatalf("resolve: %v", err)
		}

		// 5xx on a renewal → unknown (never resent: renewals have no trans_id upstream).
		res, _, _ := db.ListResources(e.ctx, authz.Everything, store.ResourceFilter{MainOnly: true, Status: 2, Limit: 1})
		setFaults(t, url, `{"error_rate": 1, "status": 503, "paths": ["/v2/orders/subscriptions/resources/renew"]}`)
		rn := e.create(approval.Input{Kind: approval.KindRenewResources, ResourceIDs: []string{res[0].ResourceID}, PeriodType: "year", PeriodNum: 1, Reason: "r"})
		e.approve(rn.ID, "approver")
		if got := e.wait(rn.ID, approval.StateUnknown, approval.StateFailed, approval.StateSucceeded); got.State != approval.StateUnknown {
			t.Fatalf("renewal on 503: %s", got.State)
		}
		setFaults(t, url, "")
		_, _ = e.exec.Reconcile(e.ctx)
		if got := e.op(rn.ID); got.State != approval.StateUnknown {
			t.Fatalf("renewal resent by the reconciler: %s", got.State)
		}

		// CBC.99007461: another movement holds the master's slot → retried later.
		setFaults(t, url, `{"movement_ms": 700}`)
		done := make(chan error, 1)
		go func() {
			done <- e.up.Transfer(e.ctx, bss.Movement{SubAccountID: bss.SubAccountID(subs[2].ID), Amount: mustAmount("1.00"), TransID: bss.NewTransID(), BalanceType: bss.BalanceDebit})
		}()
		time.Sleep(100 * time.Millisecond)
		busy := e.create(e.transfer(subs[2].ID, "2.00"))
		e.approve(busy.ID, "approver")
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		setFaults(t, url, "")
		got = e.wait(busy.ID, approval.StateSucceeded, approval.StateFailed)
		if got.State != approval.StateSucceeded || ledgerCount(t, url)[busy.TransID] != 1 {
			t.Fatalf("after CBC.99007461: %s (attempts %d)", got.State, got.Attempts)
		}
	})
}

func TestBulk(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		rows := 1000
		if db.Dialect() == store.DialectSQLite || testing.Short() {
			rows = 200
		}
		// Polling for jobs every 20 ms, as before the 100 ms default: River fetches again
		// only once its cooldown (the poll interval, at most 100 ms) has passed, and at
		// 100 ms the 1000 rows took half as long again. Alone: beside the other tests the
		// rows missed the 2-minute deadline on two busy cores.
		e := newEnv(t, db, envOpts{rate: 1000, poll: 20 * time.Millisecond, alone: true})
		subs := e.subs(10)
		var b strings.Builder
		b.WriteString("子账号,金额,余额类型,原因\n")
		for i := range rows {
			fmt.Fprintf(&b, "%s,%d.%02d,现金,row %d\n", subs[i%len(subs)].Name, 1+i%3, i%100, i)
		}
		parsed, err := approval.ParseCSV(strings.NewReader(b.String()))
		if err != nil || len(parsed) != rows {
			t.Fatalf("parse: %d %v", len(parsed), err)
		}
		bad := append([]approval.BatchRow{}, parsed...)
		bad[3].Amount, bad[7].SubAccount = "1.001", "nobody"
		_, err = e.svc.CreateBatch(e.ctx, e.users["finance"], approval.KindTransferFunds, "bulk", bad, "")
		be, ok := err.(*approval.BatchErrors)
		if !ok || len(be.Rows) != 2 {
			t.Fatalf("invalid rows: %v", err)
		}
		if n, _ := db.CountOperations(e.ctx, store.OperationFilter{}); n != 0 {
			t.Fatal("an invalid batch created operations")
		}
		batch, err := e.svc.CreateBatch(e.ctx, e.users["finance"], approval.KindTransferFunds, "bulk", parsed, "bulk-1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ApproveBatch(e.ctx, e.users["finance"], batch.ID, goodCode, ""); err != approval.ErrSelfApproval {
			t.Fatalf("self-approval of a batch: %v", err)
		}
		start := time.Now()
		for i := 0; i < batch.RequiredApprovals; i++ {
			if _, err := e.svc.ApproveBatch(e.ctx, e.users[[]string{"approver", "approver2"}[i]], batch.ID, goodCode, ""); err != nil {
				t.Fatal(err)
			}
		}
		for {
			p, err := e.svc.BatchProgress(e.ctx, e.users["finance"], batch.ID)
			if err != nil {
				t.Fatal(err)
			}
			if p.Finished {
				if p.Succeeded != rows {
					t.Fatalf("progress %+v", p)
				}
				break
			}
			if time.Since(start) > 2*time.Minute {
				t.Fatalf("bulk stuck: %+v", p)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("bulk %d rows executed in %s", rows, time.Since(start))
		// The requester hears of the batch once, with the counts, not once per row.
		notes, err := db.ListNotifications(e.ctx, e.users["finance"].UserID, false, 5*rows)
		if err != nil {
			t.Fatal(err)
		}
		perRow, finished := 0, 0
		for _, n := range notes {
			switch {
			case n.Kind == "notify.batch.finished" && n.BatchID != nil && *n.BatchID == batch.ID:
				finished++
				if want := fmt.Sprintf(`"succeeded":"%d"`, rows); !strings.Contains(n.Params, want) || !strings.Contains(n.Params, `"failed":"0"`) {
					t.Fatalf("batch notice params: %s", n.Params)
				}
			case strings.HasPrefix(n.Kind, "notify.op."):
				perRow++
			}
		}
		if finished != 1 || perRow != 0 {
			t.Fatalf("requester notices: %d batch-finished, %d per row", finished, perRow)
		}
		counts := ledgerCount(t, e.sb.URL())
		ops, _ := db.BatchOperations(e.ctx, batch.ID)
		for _, o := range ops {
			if counts[o.TransID] != 1 {
				t.Fatalf("row %d applied %d times", o.BatchLine, counts[o.TransID])
			}
		}
		var out bytes.Buffer
		if err := e.svc.BatchResultCSV(e.ctx, e.users["finance"], batch.ID, &out); err != nil || strings.Count(out.String(), "\n") != rows+1 {
			t.Fatalf("result csv: %v", err)
		}
		_ = money.DefaultCurrency
	})
}
