// Package jobs runs Purser's durable background jobs with River, in the portal's own
// database: riverdatabasesql on Postgres and riversqlite on SQLite, both over the store's
// *sql.DB pool (one pool for gorm and River, so a job can later be enqueued inside a
// business transaction). River's tables are migrated by Start with rivermigrate.
//
// Jobs today: sync (on demand, periodic full sync, daily catalogue). A sync job is unique
// per (area, sub-account) while it is available, scheduled, running or retryable, so
// repeated refresh clicks never pile up; periodic jobs are inserted by River's elected
// leader only, so several replicas schedule each sync once. A sync that is already running
// elsewhere (sync.ErrAlreadyRunning) completes the job: the running one covers it.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/purser-finance/purser/internal/store"
	cachesync "github.com/purser-finance/purser/internal/sync"
)

// SyncArgs asks for one sync run. Area and SubAccountID make a job unique; Trigger does not.
type SyncArgs struct {
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

type syncWorker struct {
	river.WorkerDefaults[SyncArgs]
	syncer *cachesync.Syncer
	log    *slog.Logger
}

// Timeout: a full sync of many sub-accounts takes minutes; the run's own heartbeat and
// the sync_runs lock guard against a dead worker, not a job timeout.
func (w *syncWorker) Timeout(*river.Job[SyncArgs]) time.Duration { return -1 }

func (w *syncWorker) Work(ctx context.Context, job *river.Job[SyncArgs]) error {
	a := job.Args
	_, err := w.syncer.Run(ctx, a.Area, a.SubAccountID, a.Trigger)
	switch {
	case errors.Is(err, cachesync.ErrAlreadyRunning):
		w.log.Info("sync job: area already being synced; nothing to do", "area", a.Area, "sub_account_id", a.SubAccountID, "job_id", job.ID)
		return nil
	case errors.Is(err, store.ErrNotFound), errors.Is(err, cachesync.ErrUnknownArea):
		return river.JobCancel(err) // retrying cannot help
	}
	return err
}

// Runner is the running job system of this process.
type Runner struct {
	client *river.Client[*sql.Tx]
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
	// CatalogInterval schedules the catalogue refresh; default the syncer's (24h).
	CatalogInterval time.Duration
	// PollInterval is how often idle workers look for new jobs; default 1s.
	PollInterval time.Duration
	// NoPeriodic disables the periodic jobs (tests).
	NoPeriodic bool
	// Operations, when set, runs the operation jobs (execute, reconcile, expire; execute.go).
	Operations *OperationJobs
}

// Start migrates River's tables, starts the workers and the periodic full sync every
// interval (0: the syncer's Interval, 15m) plus the daily catalogue refresh, and returns
// once they run.
func Start(ctx context.Context, db *store.DB, syncer *cachesync.Syncer, log *slog.Logger, interval time.Duration) (*Runner, error) {
	return StartWith(ctx, db, syncer, log, interval, Options{})
}

// StartWith is Start with options.
func StartWith(ctx context.Context, db *store.DB, syncer *cachesync.Syncer, log *slog.Logger, interval time.Duration, o Options) (*Runner, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if interval <= 0 {
		interval = syncer.Options().Interval
	}
	if o.CatalogInterval <= 0 {
		o.CatalogInterval = syncer.Options().CatalogInterval
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
	river.AddWorker(workers, &syncWorker{syncer: syncer, log: log})
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
			river.NewPeriodicJob(river.PeriodicInterval(interval), func() (river.JobArgs, *river.InsertOpts) {
				return SyncArgs{Area: cachesync.AreaFull, Trigger: cachesync.TriggerSchedule}, nil
			}, nil),
			river.NewPeriodicJob(river.PeriodicInterval(o.CatalogInterval), func() (river.JobArgs, *river.InsertOpts) {
				return SyncArgs{Area: cachesync.AreaCatalog, Trigger: cachesync.TriggerSchedule}, nil
			}, nil),
		}
	}
	addOperationJobs(workers, cfg, o.Operations, !o.NoPeriodic)
	client, err := river.NewClient(drv, cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: river client: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		return nil, fmt.Errorf("jobs: start: %w", err)
	}
	log.Info("jobs: started", "dialect", db.Dialect(), "sync_interval", interval, "catalog_interval", o.CatalogInterval)
	return &Runner{client: client, log: log}, nil
}

// EnqueueSync asks for a sync of area (one sub-account when subAccountID is set). While
// an identical request is waiting or running, it returns that job's id instead of adding
// another.
func (r *Runner) EnqueueSync(ctx context.Context, area, subAccountID, trigger string) (int64, error) {
	if area == "" {
		area = cachesync.AreaFull
	}
	if !cachesync.ValidArea(area) {
		return 0, fmt.Errorf("%w %q", cachesync.ErrUnknownArea, area)
	}
	if subAccountID != "" && (area == cachesync.AreaFull || area == cachesync.AreaCoupons) {
		area = cachesync.AreaBalances // what Run does for one sub-account: one unique key
	}
	res, err := r.client.Insert(ctx, SyncArgs{Area: area, SubAccountID: subAccountID, Trigger: trigger}, nil)
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
