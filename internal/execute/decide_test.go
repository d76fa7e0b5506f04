package execute_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// approvalRows counts an operation's approval rows.
func approvalRows(t testing.TB, e *env, id int64) int {
	t.Helper()
	aps, err := e.db.ApprovalsOf(e.ctx, []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	return len(aps[id])
}

// approveSuccesses counts the successful operation.approve events of an operation.
func approveSuccesses(t testing.TB, e *env, id int64) int {
	t.Helper()
	n := 0
	evs, err := e.db.ListAudit(e.ctx, store.AuditFilter{Action: approval.ActionApprove, TargetType: approval.TargetOperation,
		TargetID: strconv.FormatInt(id, 10), Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Outcome == audit.Success {
			n++
		}
	}
	return n
}

// TestApproveComparesTheSnapshotInItsTransaction: an approval signs the snapshot the
// approver saw; another one is refused with ErrSnapshotChanged and nothing is written.
// An empty expected hash (an API client that sends none) is not compared.
func TestApproveComparesTheSnapshotInItsTransaction(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{noRunner: true})
		op := e.create(e.transfer(e.subs(1)[0].ID, "1.00"))
		stale := strings.Repeat("0", 64)
		_, err := e.svc.Approve(e.ctx, e.users["approver"], op.ID, goodCode, "ok", stale)
		if !errors.Is(err, approval.ErrSnapshotChanged) {
			t.Fatalf("stale snapshot: %v", err)
		}
		if got := e.op(op.ID); got.State != approval.StatePending || approvalRows(t, e, op.ID) != 0 ||
			approveSuccesses(t, e, op.ID) != 0 || jobCount(t, db, op.ID) != 0 || !got.UpdatedAt.Equal(op.UpdatedAt) {
			t.Fatalf("a stale snapshot changed the operation: %s, %d approvals", got.State, approvalRows(t, e, op.ID))
		}
		got, err := e.svc.Approve(e.ctx, e.users["approver"], op.ID, goodCode, "ok", op.SnapshotHash)
		if err != nil || got.State != approval.StateApproved {
			t.Fatalf("current snapshot: %v", err)
		}
	})
}

// TestRejectNeedsAComment: a rejection without a reason (empty or blank) is refused with
// a field error; the operation stays pending and nothing is written.
func TestRejectNeedsAComment(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{noRunner: true})
		op := e.create(e.transfer(e.subs(1)[0].ID, "1.00"))
		for _, c := range []string{"", "  \t "} {
			_, err := e.svc.Reject(e.ctx, e.users["approver"], op.ID, c)
			if fieldsOf(err)["comment"] != "op.err.comment_required" {
				t.Fatalf("reject %q: %v %v", c, err, fieldsOf(err))
			}
		}
		if e.op(op.ID).State != approval.StatePending || approvalRows(t, e, op.ID) != 0 || auditCount(t, db, approval.ActionReject, op.ID) != 0 {
			t.Fatal("a reasonless rejection wrote")
		}
		if _, err := e.svc.Reject(e.ctx, e.users["approver"], op.ID, " wrong amount "); err != nil {
			t.Fatal(err)
		}
	})
}

// TestApproveManyVerifiesOnceAndDecidesEach: one code for the batch, checked once; each
// operation is decided on its own (row, event, transaction) and what may not be
// approved fails alone with its reason.
func TestApproveManyVerifiesOnceAndDecidesEach(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{noRunner: true})
		subs := e.subs(1)
		// A scoped approver who also requests: scope "org-mine".
		checker := e.user("checker", authz.Approver, authz.Finance)
		checker.Scopes = []string{"org-mine"}
		var ok []*approval.Operation
		for _, amt := range []string{"1.00", "2.00", "3.00"} {
			ok = append(ok, e.create(e.transfer(subs[0].ID, amt)))
		}
		own := e.create(e.transfer(subs[0].ID, "4.00"))
		away := e.create(e.transfer(subs[0].ID, "5.00"))
		done := e.create(e.transfer(subs[0].ID, "6.00"))
		storetest.ForceOperation(t, db, own.ID, string(approval.StatePending), map[string]any{"requested_by": checker.UserID})
		for _, o := range append([]*approval.Operation{own, away, done}, ok...) {
			path := "/org-mine/"
			if o == away {
				path = "/org-other/"
			}
			storetest.ForceOperation(t, db, o.ID, string(approval.StatePending), map[string]any{"org_path": path})
		}
		e.approve(done.ID, "approver")
		items := []approval.ApproveItem{{ID: ok[0].ID, SnapshotHash: ok[0].SnapshotHash}, {ID: ok[1].ID}, {ID: ok[2].ID, SnapshotHash: ok[2].SnapshotHash},
			{ID: own.ID}, {ID: away.ID}, {ID: done.ID, SnapshotHash: done.SnapshotHash}}

		// A wrong code fails everything, checked once.
		before := e.stepUp.calls.Load()
		if _, err := e.svc.ApproveMany(e.ctx, checker, "000000", "month end", items); !errors.Is(err, approval.ErrStepUp) {
			t.Fatalf("wrong code: %v", err)
		}
		if e.stepUp.calls.Load() != before+1 || approvalRows(t, e, ok[0].ID) != 0 {
			t.Fatalf("wrong code: %d checks, %d rows", e.stepUp.calls.Load()-before, approvalRows(t, e, ok[0].ID))
		}

		before = e.stepUp.calls.Load()
		res, err := e.svc.ApproveMany(e.ctx, checker, goodCode, "month end", items)
		if err != nil {
			t.Fatal(err)
		}
		if n := e.stepUp.calls.Load() - before; n != 1 {
			t.Fatalf("the code was checked %d times, want once", n)
		}
		want := []error{nil, nil, nil, approval.ErrSelfApproval, approval.ErrOutOfScope, approval.ErrWrongState}
		if len(res) != len(want) {
			t.Fatalf("%d results", len(res))
		}
		for i, r := range res {
			if r.ID != items[i].ID || !errors.Is(r.Err, want[i]) || (r.Err == nil) != (r.Operation != nil) {
				t.Errorf("item %d: %+v, want %v", i, r, want[i])
			}
		}
		for _, o := range ok {
			if e.op(o.ID).State != approval.StateApproved || approvalRows(t, e, o.ID) != 1 || approveSuccesses(t, e, o.ID) != 1 || jobCount(t, db, o.ID) != 1 {
				t.Errorf("operation %d: %s, %d rows, %d events", o.ID, e.op(o.ID).State, approvalRows(t, e, o.ID), approveSuccesses(t, e, o.ID))
			}
		}
		for _, o := range []*approval.Operation{own, away} {
			if e.op(o.ID).State != approval.StatePending || approvalRows(t, e, o.ID) != 0 || approveSuccesses(t, e, o.ID) != 0 {
				t.Errorf("refused operation %d was written", o.ID)
			}
		}
		if approvalRows(t, e, done.ID) != 1 || approveSuccesses(t, e, done.ID) != 1 {
			t.Error("the already approved operation got a second approval")
		}

		// Bounds: at least one item, at most MaxApproveMany, no id twice; checked before the code.
		before = e.stepUp.calls.Load()
		many := make([]approval.ApproveItem, approval.MaxApproveMany+1)
		for i := range many {
			many[i] = approval.ApproveItem{ID: int64(i + 1)}
		}
		for _, bad := range [][]approval.ApproveItem{nil, many, {{ID: own.ID}, {ID: own.ID}}} {
			if _, err := e.svc.ApproveMany(e.ctx, checker, goodCode, "", bad); fieldsOf(err)["operations"] == "" {
				t.Errorf("%d items: %v", len(bad), err)
			}
		}
		if e.stepUp.calls.Load() != before {
			t.Error("an invalid batch used the code")
		}
		if _, err := e.svc.ApproveMany(e.ctx, e.users["finance"], goodCode, "", items[:1]); !errors.Is(err, approval.ErrForbidden) {
			t.Errorf("finance: %v", err)
		}
	})
}
