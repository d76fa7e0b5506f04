package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/store"
)

// Audit verification (issue 12, point 4). The audit page enqueues a run
// (Runner.EnqueueVerification): the run's row and its audit_verify job are inserted in
// one transaction, so a run always has a job. Any replica's worker performs it, storing
// its progress and a heartbeat in the row, which every replica's page shows. A run
// interrupted by a stop of its runner fails its attempt and River runs it again (from the
// start: verification only reads); a run whose worker died without a word is found by
// the periodic audit_verify_sweep once its heartbeat is stale and is finished as failed,
// "interrupted". Either way the run's one audit.verify event is written in the
// transaction that stores its outcome, which only one writer can do.

// QueueAudit runs verifications apart from syncs and operations, so a long sync does not
// keep a verification queued (nor the other way round).
const QueueAudit = "audit"

// AuditVerifyArgs performs one verification run. The audit metadata of whoever started
// it goes with the job: its audit.verify event names them, from whichever replica.
type AuditVerifyArgs struct {
	RunID     int64  `json:"run_id" river:"unique"`
	ActorID   *int64 `json:"actor_id,omitempty"`
	ActorName string `json:"actor_name"`
	IP        string `json:"ip,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// Kind is River's job kind.
func (AuditVerifyArgs) Kind() string { return "audit_verify" }

// InsertOpts: a few attempts, each after a stop of the runner that performed the last.
func (AuditVerifyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueAudit, MaxAttempts: 5}
}

func (a AuditVerifyArgs) meta() audit.Meta {
	return audit.Meta{ActorID: a.ActorID, ActorName: a.ActorName, IP: a.IP, UserAgent: a.UserAgent, RequestID: a.RequestID}
}

// AuditVerifyJobs configures verification runs (Options.AuditVerify).
type AuditVerifyJobs struct {
	// Signer verifies the chain and signs the checkpoint after an intact run.
	Signer *audit.Signer
	// Heartbeat is how often a worker shows it is alive; default 10s.
	Heartbeat time.Duration
	// StaleAfter: a running run without a heartbeat for this long, whose job is not
	// waiting to run, has lost its worker; default 2m.
	StaleAfter time.Duration
	// SweepInterval is how often the leader looks for such runs; default 1m. It also
	// looks once at start, so a run left by a dead process is settled after a restart.
	SweepInterval time.Duration
	// Timeout bounds one attempt (a run that takes longer fails); default an hour.
	Timeout time.Duration

	verify func(ctx context.Context, db *store.DB, progress func(int64)) (audit.Result, error) // tests replace it
}

// ErrVerificationUnavailable: the runner was started without Options.AuditVerify.
var ErrVerificationUnavailable = errors.New("jobs: audit verification is not configured")

// EnqueueVerification records a verification run of the whole chain started by m's actor
// and queues its job, in one transaction. It returns the run's id.
func (r *Runner) EnqueueVerification(ctx context.Context, m audit.Meta) (int64, error) {
	if r.verify == nil {
		return 0, ErrVerificationUnavailable
	}
	head, _, err := r.db.AuditHead(ctx)
	if err != nil {
		return 0, err
	}
	var runID int64
	err = r.db.InTx(ctx, func(tx *store.DB) error {
		run := &store.AuditVerificationRun{StartedBy: m.ActorName, Total: head}
		if err := tx.CreateAuditVerificationRun(ctx, run); err != nil {
			return err
		}
		sqlTx, err := tx.SQLTx()
		if err != nil {
			return err
		}
		res, err := r.client.InsertTx(ctx, sqlTx, AuditVerifyArgs{RunID: run.ID, ActorID: m.ActorID, ActorName: m.ActorName,
			IP: m.IP, UserAgent: m.UserAgent, RequestID: m.RequestID}, nil)
		if err != nil {
			return fmt.Errorf("jobs: enqueue verification: %w", err)
		}
		runID = run.ID
		return tx.SetAuditVerificationJob(ctx, run.ID, res.Job.ID)
	})
	return runID, err
}

// verifier holds what the verification worker and the sweep share.
type verifier struct {
	db  *store.DB
	o   AuditVerifyJobs
	log *slog.Logger
}

// outcome is what a run found.
type outcome struct {
	result, reason string
	checked        int64
	checkpoints    int
	broken         *int64
}

// conclude stores the run's outcome and writes its audit.verify event, in one
// transaction, unless another writer stored an outcome first.
func (v *verifier) conclude(ctx context.Context, runID int64, m audit.Meta, o outcome) error {
	ao := audit.Success
	if o.result != store.VerifyIntact {
		ao = audit.Failure
	}
	details := map[string]any{"run": runID, "result": o.result, "checked": o.checked, "checkpoints": o.checkpoints}
	if o.broken != nil {
		details["broken_id"] = *o.broken
	}
	if o.reason != "" {
		details["reason"] = o.reason
	}
	return v.db.InTx(ctx, func(tx *store.DB) error {
		won, err := tx.RecordAuditVerificationResult(ctx, runID, o.result, o.checked, o.broken, o.reason)
		if err != nil || !won {
			return err
		}
		return audit.Record(ctx, tx, m, audit.Entry{Action: audit.AuditVerify, TargetType: "audit", TargetID: "chain",
			Outcome: ao, Details: details})
	})
}

// complete finishes a run whose outcome is stored: a fresh checkpoint after an intact
// one, then the run's status. The run is marked finished last: whoever sees its result
// (the page polling it) also sees the audit event and the checkpoint it produced.
func (v *verifier) complete(ctx context.Context, runID int64) error {
	run, err := v.db.AuditVerificationRunByID(ctx, runID)
	if err != nil {
		return err
	}
	if run.Status != store.VerifyRunning || run.Result == "" {
		return nil
	}
	if run.Result == store.VerifyIntact {
		if _, err := v.o.Signer.Checkpoint(ctx, v.db); err != nil {
			v.log.Warn("audit checkpoint after verification failed", "error", err, "run", runID)
		}
	}
	_, err = v.db.FinishAuditVerificationRun(ctx, runID)
	return err
}

type auditVerifyWorker struct {
	river.WorkerDefaults[AuditVerifyArgs]
	*verifier
}

// Timeout bounds an attempt; being positive, it also lets River rescue the job of a
// worker that died (the sweep has usually settled its run by then).
func (w *auditVerifyWorker) Timeout(*river.Job[AuditVerifyArgs]) time.Duration { return w.o.Timeout }

func (w *auditVerifyWorker) Work(ctx context.Context, job *river.Job[AuditVerifyArgs]) error {
	id := job.Args.RunID
	run, err := w.db.AuditVerificationRunByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if run.Status != store.VerifyRunning {
		return nil // finished, perhaps by the sweep after this job's last worker died
	}
	if run.Result == "" {
		o, err := w.perform(ctx, id)
		if err != nil {
			return err
		}
		sctx, cancel := storing(ctx)
		defer cancel()
		if err := w.conclude(sctx, id, job.Args.meta(), o); err != nil {
			return err
		}
	}
	sctx, cancel := storing(ctx)
	defer cancel()
	return w.complete(sctx, id)
}

// storing is the context in which a run's outcome is stored once known: an attempt that
// ran out of time still records that it did, and one that finished as its runner stops
// is not lost.
func storing(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

// perform verifies the chain with a heartbeat. An attempt cancelled by a stop of the
// runner returns its error, so that River runs the job again; any other failure
// (including the attempt's timeout) is the run's outcome.
func (w *auditVerifyWorker) perform(ctx context.Context, id int64) (outcome, error) {
	if err := w.db.TouchAuditVerificationRun(ctx, id); err != nil {
		return outcome{}, err
	}
	hbCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(w.o.Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-hbCtx.Done():
				return
			case <-t.C:
				if err := w.db.TouchAuditVerificationRun(hbCtx, id); err != nil && hbCtx.Err() == nil {
					w.log.Warn("audit verification heartbeat failed", "error", err, "run", id)
				}
			}
		}
	})
	var lastSave time.Time
	progress := func(n int64) {
		if time.Since(lastSave) > 500*time.Millisecond {
			lastSave = time.Now()
			_ = w.db.UpdateAuditVerificationProgress(ctx, id, n) // progress is a courtesy; the heartbeat reports a stuck database
		}
	}
	res, err := w.o.verify(ctx, w.db, progress)
	stop()
	wg.Wait()
	if err != nil && errors.Is(ctx.Err(), context.Canceled) {
		return outcome{}, fmt.Errorf("jobs: verification %d interrupted: %w", id, err)
	}
	o := outcome{result: store.VerifyIntact, checked: res.Checked, checkpoints: res.Checkpoints}
	switch {
	case err != nil:
		o.result, o.reason = store.VerifyFailed, store.VerifyReasonError
		w.log.Error("audit verification failed", "error", err, "run", id)
	case !res.OK:
		o.result, o.reason = store.VerifyBroken, res.Reason
		o.broken = &res.BrokenID
	}
	return o, nil
}

// AuditVerifySweepArgs settles verification runs whose worker died.
type AuditVerifySweepArgs struct{}

// Kind is River's job kind.
func (AuditVerifySweepArgs) Kind() string { return "audit_verify_sweep" }

// InsertOpts: one at a time; a missed one is covered by the next.
func (AuditVerifySweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueAudit, MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

type auditVerifySweepWorker struct {
	river.WorkerDefaults[AuditVerifySweepArgs]
	*verifier
}

func (w *auditVerifySweepWorker) Work(ctx context.Context, _ *river.Job[AuditVerifySweepArgs]) error {
	now, err := w.db.Now(ctx)
	if err != nil {
		return err
	}
	stale, err := w.db.StaleAuditVerificationRuns(ctx, now.Add(-w.o.StaleAfter))
	if err != nil {
		return err
	}
	client, err := river.ClientFromContextSafely[*sql.Tx](ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, run := range stale {
		if err := w.settle(ctx, client, run, now); err != nil {
			errs = append(errs, fmt.Errorf("run %d: %w", run.ID, err))
		}
	}
	return errors.Join(errs...)
}

// settle finishes one stale run: as it was found when its outcome is already stored,
// else as failed, interrupted, unless its job is still waiting for a worker.
func (w *auditVerifySweepWorker) settle(ctx context.Context, client *river.Client[*sql.Tx], run store.AuditVerificationRun, now time.Time) error {
	if run.Result != "" {
		return w.complete(ctx, run.ID)
	}
	m := audit.System("audit verification")
	if run.JobID != nil {
		job, err := client.JobGet(ctx, *run.JobID)
		switch {
		case errors.Is(err, river.ErrNotFound):
		case err != nil:
			return err
		default:
			switch job.State {
			case rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateScheduled, rivertype.JobStateRetryable:
				return nil // not started, or to be run again: its worker will heartbeat
			case rivertype.JobStateRunning:
				if job.AttemptedAt != nil && now.Sub(*job.AttemptedAt) < w.o.StaleAfter {
					return nil // just started after a long wait: its first heartbeat is coming
				}
			}
			var args AuditVerifyArgs
			if err := json.Unmarshal(job.EncodedArgs, &args); err == nil {
				m = args.meta() // the event names who started the run, like a finished one
			}
		}
	}
	w.log.Warn("audit verification lost its worker; marking it failed", "run", run.ID, "checked", run.Checked)
	if err := w.conclude(ctx, run.ID, m, outcome{result: store.VerifyFailed, reason: store.VerifyReasonInterrupted,
		checked: run.Checked}); err != nil {
		return err
	}
	return w.complete(ctx, run.ID)
}

// addAuditVerifyJobs registers the verification worker, its queue and, unless periodic
// jobs are off, the sweep (also run at start).
func addAuditVerifyJobs(workers *river.Workers, cfg *river.Config, db *store.DB, o *AuditVerifyJobs, log *slog.Logger, periodic bool) *verifier {
	if o == nil || o.Signer == nil {
		return nil
	}
	v := &verifier{db: db, o: *o, log: log}
	if v.o.Heartbeat <= 0 {
		v.o.Heartbeat = 10 * time.Second
	}
	if v.o.StaleAfter <= 0 {
		v.o.StaleAfter = 2 * time.Minute
	}
	if v.o.SweepInterval <= 0 {
		v.o.SweepInterval = time.Minute
	}
	if v.o.Timeout <= 0 {
		v.o.Timeout = time.Hour
	}
	if v.o.verify == nil {
		v.o.verify = v.o.Signer.Verify
	}
	river.AddWorker(workers, &auditVerifyWorker{verifier: v})
	river.AddWorker(workers, &auditVerifySweepWorker{verifier: v})
	cfg.Queues[QueueAudit] = river.QueueConfig{MaxWorkers: 2}
	if periodic {
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(v.o.SweepInterval),
			func() (river.JobArgs, *river.InsertOpts) { return AuditVerifySweepArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}))
	}
	return v
}
