package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/jobs"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// verifyHarness is a database with a few audit events and the runners a test starts on it.
type verifyHarness struct {
	t      *testing.T
	db     *store.DB
	signer *audit.Signer
}

func newVerifyHarness(t *testing.T, db *store.DB) *verifyHarness {
	t.Helper()
	signer, err := audit.NewSigner(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	h := &verifyHarness{t: t, db: db, signer: signer}
	for i := range 5 {
		if err := audit.Record(context.Background(), db, audit.System("test"), audit.Entry{Action: audit.UserUpdate,
			TargetType: "user", TargetID: fmt.Sprint(i), Outcome: audit.Success}); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// start starts a runner with verification configured by o (Signer filled in); stop
// stops it with the given patience.
func (h *verifyHarness) start(o jobs.AuditVerifyJobs) (*jobs.Runner, func(patience time.Duration)) {
	h.t.Helper()
	o.Signer = h.signer
	syncer := cachesync.New(h.db, nil, cachesync.Options{MasterAccountID: "m"})
	r, err := jobs.StartWith(context.Background(), h.db, syncer, nil, time.Hour, jobs.Options{PollInterval: 20 * time.Millisecond,
		TickInterval: time.Hour, AuditVerify: &o})
	if err != nil {
		h.t.Fatal(err)
	}
	stopped := false
	stop := func(patience time.Duration) {
		if stopped {
			return
		}
		stopped = true
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		_ = r.Stop(ctx)
	}
	h.t.Cleanup(func() { stop(10 * time.Second) })
	return r, stop
}

func (h *verifyHarness) run(id int64) *store.AuditVerificationRun {
	h.t.Helper()
	r, err := h.db.AuditVerificationRunByID(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

// waitRun waits until the run satisfies done.
func (h *verifyHarness) waitRun(id int64, within time.Duration, what string, done func(*store.AuditVerificationRun) bool) *store.AuditVerificationRun {
	h.t.Helper()
	deadline := time.Now().Add(within)
	for {
		r := h.run(id)
		if done(r) {
			return r
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("run %d: %s not within %s: %+v", id, what, within, r)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func finished(r *store.AuditVerificationRun) bool { return r.Status != store.VerifyRunning }

// verifyEvents are the audit.verify events of one run.
func (h *verifyHarness) verifyEvents(runID int64) []store.AuditEvent {
	h.t.Helper()
	evs, err := h.db.ListAudit(context.Background(), store.AuditFilter{Action: audit.AuditVerify, Limit: 100})
	if err != nil {
		h.t.Fatal(err)
	}
	var out []store.AuditEvent
	for _, e := range evs {
		if strings.Contains(string(e.Details), fmt.Sprintf(`"run":%d`, runID)) {
			out = append(out, e)
		}
	}
	return out
}

func (h *verifyHarness) checkpoints() int {
	h.t.Helper()
	cps, err := h.db.ListAuditCheckpoints(context.Background(), 100)
	if err != nil {
		h.t.Fatal(err)
	}
	return len(cps)
}

var starter = audit.Meta{ActorName: "otto", IP: "10.1.2.3", UserAgent: "test", RequestID: "req-1"}

// A queued verification is performed by the job: progress and outcome in its row, one
// audit.verify event naming who started it, and a checkpoint after an intact chain.
func TestAuditVerificationJobCompletes(t *testing.T) {
	storetest.EachParallel(t, func(t *testing.T, db *store.DB) {
		h := newVerifyHarness(t, db)
		r, _ := h.start(jobs.AuditVerifyJobs{})
		id, err := r.EnqueueVerification(context.Background(), starter)
		if err != nil {
			t.Fatal(err)
		}
		run := h.waitRun(id, 30*time.Second, "finished", finished)
		if run.Status != store.VerifyIntact || run.Checked != 5 || run.Total != 5 || run.StartedBy != "otto" || run.FinishedAt == nil {
			t.Fatalf("run: %+v", run)
		}
		evs := h.verifyEvents(id)
		if len(evs) != 1 || evs[0].Outcome != audit.Success || evs[0].ActorName != "otto" || evs[0].IP != "10.1.2.3" || evs[0].RequestID != "req-1" {
			t.Fatalf("audit.verify events: %+v", evs)
		}
		if h.checkpoints() != 1 {
			t.Fatal("an intact verification signs a checkpoint")
		}
	})
}

// A runner stopped mid-run (a restart, a deploy) leaves the run to River: the next
// runner performs it again and finishes it, writing its audit event once.
func TestAuditVerificationInterruptedByStopResumesOnNextRunner(t *testing.T) {
	storetest.EachParallel(t, func(t *testing.T, db *store.DB) {
		h := newVerifyHarness(t, db)
		o := jobs.AuditVerifyJobs{}
		held := make(chan struct{}, 1)
		o.SetVerify(func(ctx context.Context, _ *store.DB, progress func(int64)) (audit.Result, error) {
			progress(2)
			held <- struct{}{}
			<-ctx.Done() // until the runner stops
			return audit.Result{}, ctx.Err()
		})
		r1, stop1 := h.start(o)
		id, err := r1.EnqueueVerification(context.Background(), starter)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-held:
		case <-time.After(30 * time.Second):
			t.Fatal("the verification job did not start")
		}
		h.waitRun(id, 10*time.Second, "progress stored", func(r *store.AuditVerificationRun) bool { return r.Checked == 2 })
		stop1(100 * time.Millisecond)
		if r := h.run(id); r.Status != store.VerifyRunning || len(h.verifyEvents(id)) != 0 {
			t.Fatalf("a run stopped mid-way must wait for the next runner, not end: %+v", r)
		}
		h.start(jobs.AuditVerifyJobs{})
		run := h.waitRun(id, 60*time.Second, "finished by the next runner", finished)
		if run.Status != store.VerifyIntact || run.Checked != 5 {
			t.Fatalf("run after the restart: %+v", run)
		}
		if evs := h.verifyEvents(id); len(evs) != 1 || evs[0].ActorName != "otto" {
			t.Fatalf("audit.verify events: %+v", evs)
		}
	})
}

// A run left "running" with no job behind it (its process died before this version,
// or its job is gone) is settled by the next runner: failed, interrupted, audited once.
func TestStaleVerificationRunWithoutJobIsSettledByNextRunner(t *testing.T) {
	storetest.EachParallel(t, func(t *testing.T, db *store.DB) {
		h := newVerifyHarness(t, db)
		run := &store.AuditVerificationRun{StartedBy: "otto", Total: 5}
		if err := db.CreateAuditVerificationRun(context.Background(), run); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // older than StaleAfter below
		h.start(jobs.AuditVerifyJobs{StaleAfter: 200 * time.Millisecond, SweepInterval: 200 * time.Millisecond})
		got := h.waitRun(run.ID, 30*time.Second, "settled", finished)
		if got.Status != store.VerifyFailed || got.Reason != store.VerifyReasonInterrupted || got.FinishedAt == nil {
			t.Fatalf("stale run: %+v", got)
		}
		time.Sleep(500 * time.Millisecond) // more sweeps: nothing more is written
		if evs := h.verifyEvents(run.ID); len(evs) != 1 || evs[0].Outcome != audit.Failure ||
			!strings.Contains(string(evs[0].Details), store.VerifyReasonInterrupted) {
			t.Fatalf("audit.verify events: %+v", evs)
		}
	})
}

// A run whose worker died while River still has its job running (the process was killed)
// goes stale and is settled by another runner; the dead job, should it return, writes
// nothing more.
func TestVerificationWhoseWorkerDiedIsSettled(t *testing.T) {
	storetest.EachParallel(t, func(t *testing.T, db *store.DB) {
		h := newVerifyHarness(t, db)
		o := jobs.AuditVerifyJobs{Heartbeat: 50 * time.Millisecond}
		held, release := make(chan struct{}, 1), make(chan struct{})
		o.SetVerify(func(ctx context.Context, _ *store.DB, progress func(int64)) (audit.Result, error) {
			progress(1)
			held <- struct{}{}
			<-release // deaf to the stop: to River the job stays running, as if killed
			return audit.Result{}, ctx.Err()
		})
		r1, stop1 := h.start(o)
		id, err := r1.EnqueueVerification(context.Background(), starter)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-held:
		case <-time.After(30 * time.Second):
			t.Fatal("the verification job did not start")
		}
		stop1(100 * time.Millisecond) // gives up on the job after its own grace period
		h.start(jobs.AuditVerifyJobs{StaleAfter: 300 * time.Millisecond, SweepInterval: 200 * time.Millisecond})
		got := h.waitRun(id, 30*time.Second, "settled", finished)
		close(release)
		if got.Status != store.VerifyFailed || got.Reason != store.VerifyReasonInterrupted {
			t.Fatalf("run whose worker died: %+v", got)
		}
		time.Sleep(500 * time.Millisecond)
		if evs := h.verifyEvents(id); len(evs) != 1 || evs[0].ActorName != "otto" {
			t.Fatalf("audit.verify events: %+v", evs)
		}
	})
}
