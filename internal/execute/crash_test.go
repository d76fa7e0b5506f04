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
	e := newEnv(childT{}, db, envOpts{sandbox: os.Getenv(envSandbox), crashAt: os.Getenv(envPoint), noRunner: mode != "worker"})
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

func TestCrashAtEveryPoint(t *testing.T) {
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
	e := newEnv(t, db, envOpts{noRunner: true})
	// The upstream takes a moment per movement, so "sent" kills land during the call.
	setFaults(t, e.sb.URL(), `{"movement_ms": 60}`)
	const perPoint = 4
	subs := e.subs(perPoint)
	var all []*approval.Operation
	kills := map[string]int{}
	for _, point := range []string{"approved", "claimed", "sent", "applied"} {
		var ops []*approval.Operation
		var ids []string
		for i := range perPoint {
			op := e.create(e.transfer(subs[i].ID, fmt.Sprintf("%d.%02d", 10+i, len(all)%100)))
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
	// A fresh worker (this process) finishes; the reconciler settles what stayed unknown.
	e.start()
	deadline := time.Now().Add(120 * time.Second)
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
				var jobs []struct {
					State       string
					Attempt     int
					ScheduledAt time.Time
					Errors      string
				}
				db.Gorm().Raw(`SELECT state, attempt, scheduled_at, CAST(errors AS TEXT) AS errors FROM river_job WHERE kind='execute_operation' AND CAST(args AS TEXT) LIKE ?`, fmt.Sprintf(`%%"operation_id": %d}%%`, op.ID)).Scan(&jobs)
				t.Logf("jobs: %+v", jobs)
				t.Fatalf("operation %d stuck in %s (%+v)", op.ID, got.State, got.Error)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
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
	}
	t.Logf("crash test: %d transfers, kills per point %v, ledger duplicates %d", len(all), kills, dups)
	for p, k := range kills {
		if k == 0 {
			t.Errorf("no kill at %s", p)
		}
	}
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
