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
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/store"
)

// MasterRefreshArgs asks for a re-read of one master's transferable amounts after a
// money movement settled; the executor inserts it in the settlement's transaction
// (EnqueueMasterRefreshTx).
//
// It is unique per master while waiting or running, so that a batch of a thousand
// transfers does not queue a thousand reads. River counts a running job in that
// uniqueness, so a refresh asked for while one runs is dropped although the running one
// may have read before the new movement: the worker therefore reads again when a
// movement of the master settled after its read began.
type MasterRefreshArgs struct {
	Master string `json:"master" river:"unique"`
}

// Kind is River's job kind.
func (MasterRefreshArgs) Kind() string { return "refresh_master" }

// InsertOpts: on the operations queue, so a long sync never delays it.
func (MasterRefreshArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueOperations, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

// movementKinds are the operations whose settlement changes a master's amounts.
var movementKinds = []string{string(approval.KindTransferFunds), string(approval.KindRetrieveFunds)}

// triggerOperation names, in the sync runs, a read made because an operation settled.
const triggerOperation = "operation"

// refreshBusySnooze is how long a refresh waits when the master's amounts are being
// read already: that read may have begun before the movement, so it does not count.
const refreshBusySnooze = time.Second

// refreshAgainSnooze spaces the reads while movements keep settling (a batch running).
const refreshAgainSnooze = 200 * time.Millisecond

type masterRefreshWorker struct {
	river.WorkerDefaults[MasterRefreshArgs]
	syncers Syncers
	db      *store.DB
}

// Timeout: two upstream reads.
func (w *masterRefreshWorker) Timeout(*river.Job[MasterRefreshArgs]) time.Duration {
	return 2 * time.Minute
}

func (w *masterRefreshWorker) Work(ctx context.Context, job *river.Job[MasterRefreshArgs]) error {
	syncer, err := w.syncers.Syncer(ctx, job.Args.Master)
	if errors.Is(err, cachesync.ErrUnknownMaster) {
		return river.JobCancel(err) // removed or disabled since the movement
	}
	if err != nil {
		return err
	}
	started := time.Now()
	_, err = syncer.Run(ctx, cachesync.AreaMaster, "", triggerOperation)
	if errors.Is(err, cachesync.ErrAlreadyRunning) {
		return river.JobSnooze(refreshBusySnooze)
	}
	if err != nil {
		return err
	}
	// A movement settled during the read (its refresh was dropped as a duplicate of this
	// job): read again.
	again, err := w.db.MovementSettledSince(ctx, job.Args.Master, movementKinds, string(approval.StateSucceeded), started, time.Now())
	if err != nil {
		return err
	}
	if again {
		return river.JobSnooze(refreshAgainSnooze)
	}
	return nil
}

func enqueueMasterRefreshTx(ctx context.Context, c *river.Client[*sql.Tx], tx *sql.Tx, master string) error {
	if _, err := c.InsertTx(ctx, tx, MasterRefreshArgs{Master: master}, nil); err != nil {
		return fmt.Errorf("jobs: enqueue master refresh: %w", err)
	}
	return nil
}

// EnqueueMasterRefreshTx queues the re-read of master's amounts in the caller's
// transaction (execute.MasterRefresher).
func (r *Runner) EnqueueMasterRefreshTx(ctx context.Context, tx *sql.Tx, master string) error {
	return enqueueMasterRefreshTx(ctx, r.client, tx, master)
}

// EnqueueMasterRefreshTx: see Runner.EnqueueMasterRefreshTx.
func (i *Inserter) EnqueueMasterRefreshTx(ctx context.Context, tx *sql.Tx, master string) error {
	return enqueueMasterRefreshTx(ctx, i.client, tx, master)
}
