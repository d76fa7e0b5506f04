package execute_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
)

// Every kind through create → approve → execute against the sandbox over HTTP.
func TestEveryKindEndToEnd(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{})
		subs := e.subs(3)
		before := e.sb.Server().State(subs[0].ID).SubAccounts[0].Debit

		tr := e.create(e.transfer(subs[0].ID, "123.45"))
		if tr.State != approval.StatePending || len(tr.TransID) != 32 {
			t.Fatalf("created %+v", tr)
		}
		e.approve(tr.ID, "approver")
		done := e.wait(tr.ID, approval.StateSucceeded)
		after := e.sb.Server().State(subs[0].ID).SubAccounts[0].Debit
		if diff := mustAmount(after).Sub(mustAmount(before)); diff.String() != "123.45" {
			t.Fatalf("sub debit moved by %s", diff)
		}
		if n := ledgerCount(t, e.sb.URL())[done.TransID]; n != 1 {
			t.Fatalf("ledger entries for trans_id: %d", n)
		}
		if sub, ok := e.wasSettled(tr.ID); !ok || sub != subs[0].ID {
			t.Fatalf("the Settled hook (which refreshes the sub-account's cache) saw %q %v", sub, ok)
		}
		for _, a := range []string{approval.ActionCreate, approval.ActionSubmit, approval.ActionApprove, approval.ActionExecute, approval.ActionSucceed} {
			if n := auditCount(t, db, a, tr.ID); n != 1 {
				t.Fatalf("%s audited %d times", a, n)
			}
		}
		tl, err := e.svc.Timeline(e.ctx, e.users["finance"], tr.ID)
		if err != nil || len(tl) != 5 {
			t.Fatalf("timeline %d %v", len(tl), err)
		}
		if n, _ := e.svc.Notifier().CountUnread(e.ctx, e.users["finance"].UserID); n < 2 {
			t.Fatalf("requester notifications: %d", n)
		}

		e.sync()
		re := e.create(approval.Input{Kind: approval.KindRetrieveFunds, SubAccountID: subs[0].ID, Amount: "23.45", Reason: "back"})
		e.approve(re.ID, "approver")
		e.wait(re.ID, approval.StateSucceeded)

		// Coupons: allocate part of a master coupon, sync, recover the sub-coupon.
		coupons, _, err := db.ListCoupons(e.ctx, authz.Everything, store.CouponFilter{Limit: 10})
		if err != nil || len(coupons) == 0 {
			t.Fatalf("no master coupons: %v", err)
		}
		tc := e.create(approval.Input{Kind: approval.KindTransferCoupon, SubAccountID: subs[1].ID, CouponID: coupons[0].CouponID, Amount: "1.00", Reason: "c"})
		e.approve(tc.ID, "approver")
		tcDone := e.wait(tc.ID, approval.StateSucceeded)
		if !strings.Contains(string(tcDone.Response), "sub_coupon_id") {
			t.Fatalf("coupon response %s", tcDone.Response)
		}
		e.sync()
		held, _, _ := db.ListCoupons(e.ctx, authz.Everything, store.CouponFilter{SubAccountID: subs[1].ID, Limit: 10})
		if len(held) == 0 {
			t.Fatal("sub-coupon not in cache")
		}
		rc := e.create(approval.Input{Kind: approval.KindRetrieveCoupon, SubAccountID: subs[1].ID, CouponID: held[0].CouponID, SubCouponID: held[0].SubCouponID, Reason: "c"})
		e.approve(rc.ID, "approver")
		e.wait(rc.ID, approval.StateSucceeded)

		// Resources.
		res, _, err := db.ListResources(e.ctx, authz.Everything, store.ResourceFilter{MainOnly: true, Status: 2, Limit: 10})
		if err != nil || len(res) < 4 {
			t.Fatalf("main resources: %d %v", len(res), err)
		}
		expBefore := e.sb.Server().State("").Resources
		rn := e.create(approval.Input{Kind: approval.KindRenewResources, ResourceIDs: []string{res[0].ResourceID}, PeriodType: "month", PeriodNum: 2, AutoPay: true, Reason: "r"})
		e.approve(rn.ID, "approver")
		e.wait(rn.ID, approval.StateSucceeded)
		if expiryOf(e.sb.Server().State("").Resources, res[0].ResourceID) == expiryOf(expBefore, res[0].ResourceID) {
			t.Fatal("renewal did not extend the expiry")
		}
		for _, in := range []approval.Input{
			{Kind: approval.KindToOnDemand, ResourceIDs: []string{res[1].ResourceID}, Operation: "set", Reason: "r"},
			{Kind: approval.KindAutoRenew, ResourceIDs: []string{res[2].ResourceID}, Operation: "set", Reason: "r"},
			{Kind: approval.KindUnsubscribeResources, ResourceIDs: []string{res[3].ResourceID}, UnsubscribeType: 1, UnsubscribeReasonType: 1, Reason: "r"},
		} {
			op := e.create(in)
			e.approve(op.ID, "approver")
			if got := e.wait(op.ID, approval.StateSucceeded, approval.StateFailed); got.State != approval.StateSucceeded {
				t.Fatalf("%s: %s %+v", in.Kind, got.State, got.Error)
			}
		}
	})
}

func expiryOf(rs []sandboxResource, id string) string {
	for _, r := range rs {
		if r.ResourceID == id {
			return r.ExpireTime
		}
	}
	return ""
}

func TestValidation(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{noRunner: true})
		sub := e.subs(1)[0]
		cases := []struct {
			in    approval.Input
			field string
			msg   string
		}{
			{e.transfer(sub.ID, "0"), "amount", "op.err.amount_positive"},
			{e.transfer(sub.ID, "1.234"), "amount", "op.err.amount_decimals"},
			{e.transfer(sub.ID, "99999999999"), "amount", "op.err.amount_exceeds_available"},
			{e.transfer("nope", "1"), "sub_account_id", "op.err.sub_account_not_found"},
			{approval.Input{Kind: approval.KindRetrieveFunds, SubAccountID: sub.ID, Amount: "1", BalanceType: "gold", Reason: "x"}, "balance_type", "op.err.balance_type"},
			{approval.Input{Kind: approval.KindRenewResources, ResourceIDs: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}, PeriodType: "month", PeriodNum: 1, Reason: "x"}, "resource_ids", "op.err.resources_too_many"},
			{approval.Input{Kind: approval.KindRenewResources, ResourceIDs: []string{"missing"}, PeriodType: "month", PeriodNum: 12, Reason: "x"}, "period_num", "op.err.period_range"},
			{approval.Input{Kind: approval.KindUnsubscribeResources, ResourceIDs: []string{"missing"}, UnsubscribeType: 3, UnsubscribeReasonType: 9, Reason: "x"}, "unsubscribe_type", "op.err.unsubscribe_type"},
			{approval.Input{Kind: approval.KindToOnDemand, ResourceIDs: []string{"x"}, Operation: "maybe", Reason: "x"}, "operation", "op.err.operation_invalid"},
			{approval.Input{Kind: approval.KindTransferFunds, SubAccountID: sub.ID, Amount: "1"}, "reason", "op.err.reason_required"},
		}
		for _, c := range cases {
			_, err := e.svc.Create(e.ctx, e.users["finance"], c.in, "")
			if got := fieldsOf(err)[c.field]; got != c.msg {
				t.Errorf("%s %s: field %s = %q, want %q (all %v)", c.in.Kind, c.in.Amount, c.field, got, c.msg, fieldsOf(err))
			}
		}
		res, _, _ := db.ListResources(e.ctx, authz.Everything, store.ResourceFilter{Limit: 500})
		for _, r := range res {
			if !r.IsMain {
				_, err := e.svc.Create(e.ctx, e.users["finance"], approval.Input{Kind: approval.KindRenewResources, ResourceIDs: []string{r.ResourceID}, PeriodType: "year", PeriodNum: 1, Reason: "x"}, "")
				if fieldsOf(err)["resource_ids"] != "op.err.resource_not_main" {
					t.Errorf("child resource: %v", fieldsOf(err))
				}
				break
			}
		}
		if _, err := e.svc.Create(e.ctx, e.users["auditor"], e.transfer(sub.ID, "1"), ""); !errors.Is(err, approval.ErrForbidden) {
			t.Errorf("auditor create: %v", err)
		}
	})
}

func TestPolicyAndSelfApproval(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{})
		sub := e.subs(1)[0]
		big := e.create(e.transfer(sub.ID, "10000.00"))
		if big.RequiredApprovals != 2 {
			t.Fatalf("required %d", big.RequiredApprovals)
		}
		if _, err := e.svc.Approve(e.ctx, e.users["finance"], big.ID, goodCode, "", ""); !errors.Is(err, approval.ErrSelfApproval) {
			t.Fatalf("self approval: %v", err)
		}
		if _, err := e.svc.Approve(e.ctx, e.users["approver"], big.ID, "000000", "", ""); !errors.Is(err, approval.ErrStepUp) {
			t.Fatalf("bad code: %v", err)
		}
		if op := e.approve(big.ID, "approver"); op.State != approval.StatePending {
			t.Fatalf("after one approval: %s", op.State)
		}
		if _, err := e.svc.Approve(e.ctx, e.users["approver"], big.ID, goodCode, "", ""); !errors.Is(err, approval.ErrAlreadyDecided) {
			t.Fatalf("second decision: %v", err)
		}
		e.approve(big.ID, "approver2")
		e.wait(big.ID, approval.StateSucceeded)

		// A requester holding admin+approver+finance never approves or rejects their own.
		own, err := e.svc.Create(e.ctx, e.users["boss"], e.transfer(sub.ID, "5.00"), "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Approve(e.ctx, e.users["boss"], own.ID, goodCode, "", ""); !errors.Is(err, approval.ErrSelfApproval) {
			t.Fatalf("boss self approval: %v", err)
		}
		if _, err := e.svc.Reject(e.ctx, e.users["boss"], own.ID, ""); !errors.Is(err, approval.ErrSelfApproval) {
			t.Fatalf("boss self reject: %v", err)
		}
		if n, _ := e.svc.CountPendingFor(e.ctx, e.users["boss"]); n != 0 {
			t.Fatalf("boss inbox holds own request: %d", n)
		}
		if n, _ := e.svc.CountPendingFor(e.ctx, e.users["approver"]); n != 1 {
			t.Fatalf("approver inbox: %d", n)
		}
		// Wrong state.
		if _, err := e.svc.Reject(e.ctx, e.users["approver"], own.ID, "no"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Approve(e.ctx, e.users["approver2"], own.ID, goodCode, "", ""); !errors.Is(err, approval.ErrWrongState) {
			t.Fatalf("approve rejected: %v", err)
		}
		if _, err := e.svc.Cancel(e.ctx, e.users["boss"], own.ID); !errors.Is(err, approval.ErrWrongState) {
			t.Fatalf("cancel rejected: %v", err)
		}
		c := e.create(e.transfer(sub.ID, "1.00"))
		if _, err := e.svc.Cancel(e.ctx, e.users["approver"], c.ID); !errors.Is(err, approval.ErrForbidden) {
			t.Fatalf("cancel by other: %v", err)
		}
		if op, err := e.svc.Cancel(e.ctx, e.users["finance"], c.ID); err != nil || op.State != approval.StateCancelled {
			t.Fatalf("cancel: %v", err)
		}

		// A kind without approval goes straight to execution.
		pol := approval.Policy{Kind: approval.KindTransferFunds, NeedsApproval: false, Expiry: time.Hour}
		if err := e.svc.SetPolicy(e.ctx, e.users["admin"], pol); err != nil {
			t.Fatal(err)
		}
		auto := e.create(e.transfer(sub.ID, "2.00"))
		if auto.State != approval.StateApproved && auto.State != approval.StateExecuting && auto.State != approval.StateSucceeded {
			t.Fatalf("no-approval kind created as %s", auto.State)
		}
		e.wait(auto.ID, approval.StateSucceeded)
	})
}

func TestConcurrentSubmissionsAndApprovals(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{noRunner: true})
		sub := e.subs(1)[0]
		in := e.transfer(sub.ID, "3.00")
		var wg sync.WaitGroup
		ids := make([]int64, 50)
		errs := make([]error, 50)
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				op, err := e.svc.Create(e.ctx, e.users["finance"], in, "form-key-1")
				errs[i] = err
				if op != nil {
					ids[i] = op.ID
				}
			}()
		}
		wg.Wait()
		for i := range 50 {
			if errs[i] != nil || ids[i] != ids[0] {
				t.Fatalf("submission %d: id %d vs %d, %v", i, ids[i], ids[0], errs[i])
			}
		}
		n, _ := db.CountOperations(e.ctx, store.OperationFilter{})
		if n != 1 {
			t.Fatalf("%d operations from 50 identical submissions", n)
		}
		in2 := in
		in2.Amount = "4.00"
		if _, err := e.svc.Create(e.ctx, e.users["finance"], in2, "form-key-1"); !errors.Is(err, approval.ErrIdempotencyConflict) {
			t.Fatalf("same key, other input: %v", err)
		}

		// 20 approvers at once: one transition, one job.
		var approvers []approval.Actor
		for i := range 20 {
			approvers = append(approvers, e.user(fmt.Sprintf("appr%d", i), "approver"))
		}
		var ok, wrong int
		var mu sync.Mutex
		for _, a := range approvers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.svc.Approve(e.ctx, a, ids[0], goodCode, "", "")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, approval.ErrWrongState):
					wrong++
				default:
					t.Errorf("approve: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok != 1 || wrong != 19 {
			t.Fatalf("approvals: %d succeeded, %d wrong state", ok, wrong)
		}
		if j := jobCount(t, db, ids[0]); j != 1 {
			t.Fatalf("%d execution jobs", j)
		}
		if op := e.op(ids[0]); op.State != approval.StateApproved || len(op.Approvals) != 1 {
			t.Fatalf("after approvals: %s with %d approvals", op.State, len(op.Approvals))
		}
	})
}

func TestExpiryWithFakeClock(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{noRunner: true})
		sub := e.subs(1)[0]
		op := e.create(e.transfer(sub.ID, "1.00"))
		if n, err := e.svc.ExpireDue(e.ctx); err != nil || n != 0 {
			t.Fatalf("expired early: %d %v", n, err)
		}
		e.clock.Advance(72*time.Hour + time.Minute)
		if n, err := e.svc.ExpireDue(e.ctx); err != nil || n != 1 {
			t.Fatalf("expire: %d %v", n, err)
		}
		if got := e.op(op.ID); got.State != approval.StateExpired {
			t.Fatalf("state %s", got.State)
		}
		if _, err := e.svc.Approve(e.ctx, e.users["approver"], op.ID, goodCode, "", ""); !errors.Is(err, approval.ErrWrongState) {
			t.Fatalf("approve expired: %v", err)
		}
		// The executor never runs a non-approved operation.
		if err := e.exec.Execute(e.ctx, op.ID); err != nil || e.op(op.ID).State != approval.StateExpired {
			t.Fatalf("execute expired: %v", err)
		}
	})
}

func TestSnapshotChangeVoids(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{noRunner: true})
		sub := e.subs(1)[0]
		op := e.create(e.transfer(sub.ID, "1.00"))
		e.approve(op.ID, "approver")
		// Someone changes what executes after approval.
		tampered := strings.Replace(string(mustJSON(op.Params)), `"1.00"`, `"999.00"`, 1)
		if err := db.Gorm().Exec(`UPDATE operations SET params = ? WHERE id = ?`, tampered, op.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := e.exec.Execute(e.ctx, op.ID); err != nil {
			t.Fatal(err)
		}
		got := e.op(op.ID)
		if got.State != approval.StateFailed || got.Error == nil || got.Error.Code != "snapshot_changed" {
			t.Fatalf("tampered operation: %s %+v", got.State, got.Error)
		}
		if n := ledgerCount(t, e.sb.URL())[op.TransID]; n != 0 {
			t.Fatal("tampered operation reached the upstream")
		}
	})
}
