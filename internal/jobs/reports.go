package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/purser-finance/purser/internal/reports"
)

// Scheduled reports (issue 15). The periodic reports_tick, inserted by River's elected
// leader only, asks which (subscription, period) reports are due and queues one
// report_deliver job for each, unique while it waits or runs. The worker builds, stores
// and e-mails the report; what makes it once per period across replicas is not the
// queue but the report's row, claimed with a conditional insert in the transaction that
// sends it (reports.Service.Deliver): a job run twice (a leader change, a retry after a
// lost answer) finds the period taken and does nothing.

// Reporter is the scheduled reports use case as the jobs see it (*reports.Service).
type Reporter interface {
	Due(ctx context.Context) ([]reports.Due, error)
	Deliver(ctx context.Context, subscriptionID int64, periodStart time.Time) (bool, error)
}

// ReportJobs configures the scheduled reports (Options.Reports).
type ReportJobs struct {
	Reports Reporter
	// Interval is how often the leader looks for due reports; default 5 minutes (a
	// report arrives within that of its period's end). It also looks once at start.
	Interval time.Duration
}

// ReportsTickArgs queues the reports that are due.
type ReportsTickArgs struct{}

// Kind is River's job kind.
func (ReportsTickArgs) Kind() string { return "reports_tick" }

// InsertOpts: one at a time; a missed tick is covered by the next.
func (ReportsTickArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

// ReportDeliverArgs delivers one subscription's report of the period starting at
// PeriodStart.
type ReportDeliverArgs struct {
	SubscriptionID int64     `json:"subscription_id" river:"unique"`
	PeriodStart    time.Time `json:"period_start" river:"unique"`
}

// Kind is River's job kind.
func (ReportDeliverArgs) Kind() string { return "report_deliver" }

// InsertOpts: unique while it waits or runs, so ticks do not pile copies up; a few
// attempts with River's backoff for a mail server that is down (a send that failed
// stored nothing), after which the next tick queues it again while its period is the
// latest.
func (ReportDeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	}}}
}

type reportsTickWorker struct {
	river.WorkerDefaults[ReportsTickArgs]
	reports Reporter
}

// Timeout: a few queries and inserts.
func (w *reportsTickWorker) Timeout(*river.Job[ReportsTickArgs]) time.Duration { return time.Minute }

func (w *reportsTickWorker) Work(ctx context.Context, _ *river.Job[ReportsTickArgs]) error {
	due, err := w.reports.Due(ctx)
	if err != nil {
		return err
	}
	client, err := river.ClientFromContextSafely[*sql.Tx](ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range due {
		if _, err := client.Insert(ctx, ReportDeliverArgs{SubscriptionID: d.SubscriptionID, PeriodStart: d.PeriodStart.UTC()}, nil); err != nil {
			errs = append(errs, fmt.Errorf("jobs: queue report of subscription %d: %w", d.SubscriptionID, err))
		}
	}
	return errors.Join(errs...)
}

type reportDeliverWorker struct {
	river.WorkerDefaults[ReportDeliverArgs]
	reports Reporter
	log     *slog.Logger
}

// Timeout: building a month's report of many sub-accounts and sending it.
func (w *reportDeliverWorker) Timeout(*river.Job[ReportDeliverArgs]) time.Duration {
	return 5 * time.Minute
}

func (w *reportDeliverWorker) Work(ctx context.Context, job *river.Job[ReportDeliverArgs]) error {
	done, err := w.reports.Deliver(ctx, job.Args.SubscriptionID, job.Args.PeriodStart)
	if err != nil {
		w.log.Warn("scheduled report not delivered; it is tried again", "subscription", job.Args.SubscriptionID,
			"period_start", job.Args.PeriodStart, "attempt", job.Attempt, "error", err)
		return err
	}
	if !done {
		w.log.Debug("scheduled report already delivered or no longer wanted", "subscription", job.Args.SubscriptionID)
	}
	return nil
}

// addReportJobs registers the workers and, unless periodic jobs are off, the tick.
func addReportJobs(workers *river.Workers, cfg *river.Config, o *ReportJobs, log *slog.Logger, periodic bool) {
	if o == nil || o.Reports == nil {
		return
	}
	interval := o.Interval
	if interval <= 0 {
		interval = 5 * time.Minute
	}
	river.AddWorker(workers, &reportsTickWorker{reports: o.Reports})
	river.AddWorker(workers, &reportDeliverWorker{reports: o.Reports, log: log})
	if periodic {
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(interval),
			func() (river.JobArgs, *river.InsertOpts) { return ReportsTickArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}))
	}
}
