package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/purser-finance/purser/internal/cachesync"
)

// RunwaysArgs recomputes the runways of a master's sub-accounts (of SubAccountID alone
// when it is set) once their balances were synced: the sync worker inserts it after a
// run that read balances (afterBalanceSync). Anything that must see the new runways (the
// top-up rules, the alerts) runs after this job, not after the sync.
type RunwaysArgs struct {
	Master       string `json:"master" river:"unique"`
	SubAccountID string `json:"sub_account_id,omitempty" river:"unique"`
}

// Kind is River's job kind.
func (RunwaysArgs) Kind() string { return "runways" }

// InsertOpts: not unique. River counts a running job in any uniqueness, and a sync that
// ends while the runways are being computed may have read newer balances, so it must queue
// another pass; two passes over the same accounts store the same figures, and a pass over
// one sub-account (after a movement on it) costs a few rows.
func (RunwaysArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3}
}

// RunwayJobs configures the runways job of StartWith (Options.Runways).
type RunwayJobs struct {
	// Refresh computes and stores the runways of master's sub-accounts, or of
	// subAccountID alone when it is set, returning how many (readmodel.Forecaster.Refresh).
	Refresh func(ctx context.Context, master, subAccountID string) (int, error)
}

type runwaysWorker struct {
	river.WorkerDefaults[RunwaysArgs]
	refresh func(ctx context.Context, master, subAccountID string) (int, error)
	log     *slog.Logger
}

// Timeout: a few queries per 200 sub-accounts; a hundred thousand take a few minutes.
func (w *runwaysWorker) Timeout(*river.Job[RunwaysArgs]) time.Duration { return 15 * time.Minute }

func (w *runwaysWorker) Work(ctx context.Context, job *river.Job[RunwaysArgs]) error {
	started := time.Now()
	n, err := w.refresh(ctx, job.Args.Master, job.Args.SubAccountID)
	if err != nil {
		return fmt.Errorf("jobs: runways of %s: %w", job.Args.Master, err)
	}
	w.log.Debug("runways computed", "master", job.Args.Master, "sub_account_id", job.Args.SubAccountID, "count", n,
		"duration", time.Since(started).Round(time.Millisecond))
	return nil
}

func addRunwayJobs(workers *river.Workers, o *RunwayJobs, log *slog.Logger) bool {
	if o == nil || o.Refresh == nil {
		return false
	}
	river.AddWorker(workers, &runwaysWorker{refresh: o.Refresh, log: log})
	return true
}

// afterBalanceSync queues the runways job after a sync run of a that read balances (a
// full sync, the balance area, one sub-account's refresh), when the job is configured.
func (w *syncWorker) afterBalanceSync(ctx context.Context, a SyncArgs) error {
	if !w.runways || (a.SubAccountID == "" && a.Area != cachesync.AreaFull && a.Area != cachesync.AreaBalances) {
		return nil
	}
	client, err := river.ClientFromContextSafely[*sql.Tx](ctx)
	if err != nil {
		return err
	}
	if _, err := client.Insert(ctx, RunwaysArgs{Master: a.Master, SubAccountID: a.SubAccountID}, nil); err != nil {
		return fmt.Errorf("jobs: queue runways of %s: %w", a.Master, err)
	}
	return nil
}
