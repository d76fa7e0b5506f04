package execute_test

import (
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// A resource operation on a sub-account's resources executes through that sub-account's
// stored credential (its own sandbox), exactly once, and never through the master; a draft
// without an enabled credential is refused; a credential disabled between approval and
// execution fails the operation without sending anything.
func TestResourceOperationThroughSubCredential(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{subCred: true})
		res, _, err := db.ListResources(e.ctx, authz.Everything, store.ResourceFilter{AccountID: e.subID, MainOnly: true, Status: 2, Limit: 2})
		if err != nil || len(res) < 2 {
			t.Fatalf("the sub-account's main resources were not synced with its credential: %d (%v)", len(res), err)
		}
		resource := func(sb *sandbox.Running, id string) (sandbox.ResourceSummary, int) {
			st := sb.Server().State("")
			for _, r := range st.Resources {
				if r.ResourceID == id {
					return r, st.Orders
				}
			}
			return sandbox.ResourceSummary{}, st.Orders
		}
		before, subOrders := resource(e.sbSub, res[0].ResourceID)
		_, masterOrders := resource(e.sb, "")

		op := e.create(approval.Input{Kind: approval.KindRenewResources, ResourceIDs: []string{res[0].ResourceID}, PeriodType: "month", PeriodNum: 1, Reason: "renew"})
		if op.MasterAccountID != e.master || op.Params.AccountID != e.subID {
			t.Fatalf("renew of the sub-account's resource: master %q account %q", op.MasterAccountID, op.Params.AccountID)
		}
		e.approve(op.ID, "approver")
		if got := e.wait(op.ID, approval.StateSucceeded, approval.StateFailed, approval.StateUnknown); got.State != approval.StateSucceeded {
			t.Fatalf("renew through the sub-account's credential: %s %+v", got.State, got.Error)
		}
		after, subOrdersAfter := resource(e.sbSub, res[0].ResourceID)
		if subOrdersAfter != subOrders+1 || after.ExpireTime == before.ExpireTime {
			t.Fatalf("the sub-account's upstream: %d orders (was %d), expiry %s (was %s); want one renewal", subOrdersAfter, subOrders, after.ExpireTime, before.ExpireTime)
		}
		if _, n := resource(e.sb, ""); n != masterOrders {
			t.Fatalf("the master's upstream saw the renewal: %d orders, was %d", n, masterOrders)
		}

		// Drafted while the credential exists, disabled before it runs: fails, nothing sent.
		e.runner.Stop(e.ctx) //nolint:errcheck // restarted below
		pending := e.create(approval.Input{Kind: approval.KindAutoRenew, ResourceIDs: []string{res[1].ResourceID}, Operation: "set", PeriodType: "month", Reason: "r"})
		e.setSubCredEnabled(false)
		e.start()
		e.approve(pending.ID, "approver")
		got := e.wait(pending.ID, approval.StateSucceeded, approval.StateFailed, approval.StateUnknown)
		if got.State != approval.StateFailed || got.Error == nil || got.Error.Code != "credentials_unavailable" {
			t.Fatalf("credential disabled before execution: %s %+v", got.State, got.Error)
		}
		if _, n := resource(e.sbSub, ""); n != subOrdersAfter {
			t.Fatalf("something was sent to the sub-account's upstream: %d orders", n)
		}

		// No enabled credential: the draft is refused with its reason.
		_, err = e.svc.Create(e.ctx, e.users["finance"], approval.Input{Kind: approval.KindRenewResources, ResourceIDs: []string{res[0].ResourceID},
			PeriodType: "month", PeriodNum: 1, Reason: "r"}, "")
		if f := fieldsOf(err); f["resource_ids"] != "op.err.resources_no_credentials" {
			t.Fatalf("draft without credentials: %v %v", err, f)
		}
		// Nor can one operation mix the master's and the sub-account's resources.
		e.setSubCredEnabled(true)
		mine, _, err := db.ListResources(e.ctx, authz.Everything, store.ResourceFilter{AccountID: e.master, MainOnly: true, Status: 2, Limit: 1})
		if err != nil || len(mine) == 0 {
			t.Fatalf("master's resources: %v", err)
		}
		_, err = e.svc.Create(e.ctx, e.users["finance"], approval.Input{Kind: approval.KindAutoRenew, ResourceIDs: []string{mine[0].ResourceID, res[0].ResourceID},
			Operation: "set", PeriodType: "month", Reason: "r"}, "")
		if f := fieldsOf(err); f["resource_ids"] != "op.err.resources_accounts" {
			t.Fatalf("mixing the master's and a sub-account's resources: %v %v", err, f)
		}
	})
}

// A resumed execution (the worker died after claiming it) whose sub-account credential
// vanished meanwhile may have been sent: it goes unknown, and once the credential is back
// the reconciler settles it through the sub-account's client, never the master's.
func TestResumedSubCredentialOperationGoesUnknown(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{subCred: true, noRunner: true})
		res, _, err := db.ListResources(e.ctx, authz.Everything, store.ResourceFilter{AccountID: e.subID, MainOnly: true, Status: 2, Limit: 1})
		if err != nil || len(res) == 0 {
			t.Fatalf("sub-account resources: %v", err)
		}
		policy := func(sb *sandbox.Running) int {
			for _, r := range sb.Server().State("").Resources {
				if r.ResourceID == res[0].ResourceID {
					return r.ExpirePolicy
				}
			}
			return -1
		}
		before := policy(e.sbSub)
		set := "set"
		if before == int(bss.ExpireAutoRenew) {
			set = "cancel" // already renewing automatically: the change is to stop it
		}
		op := e.create(approval.Input{Kind: approval.KindAutoRenew, ResourceIDs: []string{res[0].ResourceID}, Operation: set, PeriodType: "month", Reason: "r"})
		e.approve(op.ID, "approver")
		// The worker claimed it and died; meanwhile the credential was disabled.
		storetest.ForceOperation(t, db, op.ID, string(approval.StateApproved), map[string]any{"state": string(approval.StateExecuting), "updated_at": time.Now().UTC()})
		e.setSubCredEnabled(false)
		if err := e.exec.Execute(e.ctx, op.ID); err != nil {
			t.Fatal(err)
		}
		if got := e.op(op.ID); got.State != approval.StateUnknown || got.Error == nil || got.Error.Code != "credentials_unavailable" {
			t.Fatalf("resumed without its credential: %s %+v", got.State, got.Error)
		}
		if n, err := e.exec.Reconcile(e.ctx); err != nil || n != 0 {
			t.Fatalf("reconcile without the credential settled %d (%v)", n, err)
		}
		e.setSubCredEnabled(true)
		if n, err := e.exec.Reconcile(e.ctx); err != nil || n != 1 {
			t.Fatalf("reconcile with the credential back: %d %v", n, err)
		}
		if got := e.op(op.ID); got.State != approval.StateSucceeded {
			t.Fatalf("after reconcile: %s %+v", got.State, got.Error)
		}
		if after := policy(e.sbSub); after == before {
			t.Fatalf("the sub-account's upstream did not get the auto-renew (policy %d)", after)
		}
	})
}
