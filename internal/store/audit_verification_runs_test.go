package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// A run's outcome is stored once (whoever stores it writes the audit event), the run
// finishes only once it has one, and stale runs are those without a recent heartbeat.
func TestAuditVerificationRunLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		run := &store.AuditVerificationRun{StartedBy: "otto", Total: 9}
		if err := db.CreateAuditVerificationRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		if err := db.SetAuditVerificationJob(ctx, run.ID, 77); err != nil {
			t.Fatal(err)
		}
		if done, err := db.FinishAuditVerificationRun(ctx, run.ID); err != nil || done {
			t.Fatalf("finished without an outcome: %v %v", done, err)
		}
		stale := func(before time.Time) int {
			runs, err := db.StaleAuditVerificationRuns(ctx, before)
			if err != nil {
				t.Fatal(err)
			}
			return len(runs)
		}
		now, _ := db.Now(ctx)
		if stale(now.Add(time.Second)) != 1 || stale(now.Add(-time.Minute)) != 0 {
			t.Fatal("a run never started is stale by its start time")
		}
		if err := db.UpdateAuditVerificationProgress(ctx, run.ID, 4); err != nil {
			t.Fatal(err)
		}
		got, _ := db.AuditVerificationRunByID(ctx, run.ID)
		if got.Checked != 4 || got.HeartbeatAt == nil || got.JobID == nil || *got.JobID != 77 {
			t.Fatalf("progress: %+v", got)
		}
		if stale(got.HeartbeatAt.Add(-time.Millisecond)) != 0 || stale(got.HeartbeatAt.Add(time.Second)) != 1 {
			t.Fatal("staleness goes by the heartbeat")
		}
		broken := int64(3)
		if won, err := db.RecordAuditVerificationResult(ctx, run.ID, store.VerifyBroken, 9, &broken, "changed"); err != nil || !won {
			t.Fatalf("first outcome: %v %v", won, err)
		}
		if won, err := db.RecordAuditVerificationResult(ctx, run.ID, store.VerifyFailed, 1, nil, store.VerifyReasonInterrupted); err != nil || won {
			t.Fatalf("a second outcome was stored: %v %v", won, err)
		}
		got, _ = db.AuditVerificationRunByID(ctx, run.ID)
		if got.Status != store.VerifyRunning || got.Result != store.VerifyBroken {
			t.Fatalf("outcome stored, not finished: %+v", got)
		}
		if done, err := db.FinishAuditVerificationRun(ctx, run.ID); err != nil || !done {
			t.Fatalf("finish: %v %v", done, err)
		}
		if done, _ := db.FinishAuditVerificationRun(ctx, run.ID); done {
			t.Fatal("finished twice")
		}
		got, _ = db.AuditVerificationRunByID(ctx, run.ID)
		if got.Status != store.VerifyBroken || got.Checked != 9 || got.BrokenID == nil || *got.BrokenID != 3 || got.Reason != "changed" || got.FinishedAt == nil {
			t.Fatalf("finished run: %+v", got)
		}
		if stale(now.Add(time.Hour)) != 0 {
			t.Fatal("a finished run is not stale")
		}
	})
}
