// Package cachesync keeps Purser's read-side cache (internal/store cache tables) in step with
// the upstream, so that pages never wait for it.
//
// A Syncer runs one area ("organizations", "sub_accounts", "master", "balances",
// "coupons", "cards", "resources", "packages", "catalog") or all of them ("full"). Each run
// is a sync_runs row; at most one run of an area (per sub-account, for one-account
// refreshes) is running at a time across every replica, enforced by the database (see
// store.BeginSyncRun), and a second Run of the same area returns ErrAlreadyRunning at once
// rather than waiting. Calls go through the bss client's rate limiter and run concurrently
// (Options.Concurrency) so that the limiter, not latency, bounds the pace.
//
// A failed upstream call never removes data: the last good rows stay, sub-accounts and the
// master are marked stale with the reason, and the area's latest run says failed/partial.
// Removal of vanished rows happens only after a complete read.
//
// The balance pass reads sub-accounts in the order that serves people (never read first,
// then those nearest to running out: store.BalancePass) and commits in batches together
// with its progress ("balances read: 3,120 of 10,000" on the pages and /metrics) and its
// cursor (when the pass began); a run interrupted by a crash or shutdown is resumed by the
// next run of the area, which reads only what was not read since. A sub-account whose
// credit account was found absent has its credit call skipped on all but every
// Options.CreditRecheckEvery-th pass.
//
// Every top-level Run writes one sync.run audit event (never one per call).
package cachesync

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	stdsync "sync"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/upstreamacct"
)

// Areas.
const (
	AreaFull          = "full"
	AreaOrganizations = "organizations"
	AreaSubAccounts   = "sub_accounts"
	AreaMaster        = "master"
	AreaBalances      = "balances"
	AreaCoupons       = "coupons"
	AreaCards         = "cards"
	AreaResources     = "resources"
	AreaPackages      = "packages"
	AreaCatalog       = "catalog"
)

// Areas lists the areas a full sync runs, in order (the catalogue only when it is older
// than Options.CatalogInterval).
var Areas = []string{AreaOrganizations, AreaSubAccounts, AreaMaster, AreaBalances, AreaCoupons, AreaCards, AreaResources, AreaPackages, AreaCatalog}

// Triggers.
const (
	TriggerSchedule = "schedule"
	TriggerStartup  = "startup"
)

// DefaultCreditRecheckEvery is Options.CreditRecheckEvery's default: about three in four
// sub-accounts have no credit account, and skipping their credit call on three passes
// out of four takes a pass from two calls per sub-account to about 1.3.
const DefaultCreditRecheckEvery = 4

// ErrAlreadyRunning: a run of the same area (and sub-account) is in progress somewhere.
var ErrAlreadyRunning = store.ErrSyncRunning

// ErrUnknownArea: Run was given an area it does not know.
var ErrUnknownArea = errors.New("sync: unknown area")

// Options configure a Syncer; zero values take the defaults.
type Options struct {
	Interval        time.Duration // periodic full sync; default 15m (used by internal/jobs)
	CatalogInterval time.Duration // catalogue refresh; default 24h
	Concurrency     int           // upstream calls in flight; default 16
	Log             *slog.Logger
	Now             func() time.Time
	// MasterAccountID is the master's domain id: every row this Syncer writes is tagged
	// with it, and its resources are cached under it (resource calls are signed with the
	// master's credentials).
	MasterAccountID string
	// Subs, when set, lists the master's enabled sub-account credentials: the resource
	// area also reads each of those sub-accounts' own resources with its own client (see
	// syncResources). Pool sets it when its master source offers it (the registry).
	Subs func(ctx context.Context, master string) ([]upstreamacct.Sub, error)
	// Intervals, when set, gives the current sync and catalogue intervals (an admin
	// changes them under /admin/settings without a restart); Interval and CatalogInterval
	// are the fallback when it returns zero.
	Intervals func(ctx context.Context) (full, catalog time.Duration)
	// StaleAfter is how old a running run's heartbeat must be before another process
	// takes it over as dead; default 1m (heartbeats every StaleAfter/4). Until then, an
	// area a killed replica was reading is skipped by the others' syncs, so the window is
	// kept short; it still outlasts a heartbeat missed in a database outage of half a
	// minute.
	StaleAfter time.Duration
	// BatchSize is how many sub-accounts' balances are committed together; default 100.
	BatchSize int
	// LowThreshold, when set, gives the default low-balance threshold (an admin sets it
	// under /admin/settings): a balance pass reads the sub-accounts nearest to it first.
	LowThreshold func(ctx context.Context) money.Amount
	// CreditRecheckEvery: a sub-account whose credit account was found absent has its
	// credit read again every this many balance passes (skipped in between); 1 reads it
	// on every pass. Default 4.
	CreditRecheckEvery int
}

func (o Options) withDefaults() Options {
	if o.Interval <= 0 {
		o.Interval = 15 * time.Minute
	}
	if o.CatalogInterval <= 0 {
		o.CatalogInterval = 24 * time.Hour
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.StaleAfter <= 0 {
		o.StaleAfter = time.Minute
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	if o.CreditRecheckEvery <= 0 {
		o.CreditRecheckEvery = DefaultCreditRecheckEvery
	}
	return o
}

// Syncer reads the upstream into the cache.
type Syncer struct {
	db    *store.DB
	up    bss.Upstream
	o     Options
	owner string
}

// New builds a Syncer.
func New(db *store.DB, up bss.Upstream, o Options) *Syncer {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &Syncer{db: db, up: up, o: o.withDefaults(), owner: fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))}
}

// Options returns the effective options (defaults applied).
func (s *Syncer) Options() Options { return s.o }

// ValidArea reports whether area names something Run accepts ("" is "full").
func ValidArea(area string) bool {
	if area == "" || area == AreaFull {
		return true
	}
	for _, a := range Areas {
		if a == area {
			return true
		}
	}
	return false
}

// Run runs one sync and returns its run record. area "" or "full" runs every area (each
// area also gets its own run row, so pages can show "as of" per area); subAccountID set
// refreshes that one sub-account's balances and coupons (area must be "", "full",
// "balances" or "coupons"). trigger says why ("schedule", "startup", "manual:<user>").
// A run of the same area already in progress gives ErrAlreadyRunning (wrapped) without
// waiting. The returned error is nil when the run finished, even with upstream errors
// (see SyncRun.Status and Errors); it is set when the run could not start or was
// interrupted (ctx cancelled: the run is closed as interrupted and the next one resumes).
func (s *Syncer) Run(ctx context.Context, area, subAccountID, trigger string) (store.SyncRun, error) {
	if area == "" {
		area = AreaFull
	}
	if !ValidArea(area) {
		return store.SyncRun{}, fmt.Errorf("%w %q", ErrUnknownArea, area)
	}
	if subAccountID != "" {
		switch area {
		case AreaFull, AreaBalances, AreaCoupons:
			area = AreaBalances
		default:
			return store.SyncRun{}, fmt.Errorf("sync: area %q cannot be refreshed for one sub-account", area)
		}
	}
	started := time.Now()
	r, err := s.begin(ctx, area, subAccountID, trigger)
	if err != nil {
		return store.SyncRun{}, err
	}
	var runErr error
	switch {
	case subAccountID != "":
		runErr = s.refreshOne(ctx, r, subAccountID)
	case area == AreaFull:
		runErr = s.full(ctx, r, trigger)
	default:
		runErr = s.area(ctx, r, area, false)
	}
	out, err := s.finish(ctx, r, runErr, started, true)
	if err != nil {
		return out, err
	}
	if ctx.Err() != nil {
		return out, fmt.Errorf("sync: %s interrupted: %w", area, ctx.Err())
	}
	return out, nil
}

// run is the state of one running run.
type run struct {
	rec      store.SyncRun
	items    int
	errs     int
	total    int
	firstErr string
	cursor   string
	stop     func()
}

func (r *run) fail(what string, err error) {
	r.errs++
	if r.firstErr == "" {
		r.firstErr = what + ": " + reason(err)
	}
}

func (r *run) progress() store.RunProgress {
	return store.RunProgress{Items: r.items, Errors: r.errs, Total: r.total, Cursor: r.cursor}
}

// begin opens a run row and keeps its heartbeat until finish.
func (s *Syncer) begin(ctx context.Context, area, subAccountID, trigger string) (*run, error) {
	rec, err := s.db.BeginSyncRun(ctx, s.o.MasterAccountID, area, subAccountID, trigger, s.owner, s.o.StaleAfter)
	if err != nil {
		return nil, err
	}
	r := &run{rec: rec, cursor: rec.Cursor}
	hbCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(s.o.StaleAfter / 4)
		defer t.Stop()
		for {
			select {
			case <-hbCtx.Done():
				return
			case <-t.C:
				if err := s.db.HeartbeatSyncRun(hbCtx, rec.ID); err != nil && hbCtx.Err() == nil {
					s.o.Log.Warn("sync: heartbeat failed", "run_id", rec.ID, "error", err)
				}
			}
		}
	}()
	r.stop = func() { cancel(); <-done }
	if rec.Cursor != "" {
		s.o.Log.Info("sync: resuming an interrupted run", "area", area, "run_id", rec.ID, "cursor", rec.Cursor)
	}
	return r, nil
}

// finish closes the run row (and, for a top-level run, writes its audit event in the same
// transaction). A cancelled ctx closes it as interrupted, keeping the cursor.
func (s *Syncer) finish(ctx context.Context, r *run, runErr error, started time.Time, top bool) (store.SyncRun, error) {
	r.stop()
	status, msg := store.RunSucceeded, r.firstErr
	switch {
	case ctx.Err() != nil:
		status, msg = store.RunFailed, store.InterruptedError
	case runErr != nil:
		status = store.RunFailed
		if msg == "" || !strings.Contains(msg, reason(runErr)) {
			msg = reason(runErr)
		}
	case r.errs > 0 && r.items > 0:
		status = store.RunPartial
	case r.errs > 0:
		status = store.RunFailed
	}
	p := r.progress()
	if status != store.RunFailed || msg != store.InterruptedError {
		p.Cursor = "" // finished: the next run starts from the beginning
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var out store.SyncRun
	err := s.db.InTx(fctx, func(tx *store.DB) error {
		var err error
		out, err = tx.FinishSyncRun(fctx, r.rec.ID, status, p, msg)
		if err != nil || !top {
			return err
		}
		outcome := audit.Success
		if status == store.RunFailed {
			outcome = audit.Failure
		}
		target := r.rec.Area
		if r.rec.SubAccountID != "" {
			target = r.rec.SubAccountID
		}
		details := map[string]any{
			"area": r.rec.Area, "run_id": r.rec.ID, "trigger": r.rec.Trigger, "status": status,
			"items": p.Items, "errors": p.Errors, "duration_ms": time.Since(started).Milliseconds(),
		}
		if r.rec.SubAccountID != "" {
			details["sub_account_id"] = r.rec.SubAccountID
		}
		if msg != "" {
			details["error"] = msg
		}
		return audit.Record(fctx, tx, audit.System("sync"), audit.Entry{
			Action: audit.SyncRun, TargetType: "sync", TargetID: target, Outcome: outcome, Details: details,
		})
	})
	if err != nil {
		return out, fmt.Errorf("sync: finish run %d: %w", r.rec.ID, err)
	}
	log := s.o.Log.With("area", r.rec.Area, "run_id", r.rec.ID, "status", status, "items", p.Items, "errors", p.Errors,
		"duration", time.Since(started).Round(time.Millisecond))
	if status == store.RunSucceeded {
		log.Info("sync run finished")
	} else {
		log.Warn("sync run finished", "error", msg)
	}
	return out, nil
}

// full runs every area as its own child run; the parent row adds up their counts. The
// tree and the sub-account list come first; then the balance pass (the longest, bound by
// the amount operation's rate limit) runs beside the other areas, whose operations have
// limiters of their own.
func (s *Syncer) full(ctx context.Context, parent *run, trigger string) error {
	var mu stdsync.Mutex
	one := func(area string) {
		if ctx.Err() != nil {
			return
		}
		if area == AreaCatalog {
			due, err := s.catalogDue(ctx)
			if err != nil || !due {
				if err != nil {
					mu.Lock()
					parent.fail(area, err)
					mu.Unlock()
				}
				return
			}
		}
		started := time.Now()
		child, err := s.begin(ctx, area, "", trigger)
		if err != nil {
			if errors.Is(err, ErrAlreadyRunning) {
				s.o.Log.Info("sync: area already running elsewhere; skipped in this full run", "area", area)
				return
			}
			mu.Lock()
			parent.fail(area, err)
			mu.Unlock()
			return
		}
		runErr := s.area(ctx, child, area, true)
		rec, err := s.finish(ctx, child, runErr, started, false)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			parent.fail(area, err)
			return
		}
		parent.items += rec.Items
		parent.errs += rec.Errors
		if runErr != nil && rec.Errors == 0 {
			parent.errs++
		}
		if rec.Status == store.RunFailed && parent.firstErr == "" {
			parent.firstErr = area + ": " + rec.Error
		}
	}
	one(AreaOrganizations)
	one(AreaSubAccounts)
	var wg stdsync.WaitGroup
	wg.Go(func() { one(AreaBalances) })
	for _, area := range Areas {
		switch area {
		case AreaOrganizations, AreaSubAccounts, AreaBalances:
		default:
			one(area)
		}
	}
	wg.Wait()
	return ctx.Err()
}

func (s *Syncer) catalogDue(ctx context.Context) (bool, error) {
	at, err := s.db.CatalogSyncedAt(ctx)
	if err != nil {
		return false, err
	}
	return at == nil || s.o.Now().Sub(*at) >= s.o.CurrentIntervals(ctx).CatalogInterval, nil
}

// CurrentIntervals returns o with Interval and CatalogInterval as they are now: from
// Intervals when set (a zero value keeps the configured one).
func (o Options) CurrentIntervals(ctx context.Context) Options {
	if o.Intervals != nil {
		full, catalog := o.Intervals(ctx)
		if full > 0 {
			o.Interval = full
		}
		if catalog > 0 {
			o.CatalogInterval = catalog
		}
	}
	return o
}

// area runs one area into r. inFull: the balance pass also reads the sub-accounts'
// coupons (so the coupon area then only reads the master's).
func (s *Syncer) area(ctx context.Context, r *run, area string, inFull bool) error {
	switch area {
	case AreaOrganizations:
		return s.syncOrganizations(ctx, r)
	case AreaSubAccounts:
		return s.syncSubAccounts(ctx, r)
	case AreaMaster:
		return s.syncMaster(ctx, r)
	case AreaBalances:
		return s.syncBalances(ctx, r, true, true)
	case AreaCoupons:
		if err := s.syncMasterCoupons(ctx, r); err != nil || inFull {
			return err
		}
		return s.syncBalances(ctx, r, false, true)
	case AreaCards:
		return s.syncCards(ctx, r)
	case AreaResources:
		return s.syncResources(ctx, r)
	case AreaPackages:
		return s.syncPackages(ctx, r)
	case AreaCatalog:
		return s.syncCatalog(ctx, r)
	}
	return fmt.Errorf("%w %q", ErrUnknownArea, area)
}

// reason is what the cache and the run record say about a failure: the upstream code and
// kind, never a secret (bss errors carry none), or the error text for local failures.
func reason(err error) string {
	var be *bss.Error
	if errors.As(err, &be) {
		kind := strings.TrimPrefix(be.Kind.Error(), "bss: ")
		if be.Code != "" {
			return be.Code + " " + kind
		}
		if be.HTTPStatus != 0 {
			return fmt.Sprintf("HTTP %d %s", be.HTTPStatus, kind)
		}
		return kind
	}
	if err == nil {
		return ""
	}
	return err.Error()
}
