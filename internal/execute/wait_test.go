package execute_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/execute"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// Waiting for the master's movement lock, or for another movement of the same sub-account
// whose worker died during its call, is a snooze of the job: the operation stays approved
// and gets no operation.execute event (issue 11: 550 of them for one operation while a
// dead job waited to be rescued). The attempt that follows writes exactly one.
func TestWaitingIsASnooze(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{noRunner: true})
		ex := execute.New(db, e.up, execute.Options{Notifier: e.svc.Notifier(), LockWait: 200 * time.Millisecond, LockLease: time.Minute})
		subs := e.subs(2)
		dead := e.create(e.transfer(subs[0].ID, "1.00"))
		behind := e.create(e.transfer(subs[0].ID, "2.00"))
		other := e.create(e.transfer(subs[1].ID, "3.00"))
		for _, op := range []*approval.Operation{dead, behind, other} {
			e.approve(op.ID, "approver")
		}
		// dead's worker was killed during its call: claimed, observed, not settled.
		storetest.ForceOperation(t, db, dead.ID, string(approval.StateApproved), map[string]any{
			"state": string(approval.StateExecuting), "attempts": 1, "observed_before": `{}`, "observed_at": time.Now().UTC(),
		})
		for range 5 {
			if err := ex.Execute(e.ctx, behind.ID); !errors.Is(err, execute.ErrRetryLater) {
				t.Fatalf("behind a movement in flight: %v, want ErrRetryLater", err)
			}
		}
		if got := e.op(behind.ID); got.State != approval.StateApproved || got.Attempts != 0 {
			t.Fatalf("behind a movement in flight: %s after %d attempts, want approved after none", got.State, got.Attempts)
		}
		if n := executeCount(t, db, behind.ID); n != 0 {
			t.Fatalf("waiting behind a movement in flight wrote %d operation.execute events", n)
		}

		// Another process holds the master's lock: the wait is bounded by LockWait.
		unlock, err := db.LockMovements(e.ctx, e.master, "other-process", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
			start := time.Now()
			err := ex.Execute(ctx, other.ID)
			cancel()
			if !errors.Is(err, execute.ErrRetryLater) || time.Since(start) > 2*time.Second {
				t.Fatalf("waiting for the lock: %v after %s, want ErrRetryLater after about 200ms", err, time.Since(start))
			}
		}
		if n := executeCount(t, db, other.ID); n != 0 {
			t.Fatalf("waiting for the movement lock wrote %d operation.execute events", n)
		}
		unlock()

		// Once dead's outcome is recorded (the reconciler or its rescued job) and the lock is
		// free, each runs once, with one event.
		if ok, err := db.MarkFailed(e.ctx, dead.ID, store.Settlement{}, time.Now()); err != nil || !ok {
			t.Fatalf("settle the dead execution: %v %v", ok, err)
		}
		// (With serve's lock wait: 200 ms did not cover taking a free lock on SQLite on a
		// busy machine.)
		free := execute.New(db, e.up, execute.Options{Notifier: e.svc.Notifier(), LockLease: time.Minute})
		for _, op := range []*approval.Operation{behind, other} {
			if err := free.Execute(e.ctx, op.ID); err != nil {
				t.Fatal(err)
			}
			if got := e.op(op.ID); got.State != approval.StateSucceeded {
				t.Fatalf("operation %d: %s %+v", op.ID, got.State, got.Error)
			}
			if n := executeCount(t, db, op.ID); n != 1 {
				t.Fatalf("operation %d: %d operation.execute events, want 1", op.ID, n)
			}
		}
	})
}
