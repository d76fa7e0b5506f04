package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/execute"
)

// Operation jobs (issue 5): execute_operation runs one approved operation; it is inserted
// by the final approval in the approval's own transaction (EnqueueExecuteTx). The periodic
// reconcile_operations and expire_operations settle unknown outcomes and expire pending
// requests.

// QueueOperations runs operation jobs apart from syncs, so a long sync never delays them.
const QueueOperations = "operations"

// ExecuteArgs asks for the execution of one operation.
type ExecuteArgs struct {
	OperationID int64 `json:"operation_id" river:"unique"`
}

// Kind is River's job kind.
func (ExecuteArgs) Kind() string { return "execute_operation" }

// InsertOpts: one job per operation while it is not finished; many attempts, since
// "retry later" (CBC.99007461, throttling) snoozes.
func (ExecuteArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueOperations, MaxAttempts: 1000, UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

// ReconcileArgs runs the reconciler over unknown operations.
type ReconcileArgs struct{}

// Kind is River's job kind.
func (ReconcileArgs) Kind() string { return "reconcile_operations" }

// InsertOpts: one at a time.
func (ReconcileArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueOperations, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

// ExpireArgs expires pending operations past their expiry.
type ExpireArgs struct{}

// Kind is River's job kind.
func (ExpireArgs) Kind() string { return "expire_operations" }

// InsertOpts: one at a time.
func (ExpireArgs) InsertOpts() river.InsertOpts { return ReconcileArgs{}.InsertOpts() }

// OperationJobs configures the operation jobs of StartWith (Options.Operations).
type OperationJobs struct {
	Executor *execute.Executor
	Approval *approval.Service // for expiry; nil: no expiry job
	// Workers of the operations queue; default 8.
	Workers int
	// Snooze is how long "retry later" waits; default 1s.
	Snooze time.Duration
	// ReconcileInterval and ExpireInterval schedule the periodic jobs; default 1m each.
	ReconcileInterval, ExpireInterval time.Duration
	// RescueAfter: a job still running after this (its worker died) runs again; the
	// executor resumes with the same trans_id. Default DefaultRescueAfter.
	RescueAfter time.Duration
	// JobTimeout bounds one execution; it must be positive, since River rescues a job
	// whose worker died only once its timeout has passed. Default DefaultJobTimeout.
	JobTimeout time.Duration
}

// How fast an execution whose worker died runs again. River keeps no heartbeat of a
// running job: the only sign that its worker died is that it has been running for longer
// than RescueStuckJobsAfter (and than the worker's Timeout), which the leader's rescuer
// checks every 30 s. So the horizon is the longest a live execution can run, plus a margin:
//
//   - One execution is bounded by DefaultJobTimeout, 45 s: the movement-lock wait (at most
//     10 s, then the job snoozes), an observation read, the call and, after "trans_id
//     already used", the confirming reads, each call bounded by the client's 15 s timeout.
//     When the timeout cancels a call, the outcome is unknown and the reconciler settles it.
//   - DefaultRescueAfter, 1 min, leaves 15 s after the timeout for the cancelled execution
//     to record its outcome (database writes only) and for clock differences between the
//     replicas and the database, so a live execution is not run twice. If it ever were,
//     nothing is applied twice: the second run finds the operation settled or waits for
//     the master's movement lock, and it resends the same trans_id, which the upstream
//     de-duplicates (CBC.99007009, then confirmed by the balances).
//
// A job whose worker died is rescued at most 1 min + 30 s after its attempt started, retried
// after 1–2 s (NextRetry) and made available by River's scheduler (every 5 s): it settles
// within about 100 s of the crash, even when the dead process was River's leader (a new one
// is elected within 20 s). River's default horizon, 1 h (capped here at 10 min until
// issue 11), made a restart take 10 minutes to settle.
const (
	DefaultJobTimeout  = 45 * time.Second
	DefaultRescueAfter = time.Minute
)

type executeWorker struct {
	river.WorkerDefaults[ExecuteArgs]
	exec    *execute.Executor
	snooze  time.Duration
	timeout time.Duration
}

// Timeout is positive so that the rescuer can run the job again after its worker died.
func (w *executeWorker) Timeout(*river.Job[ExecuteArgs]) time.Duration { return w.timeout }

// NextRetry: a failed or rescued execution (its worker died) runs again soon; the
// executor resumes with the same trans_id, so there is nothing to gain by waiting long.
func (w *executeWorker) NextRetry(job *river.Job[ExecuteArgs]) time.Time {
	return time.Now().Add(min(time.Duration(job.Attempt)*time.Second, 30*time.Second))
}

func (w *executeWorker) Work(ctx context.Context, job *river.Job[ExecuteArgs]) error {
	err := w.exec.Execute(ctx, job.Args.OperationID)
	if errors.Is(err, execute.ErrRetryLater) {
		return river.JobSnooze(w.snooze)
	}
	return err
}

type reconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	exec *execute.Executor
}

func (w *reconcileWorker) Work(ctx context.Context, _ *river.Job[ReconcileArgs]) error {
	_, err := w.exec.Reconcile(ctx)
	return err
}

type expireWorker struct {
	river.WorkerDefaults[ExpireArgs]
	svc *approval.Service
}

func (w *expireWorker) Work(ctx context.Context, _ *river.Job[ExpireArgs]) error {
	_, err := w.svc.ExpireDue(ctx)
	return err
}

// addOperationJobs registers the operation workers, queue and periodic jobs on cfg.
func addOperationJobs(workers *river.Workers, cfg *river.Config, o *OperationJobs, periodic bool) {
	if o == nil || o.Executor == nil {
		return
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Snooze <= 0 {
		o.Snooze = time.Second
	}
	if o.ReconcileInterval <= 0 {
		o.ReconcileInterval = time.Minute
	}
	if o.ExpireInterval <= 0 {
		o.ExpireInterval = time.Minute
	}
	if o.RescueAfter <= 0 {
		o.RescueAfter = DefaultRescueAfter
	}
	if o.JobTimeout <= 0 {
		o.JobTimeout = DefaultJobTimeout
	}
	river.AddWorker(workers, &executeWorker{exec: o.Executor, snooze: o.Snooze, timeout: o.JobTimeout})
	river.AddWorker(workers, &reconcileWorker{exec: o.Executor})
	cfg.Queues[QueueOperations] = river.QueueConfig{MaxWorkers: o.Workers}
	cfg.RescueStuckJobsAfter = o.RescueAfter
	if o.Approval != nil {
		river.AddWorker(workers, &expireWorker{svc: o.Approval})
	}
	if !periodic {
		return
	}
	cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(o.ReconcileInterval),
		func() (river.JobArgs, *river.InsertOpts) { return ReconcileArgs{}, nil }, nil))
	if o.Approval != nil {
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(o.ExpireInterval),
			func() (river.JobArgs, *river.InsertOpts) { return ExpireArgs{}, nil }, nil))
	}
}

// EnqueueExecuteTx inserts one execution job per operation in the caller's transaction
// (approval.Enqueuer): the jobs exist exactly when the approval commits.
func (r *Runner) EnqueueExecuteTx(ctx context.Context, tx *sql.Tx, ids []int64) error {
	return enqueueExecuteTx(ctx, r.client, tx, ids)
}

func enqueueExecuteTx(ctx context.Context, c *river.Client[*sql.Tx], tx *sql.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: ExecuteArgs{OperationID: id}}
	}
	for len(params) > 0 {
		n := min(len(params), 500)
		if _, err := c.InsertManyTx(ctx, tx, params[:n]); err != nil {
			return fmt.Errorf("jobs: enqueue execution: %w", err)
		}
		params = params[n:]
	}
	return nil
}

// Inserter is an insert-only River client: the approval service can enqueue execution
// jobs before (or without) a Runner in this process; any replica's workers run them.
type Inserter struct{ client *river.Client[*sql.Tx] }

// NewInserter returns an Inserter over db's pool (River's tables must exist: Migrate).
func NewInserter(db interface{ SQL() (*sql.DB, error) }, dialectPostgres bool) (*Inserter, error) {
	pool, err := db.SQL()
	if err != nil {
		return nil, err
	}
	c, err := river.NewClient(driverFor(pool, dialectPostgres), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("jobs: inserter: %w", err)
	}
	return &Inserter{client: c}, nil
}

// EnqueueExecuteTx: see Runner.EnqueueExecuteTx.
func (i *Inserter) EnqueueExecuteTx(ctx context.Context, tx *sql.Tx, ids []int64) error {
	return enqueueExecuteTx(ctx, i.client, tx, ids)
}

// Reconcile runs the reconciler now (tests, admin "check again").
func (r *Runner) EnqueueReconcile(ctx context.Context) error {
	_, err := r.client.Insert(ctx, ReconcileArgs{}, nil)
	return err
}
