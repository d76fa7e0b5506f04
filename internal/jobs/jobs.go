// Package jobs runs Purser's durable background jobs with River, in the portal's own
// database: riverdatabasesql on Postgres and riversqlite on SQLite, both over the store's
// *sql.DB pool (one pool for gorm and River, so a job can later be enqueued inside a
// business transaction). River's tables are migrated by Start with rivermigrate.
//
// Jobs today: sync (on demand, periodic full sync, catalogue), the operation jobs
// (execute.go), the periodic audit checkpoint (checkpoint.go), the audit verification
// runs started from the audit page (verify.go), the periodic sweep of expired sessions
// (sessions.go), the re-read of a master's amounts after a money movement settled
// (refresh.go), the scheduled reports (reports.go) and the runways after a sync that read
// balances (runways.go). A sync job is unique per
// (master, area, sub-account) while it is available, scheduled, running or retryable, so
// repeated refresh clicks never pile up. A sync job without a master is a request for
// every master: its worker queues one job per master (so one failing master does not stop
// the others, and masters sync side by side); one for a sub-account goes to that
// sub-account's master. Periodic work is a tick (inserted by River's elected leader only,
// so several replicas schedule each sync once) that queues a full sync of each master
// whose last one is older than the sync interval read at that moment (an admin changes it
// under /admin/settings without a restart), and the catalogue when it is older than its
// interval. The startup sync every replica queues runs only for the masters whose full
// sync is due by the same rule. A sync that is already running elsewhere
// (sync.ErrAlreadyRunning) completes the job: the running one covers it.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/store"
)

// SyncArgs asks for one sync run. Master, Area and SubAccountID make a job unique;
// Trigger does not. Master "" asks for every master (or, with SubAccountID, the
// sub-account's master).
type SyncArgs struct {
	Master       string `json:"master,omitempty" river:"unique"`
	Area         string `json:"area" river:"unique"`
	SubAccountID string `json:"sub_account_id" river:"unique"`
	Trigger      string `json:"trigger"`
}

// Kind is River's job kind.
func (SyncArgs) Kind() string { return "sync" }

// InsertOpts: unique while pending; a few attempts for failures that are not the
// upstream's (the sync records upstream failures itself and finishes).
func (SyncArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		MaxAttempts: 3,
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateRetryable, rivertype.JobStateScheduled,
		}},
	}
}

// Syncers gives the syncer of each master: a *cachesync.Pool (several masters) or a
// *cachesync.Syncer (one).
type Syncers interface {
	Syncer(ctx context.Context, master string) (*cachesync.Syncer, error)
	MasterIDs(ctx context.Context) ([]string, error)
	MasterOf(ctx context.Context, subAccountID string) (string, error)
	Due(ctx context.Context) (masters []string, catalog bool, err error)
	Options() cachesync.Options
}

type syncWorker struct {
	river.WorkerDefaults[SyncArgs]
	syncers Syncers
	rules   RulesEvaluator // nil: no rules wired
	log     *slog.Logger
	runways bool // queue the runways job after a balance sync (runways.go)
}

// Timeout: a full sync of many sub-accounts takes minutes; the run's own heartbeat and
// the sync_runs lock guard against a dead worker, not a job timeout.
func (w *syncWorker) Timeout(*river.Job[SyncArgs]) time.Duration { return -1 }

func (w *syncWorker) Work(ctx context.Context, job *river.Job[SyncArgs]) error {
	a := job.Args
	if a.Master == "" && a.SubAccountID != "" {
		m, err := w.syncers.MasterOf(ctx, a.SubAccountID)
		if err != nil {
			return river.JobCancel(err)
		}
		a.Master = m
	}
	if a.Master == "" {
		return w.fanOut(ctx, a)
	}
	if a.Trigger == cachesync.TriggerStartup && a.Area == cachesync.AreaFull && a.SubAccountID == "" && !w.due(ctx, a.Master) {
		w.log.Info("sync job: startup sync skipped: this master was synced within the interval or is being synced", "master", a.Master, "job_id", job.ID)
		return nil
	}
	syncer, err := w.syncers.Syncer(ctx, a.Master)
	if err != nil {
		if errors.Is(err, cachesync.ErrUnknownMaster) {
			return river.JobCancel(err) // removed or disabled since the job was queued
		}
		return err
	}
	run, err := syncer.Run(ctx, a.Area, a.SubAccountID, a.Trigger)
	if err == nil && readsBalances(a.Area, a.SubAccountID, run) {
		queueRules(ctx, w.rules, a.Master, run, w.log)
	}
	switch {
	case errors.Is(err, cachesync.ErrAlreadyRunning):
		w.log.Info("sync job: area already being synced; nothing to do", "area", a.Area, "sub_account_id", a.SubAccountID, "job_id", job.ID)
		return nil
	case errors.Is(err, store.ErrNotFound), errors.Is(err, cachesync.ErrUnknownArea):
		return river.JobCancel(err) // retrying cannot help
	case err != nil:
		return err
	}
	return w.afterBalanceSync(ctx, a)
}

// due reports whether master's full sync is due, as the periodic tick decides it. Every
// replica queues a startup sync so that a fresh portal shows data within seconds; one that
// joins replicas which synced a moment ago (a scale-out, a rolling restart) would
// otherwise sync everything again, and the areas would run twice in one period. When the
// answer is not known, the sync runs.
func (w *syncWorker) due(ctx context.Context, master string) bool {
	masters, _, err := w.syncers.Due(ctx)
	if err != nil {
		w.log.Warn("sync: checking whether the startup sync is due; running it", "master", master, "error", err)
		return true
	}
	return slices.Contains(masters, master)
}

// fanOut queues the request once per master.
func (w *syncWorker) fanOut(ctx context.Context, a SyncArgs) error {
	ids, err := w.syncers.MasterIDs(ctx)
	if err != nil {
		w.log.Warn("sync: some master accounts cannot be synced", "error", err)
	}
	client, cerr := river.ClientFromContextSafely[*sql.Tx](ctx)
	if cerr != nil {
		return cerr
	}
	for _, m := range ids {
		a.Master = m
		if _, err := client.Insert(ctx, a, nil); err != nil {
			return fmt.Errorf("jobs: queue sync of master %s: %w", m, err)
		}
	}
	return nil
}

// SyncTickArgs is the periodic check of which syncs are due.
type SyncTickArgs struct{}

// Kind is River's job kind.
func (SyncTickArgs) Kind() string { return "sync_tick" }

// InsertOpts: one tick at a time; a missed tick is covered by the next.
func (SyncTickArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

type tickWorker struct {
	river.WorkerDefaults[SyncTickArgs]
	syncers Syncers
	log     *slog.Logger
}

func (w *tickWorker) Work(ctx context.Context, _ *river.Job[SyncTickArgs]) error {
	masters, catalog, err := w.syncers.Due(ctx)
	if err != nil {
		w.log.Warn("sync: checking which syncs are due", "error", err)
	}
	client, cerr := river.ClientFromContextSafely[*sql.Tx](ctx)
	if cerr != nil {
		return cerr
	}
	for _, m := range masters {
		if _, err := client.Insert(ctx, SyncArgs{Master: m, Area: cachesync.AreaFull, Trigger: cachesync.TriggerSchedule}, nil); err != nil {
			return fmt.Errorf("jobs: queue the scheduled sync of %s: %w", m, err)
		}
	}
	if catalog && len(masters) == 0 {
		// The catalogue is the same for every master: any one reads it. (A due full sync
		// reads it itself.)
		ids, _ := w.syncers.MasterIDs(ctx)
		if len(ids) > 0 {
			if _, err := client.Insert(ctx, SyncArgs{Master: ids[0], Area: cachesync.AreaCatalog, Trigger: cachesync.TriggerSchedule}, nil); err != nil {
				return fmt.Errorf("jobs: queue the catalogue refresh: %w", err)
			}
		}
	}
	return nil
}

// Runner is the running job system of this process.
type Runner struct {
	client *river.Client[*sql.Tx]
	db     *store.DB
	verify *verifier // nil: no Options.AuditVerify
	log    *slog.Logger
}

// driver picks River's driver for the store's dialect.
func driver(db *store.DB) (riverdriver.Driver[*sql.Tx], error) {
	pool, err := db.SQL()
	if err != nil {
		return nil, err
	}
	return driverFor(pool, db.Dialect() == store.DialectPostgres), nil
}

func driverFor(pool *sql.DB, postgres bool) riverdriver.Driver[*sql.Tx] {
	if postgres {
		return riverdatabasesql.New(pool)
	}
	return riversqlite.New(pool)
}

// riverMigrateLock serialises River migrations of replicas starting together (Postgres).
const riverMigrateLock int64 = 0x7075727365720002

// Migrate creates or updates River's own tables (idempotent).
func Migrate(ctx context.Context, db *store.DB, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	drv, err := driver(db)
	if err != nil {
		return err
	}
	if db.Dialect() == store.DialectPostgres {
		pool, _ := db.SQL()
		conn, err := pool.Conn(ctx)
		if err != nil {
			return fmt.Errorf("jobs: migrate: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, riverMigrateLock); err != nil {
			return fmt.Errorf("jobs: migrate lock: %w", err)
		}
		defer func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, riverMigrateLock)
		}()
	}
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("jobs: migrator: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("jobs: migrate river tables: %w", err)
	}
	for _, v := range res.Versions {
		log.Info("river migration applied", "version", v.Version, "name", v.Name)
	}
	return nil
}

// Options tune Start; zero values take the defaults.
type Options struct {
	// TickInterval is how often the periodic tick checks which syncs are due; default a
	// minute (the shortest sync interval settings allow), or the sync interval when shorter.
	TickInterval time.Duration
	// PollInterval is how often idle workers look for new jobs; default 1s.
	PollInterval time.Duration
	// NoPeriodic disables the periodic jobs (tests).
	NoPeriodic bool
	// Operations, when set, runs the operation jobs (execute, reconcile, expire; execute.go).
	Operations *OperationJobs
	// AuditCheckpoint, when set, is run by the periodic audit_checkpoint job every
	// AuditCheckpointInterval (default a minute; checkpoint.go).
	AuditCheckpoint         func(context.Context) error
	AuditCheckpointInterval time.Duration
	// AuditVerify, when set, performs the verification runs the audit page enqueues
	// (Runner.EnqueueVerification; verify.go).
	AuditVerify *AuditVerifyJobs
	// SessionSweep, when set, is run by the periodic session_sweep job every
	// SessionSweepInterval (default 5 minutes; sessions.go); it returns how many expired
	// sessions it deleted.
	SessionSweep         func(context.Context) (int64, error)
	SessionSweepInterval time.Duration
	// Rules, when set, evaluates a master's standing top-up rules and alerts: the
	// rules_evaluate job queued after each sync run that read the balances (rules.go).
	Rules RulesEvaluator
	// Reports, when set, delivers the scheduled reports (reports.go).
	Reports *ReportJobs
	// Runways, when set, recomputes the sub-accounts' runways after every sync run that
	// read balances (the runways job; runways.go).
	Runways *RunwayJobs
}

// Start migrates River's tables, starts the workers and the periodic tick that queues
// each master's full sync every sync interval (read from the syncers' options at each
// tick: cachesync.Options.Intervals) plus the catalogue refresh, and returns once they
// run. interval bounds the tick period when it is shorter than a minute (tests).
func Start(ctx context.Context, db *store.DB, syncers Syncers, log *slog.Logger, interval time.Duration) (*Runner, error) {
	return StartWith(ctx, db, syncers, log, interval, Options{})
}

// StartWith is Start with options.
func StartWith(ctx context.Context, db *store.DB, syncers Syncers, log *slog.Logger, interval time.Duration, o Options) (*Runner, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.TickInterval <= 0 {
		o.TickInterval = time.Minute
		if interval > 0 && interval < o.TickInterval {
			o.TickInterval = interval
		}
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if err := Migrate(ctx, db, log); err != nil {
		return nil, err
	}
	drv, err := driver(db)
	if err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &syncWorker{syncers: syncers, rules: o.Rules, log: log, runways: addRunwayJobs(workers, o.Runways, log)})
	if o.Rules != nil {
		river.AddWorker(workers, &rulesWorker{eval: o.Rules})
	}
	river.AddWorker(workers, &tickWorker{syncers: syncers, log: log})
	river.AddWorker(workers, &masterRefreshWorker{syncers: syncers, db: db})
	cfg := &river.Config{
		Logger:            log.With("component", "river"),
		Workers:           workers,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		FetchPollInterval: o.PollInterval,
		FetchCooldown:     min(100*time.Millisecond, o.PollInterval),
		JobTimeout:        -1,
		// riverdatabasesql and riversqlite have no LISTEN/NOTIFY: poll.
		PollOnly: true,
	}
	if !o.NoPeriodic {
		cfg.PeriodicJobs = []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(o.TickInterval), func() (river.JobArgs, *river.InsertOpts) {
				return SyncTickArgs{}, nil
			}, nil),
		}
	}
	addOperationJobs(workers, cfg, o.Operations, !o.NoPeriodic)
	if _, ok := cfg.Queues[QueueOperations]; !ok && o.Rules != nil {
		cfg.Queues[QueueOperations] = river.QueueConfig{MaxWorkers: 2}
	}
	addAuditCheckpointJob(workers, cfg, o.AuditCheckpoint, o.AuditCheckpointInterval, !o.NoPeriodic)
	v := addAuditVerifyJobs(workers, cfg, db, o.AuditVerify, log, !o.NoPeriodic)
	addSessionSweepJob(workers, cfg, o.SessionSweep, o.SessionSweepInterval, log, !o.NoPeriodic)
	addReportJobs(workers, cfg, o.Reports, log, !o.NoPeriodic)
	client, err := river.NewClient(drv, cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: river client: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		return nil, fmt.Errorf("jobs: start: %w", err)
	}
	log.Info("jobs: started", "dialect", db.Dialect(), "sync_tick", o.TickInterval)
	return &Runner{client: client, db: db, verify: v, log: log}, nil
}

// EnqueueSync asks for a sync of area for every master (one sub-account, on its master,
// when subAccountID is set). While an identical request is waiting or running, it returns
// that job's id instead of adding another.
func (r *Runner) EnqueueSync(ctx context.Context, area, subAccountID, trigger string) (int64, error) {
	return r.EnqueueSyncOf(ctx, "", area, subAccountID, trigger)
}

// EnqueueSyncOf is EnqueueSync for one master ("" = every master).
func (r *Runner) EnqueueSyncOf(ctx context.Context, master, area, subAccountID, trigger string) (int64, error) {
	if area == "" {
		area = cachesync.AreaFull
	}
	if !cachesync.ValidArea(area) {
		return 0, fmt.Errorf("%w %q", cachesync.ErrUnknownArea, area)
	}
	if subAccountID != "" && (area == cachesync.AreaFull || area == cachesync.AreaCoupons) {
		area = cachesync.AreaBalances // what Run does for one sub-account: one unique key
	}
	res, err := r.client.Insert(ctx, SyncArgs{Master: master, Area: area, SubAccountID: subAccountID, Trigger: trigger}, nil)
	if err != nil {
		return 0, fmt.Errorf("jobs: enqueue sync: %w", err)
	}
	return res.Job.ID, nil
}

// Stop stops fetching jobs and waits for running ones until ctx ends, then cancels them
// (an interrupted sync resumes from its cursor on the next run).
func (r *Runner) Stop(ctx context.Context) error {
	err := r.client.Stop(ctx)
	if err == nil {
		return nil
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err2 := r.client.StopAndCancel(cctx); err2 != nil {
		return fmt.Errorf("jobs: stop: %w", errors.Join(err, err2))
	}
	return nil
}
