package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/store"
)

// rules_evaluate (issue 14) runs the standing top-up rules and the balance alerts of a
// master once its balances were synced. The sync worker queues it when a run that read
// the balances finished; it is unique per master and sync run, so a run is evaluated
// once however many workers see it. Paying twice is prevented by the evaluation itself
// (one payment per rule, sub-account and day), not by this uniqueness.

// RulesEvaluateArgs asks for the evaluation after sync run RunID of Master.
type RulesEvaluateArgs struct {
	Master string `json:"master" river:"unique"`
	RunID  int64  `json:"run_id" river:"unique"`
}

// Kind is River's job kind.
func (RulesEvaluateArgs) Kind() string { return "rules_evaluate" }

// InsertOpts: on the operations queue (it creates transfers); unique per master and run.
func (RulesEvaluateArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueOperations, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateRetryable, rivertype.JobStateScheduled, rivertype.JobStateCompleted}}}
}

// RulesEvaluator evaluates a master's rules and alerts (*rules.Evaluator).
type RulesEvaluator func(ctx context.Context, master string) error

type rulesWorker struct {
	river.WorkerDefaults[RulesEvaluateArgs]
	eval RulesEvaluator
}

// Timeout: reading every sub-account's history and creating the top-ups.
func (w *rulesWorker) Timeout(*river.Job[RulesEvaluateArgs]) time.Duration { return 5 * time.Minute }

func (w *rulesWorker) Work(ctx context.Context, job *river.Job[RulesEvaluateArgs]) error {
	return w.eval(ctx, job.Args.Master)
}

// readsBalances reports whether a finished run of area read the sub-accounts' balances:
// a full sync or the balance area over every sub-account.
func readsBalances(area, subAccountID string, run store.SyncRun) bool {
	if subAccountID != "" || (area != cachesync.AreaFull && area != cachesync.AreaBalances && area != "") {
		return false
	}
	return run.Status == store.RunSucceeded || run.Status == store.RunPartial
}

// queueRules queues the evaluation after run, when rules are wired.
func queueRules(ctx context.Context, eval RulesEvaluator, master string, run store.SyncRun, log *slog.Logger) {
	if eval == nil || run.ID == 0 {
		return
	}
	client, err := river.ClientFromContextSafely[*sql.Tx](ctx)
	if err == nil {
		_, err = client.Insert(ctx, RulesEvaluateArgs{Master: master, RunID: run.ID}, nil)
	}
	if err != nil {
		log.Warn("rules: could not queue the evaluation after a sync", "master", master, "run_id", run.ID, "error", fmt.Errorf("jobs: %w", err))
	}
}

// EnqueueRulesEvaluation queues an evaluation of master's rules now (run names it: two
// calls with one run are one evaluation).
func (r *Runner) EnqueueRulesEvaluation(ctx context.Context, master string, run int64) (int64, error) {
	res, err := r.client.Insert(ctx, RulesEvaluateArgs{Master: master, RunID: run}, nil)
	if err != nil {
		return 0, fmt.Errorf("jobs: enqueue rules evaluation: %w", err)
	}
	return res.Job.ID, nil
}
