package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// AuditCheckpointArgs signs the head of the audit chain when events arrived since the
// last checkpoint (issue 11, point 7). It is a periodic job, so River's elected leader
// alone inserts it: across replicas one checkpoint is made per interval, not one per
// replica. The unique sequence number of checkpoints (store, migration 00055) still
// keeps the chain whole when `portal audit checkpoint` or a verification from the
// portal checkpoints at the same moment.
type AuditCheckpointArgs struct{}

// Kind is River's job kind.
func (AuditCheckpointArgs) Kind() string { return "audit_checkpoint" }

// InsertOpts: one at a time; a missed interval is covered by the next checkpoint, which
// signs everything up to the head.
func (AuditCheckpointArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

type auditCheckpointWorker struct {
	river.WorkerDefaults[AuditCheckpointArgs]
	checkpoint func(context.Context) error
}

// Timeout: signing is one read and one insert; a minute means the database is stuck.
func (w *auditCheckpointWorker) Timeout(*river.Job[AuditCheckpointArgs]) time.Duration {
	return time.Minute
}

func (w *auditCheckpointWorker) Work(ctx context.Context, _ *river.Job[AuditCheckpointArgs]) error {
	return w.checkpoint(ctx)
}

// addAuditCheckpointJob registers the worker and, unless periodic jobs are off, the
// periodic job every interval (default a minute).
func addAuditCheckpointJob(workers *river.Workers, cfg *river.Config, checkpoint func(context.Context) error, interval time.Duration, periodic bool) {
	if checkpoint == nil {
		return
	}
	if interval <= 0 {
		interval = time.Minute
	}
	river.AddWorker(workers, &auditCheckpointWorker{checkpoint: checkpoint})
	if periodic {
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(interval),
			func() (river.JobArgs, *river.InsertOpts) { return AuditCheckpointArgs{}, nil }, nil))
	}
}
