package execute_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// The crash tests re-execute this test binary as a worker process (envChild set), which
// SIGKILLs itself at a named point; the sandbox runs in the parent.
const (
	envChild   = "PURSER_TEST_CRASH_CHILD" // "worker" or "approve"
	envDB      = "PURSER_TEST_CRASH_DB"
	envSandbox = "PURSER_TEST_CRASH_SANDBOX"
	envPoint   = "PURSER_TEST_CRASH_AT"
	envOps     = "PURSER_TEST_CRASH_OPS"
)

// childT is the bit of testing.TB the env needs in the child.
type childT struct{ testing.TB }

func (childT) Helper()                   {}
func (childT) Fatal(args ...any)         { fmt.Fprintln(os.Stderr, args...); os.Exit(3) }
func (childT) Fatalf(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...); os.Exit(3) }
func (childT) Cleanup(func())            {}

func runChild() int {
	ctx := context.Background()
	db, err := store.Open(ctx, os.Getenv(envDB), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	mode := os.Getenv(envChild)
	e := newEnv(childT{}, db, envOpts{sandbox: os.Getenv(envSandbox), crashAt: os.Getenv(envPoint), noRunner: mode != "worker", prodTiming: true})
	if mode == "approve" {
		for _, s := range strings.Split(os.Getenv(envOps), ",") {
			id, _ := strconv.ParseInt(s, 10, 64)
			if _, err := e.svc.Approve(ctx, e.users["approver"], id, goodCode, "", ""); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 3
			}
		}
		// Killed right after the last approval committed: jobs are queued, nothing ran.
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
	// The worker runs until it kills itself, or until nothing is left to execute.
	for range 300 {
		time.Sleep(100 * time.Millisecond)
		n, err := db.CountOperations(ctx, store.OperationFilter{States: []string{"approved", "executing"}})
		if err == nil && n == 0 {
			return 0
		}
	}
	return 0
}

// Recovery targets (issue 11): everything settles within recoveryTarget of the last
// restart, and an operation gets at most maxExecuteEvents claims (operation.execute events):
// waiting for the master's lock or for another movement of the same sub-account is a
// snooze, not an attempt.
const (
	recoveryTarget   = 2 * time.Minute
	maxExecuteEvents = 3
)

// TestCrashAtEveryPoint SIGKILLs worker processes at every point of an execution (after
// the approval, after the claim, during the call, after the upstream applied it), with
// serve's job timing, then restarts one worker and measures how long everything takes to
// settle and how many attempts each operation was given. Several transfers go to each
// sub-account, so that most of them wait behind another movement of the same master and
// sub-account, some behind one whose worker died during its call.
func TestCrashAtEveryPoint(t *testing.T) {
	t.Parallel() // its own database and sandbox; most of its time is River's rescue horizon
	if testing.Short() {
		t.Skip("crash test: subprocesses")
	}
	url := storetest.PostgresURL(t)
	ctx := context.Background()
	db, err := store.Open(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db, envOpts{noRunner: true, prodTiming: true})
	// The upstream takes a moment per movement, so "sent" kills land during the call.
	setFaults(t, e.sb.URL(), `{"movement_ms": 60}`)
	const nSubs, perSub = 4, 3
	subs := e.subs(nSubs)
	var all []*approval.Operation
	kills := map[string]int{}
	for _, point := range []string{"approved", "claimed", "sent", "applied"} {
		var ops []*approval.Operation
		var ids []string
		for i := range nSubs * perSub {
			op := e.create(e.transfer(subs[i%nSubs].ID, fmt.Sprintf("%d.%02d", 10+i, len(all)%100)))
			ops = append(ops, op)
			ids = append(ids, strconv.FormatInt(op.ID, 10))
		}
		all = append(all, ops...)
		if point == "approved" {
			kills[point] += runKilled(t, url, e.sb.URL(), "approve", "", strings.Join(ids, ","))
		} else {
			for _, op := range ops {
				e.approve(op.ID, "approver")
			}
			for range 3 {
				kills[point] += runKilled(t, url, e.sb.URL(), "worker", point, "")
			}
		}
	}
	// The last restart: a fresh worker (this process) finishes; the reconciler settles what
	// stayed unknown.
	restart := time.Now()
	e.start()
	deadline := restart.Add(recoveryTarget)
	for _, op := range all {
		for {
			got := e.op(op.ID)
			if got.State == approval.StateSucceeded {
				break
			}
			if got.State == approval.StateUnknown {
				if _, err := e.exec.Reconcile(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if time.Now().After(deadline) {
				total, most := executeEvents(t, db, all)
				t.Logf("after %s: operation.execute events %d, at most %d for one operation", time.Since(restart).Round(time.Second), total, most)
				var jobs []struct {
					State       string
					Attempt     int
					AttemptedAt *time.Time
					ScheduledAt time.Time
				}
				db.Gorm().Raw(`SELECT state, attempt, attempted_at, scheduled_at FROM river_job WHERE kind='execute_operation' AND CAST(args AS TEXT) LIKE ?`, fmt.Sprintf(`%%"operation_id": %d}%%`, op.ID)).Scan(&jobs)
				t.Logf("jobs: %+v", jobs)
				t.Fatalf("operation %d still %s %s after the last restart (target %s)", op.ID, got.State, time.Since(restart).Round(time.Second), recoveryTarget)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	settled := time.Since(restart)
	counts := ledgerCount(t, e.sb.URL())
	dups := 0
	for _, op := range all {
		if counts[op.TransID] != 1 {
			dups++
			t.Errorf("operation %d applied %d times upstream", op.ID, counts[op.TransID])
		}
		if n := auditCount(t, db, approval.ActionSucceed, op.ID); n != 1 {
			t.Errorf("operation %d: %d succeed events", op.ID, n)
		}
		if n := executeCount(t, db, op.ID); n > maxExecuteEvents {
			t.Errorf("operation %d: %d operation.execute events, want at most %d", op.ID, n, maxExecuteEvents)
		}
	}
	total, most := executeEvents(t, db, all)
	t.Logf("crash test: %d transfers, kills per point %v, all settled %s after the last restart, operation.execute events %d (at most %d for one operation), ledger duplicates %d",
		len(all), kills, settled.Round(100*time.Millisecond), total, most, dups)
	for p, k := range kills {
		if k == 0 {
			t.Errorf("no kill at %s", p)
		}
	}
}

// executeCount counts the operation.execute events (claims) of one operation.
func executeCount(t testing.TB, db *store.DB, id int64) int {
	t.Helper()
	var n int64
	if err := db.Gorm().Raw(`SELECT COUNT(*) FROM audit_events WHERE action = ? AND target_type = ? AND target_id = ?`,
		approval.ActionExecute, approval.TargetOperation, strconv.FormatInt(id, 10)).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// executeEvents sums the operation.execute events of ops and gives the largest count.
func executeEvents(t testing.TB, db *store.DB, ops []*approval.Operation) (total, most int) {
	t.Helper()
	for _, op := range ops {
		n := executeCount(t, db, op.ID)
		total += n
		most = max(most, n)
	}
	return total, most
}

// runKilled runs one child and reports 1 when it died by SIGKILL.
func runKilled(t *testing.T, dbURL, sbURL, mode, point, ops string) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"="+mode, envDB+"="+dbURL, envSandbox+"="+sbURL, envPoint+"="+point, envOps+"="+ops)
	cmd.Stderr = os.Stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return 1
		}
	}
	if err != nil {
		t.Fatalf("child %s/%s: %v", mode, point, err)
	}
	return 0
}
