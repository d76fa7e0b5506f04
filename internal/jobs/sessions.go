package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// SessionSweepArgs deletes expired sessions. Expired sessions are already refused on
// use; this only keeps the table small. It is a periodic job, so River's elected leader
// alone inserts it: one sweep per interval across replicas, not one per replica.
type SessionSweepArgs struct{}

// Kind is River's job kind.
func (SessionSweepArgs) Kind() string { return "session_sweep" }

// InsertOpts: one at a time; a missed sweep is covered by the next.
func (SessionSweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

type sessionSweepWorker struct {
	river.WorkerDefaults[SessionSweepArgs]
	sweep func(context.Context) (int64, error)
	log   *slog.Logger
}

// Timeout: one DELETE; a minute means the database is stuck.
func (w *sessionSweepWorker) Timeout(*river.Job[SessionSweepArgs]) time.Duration { return time.Minute }

func (w *sessionSweepWorker) Work(ctx context.Context, _ *river.Job[SessionSweepArgs]) error {
	n, err := w.sweep(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		w.log.Debug("expired sessions removed", "count", n)
	}
	return nil
}

// addSessionSweepJob registers the worker and, unless periodic jobs are off, the
// periodic job every interval (default 5 minutes).
func addSessionSweepJob(workers *river.Workers, cfg *river.Config, sweep func(context.Context) (int64, error), interval time.Duration, log *slog.Logger, periodic bool) {
	if sweep == nil {
		return
	}
	if interval <= 0 {
		interval = 5 * time.Minute
	}
	river.AddWorker(workers, &sessionSweepWorker{sweep: sweep, log: log})
	if periodic {
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(interval),
			func() (river.JobArgs, *river.InsertOpts) { return SessionSweepArgs{}, nil }, nil))
	}
}
