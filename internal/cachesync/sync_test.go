package cachesync_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	stdsync "sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// env is a sandbox over HTTP, the real client, and a Syncer on a fresh database.
type env struct {
	db     *store.DB
	sb     *sandbox.Server
	client *bss.Client
	syncer *cachesync.Syncer
	opts   sandbox.Options
}

func newEnv(t *testing.T, db *store.DB, tweak func(*cachesync.Options)) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	so := sandbox.DefaultOptions()
	so.FlowControl.Off = true // the client runs far above the upstream's rate to keep the test fast
	so.Logger = slog.New(slog.DiscardHandler)
	running, err := sandbox.Start(ctx, "127.0.0.1:0", so)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = running.Close() })
	client, err := bss.New(bss.Config{Endpoint: running.URL(), AK: so.AK, SK: so.SK, DomainID: so.DomainID,
		RatePerSecond: 500, MaxAttempts: 2, RetryBase: 5 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	o := cachesync.Options{MasterAccountID: so.DomainID, Concurrency: 8}
	if os.Getenv("SYNC_TEST_LOG") != "" {
		o.Log = slog.Default()
	}
	if tweak != nil {
		tweak(&o)
	}
	return &env{db: db, sb: running.Server(), client: client, syncer: cachesync.New(db, client, o), opts: so}
}

func (e *env) run(t *testing.T, area, sub string) store.SyncRun {
	t.Helper()
	r, err := e.syncer.Run(context.Background(), area, sub, "test")
	if err != nil {
		t.Fatalf("Run(%q, %q): %v", area, sub, err)
	}
	return r
}

// checkAgainstSandbox compares every cached sub-account's figures with the sandbox state.
func checkAgainstSandbox(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	st := e.sb.State("")
	page, err := e.db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if int(page.Total) != len(st.SubAccounts) {
		t.Fatalf("cached %d sub-accounts, sandbox has %d", page.Total, len(st.SubAccounts))
	}
	for _, ss := range st.SubAccounts {
		got, err := e.db.SubAccountByID(ctx, ss.ID)
		if err != nil {
			t.Fatalf("sub-account %s: %v", ss.ID, err)
		}
		if got.Debit.String() != ss.Debit {
			t.Errorf("%s debit = %s, sandbox %s", ss.ID, got.Debit, ss.Debit)
		}
		credit := decimal.Zero
		for _, c := range ss.Credit {
			credit = credit.Add(decimal.RequireFromString(c.Available))
		}
		if got.Credit.String() != credit.StringFixed(2) || len(got.Credits) != len(ss.Credit) {
			t.Errorf("%s credit = %s (%d lines), sandbox %s (%d)", ss.ID, got.Credit, len(got.Credits), credit.StringFixed(2), len(ss.Credit))
		}
		if got.Name != ss.Name || got.Status != ss.Status || got.OrgID != ss.OrgID || got.Stale || got.BalancesSyncedAt == nil {
			t.Errorf("%s = %+v, sandbox %+v", ss.ID, got, ss)
		}
		if ss.OrgID != "" && len(got.OrgPath) == 0 {
			t.Errorf("%s has no org path", ss.ID)
		}
		_, n, err := e.db.ListCoupons(ctx, authz.Everything, store.CouponFilter{SubAccountID: ss.ID, Limit: 500})
		if err != nil || int(n) != len(ss.Coupons) {
			t.Errorf("%s coupons = %d (%v), sandbox %d", ss.ID, n, err, len(ss.Coupons))
		}
	}
	mb, err := e.db.MasterBalances(ctx, e.opts.DomainID)
	if err != nil || mb.SyncedAt == nil || mb.Debit.String() != st.Master.Debit || len(mb.Credits) != len(st.Master.Credit) {
		t.Errorf("master = %+v (%v), sandbox %+v", mb, err, st.Master)
	}
	_, n, err := e.db.ListCoupons(ctx, authz.Everything, store.CouponFilter{Limit: 500})
	if err != nil || int(n) != len(st.Master.Coupons) {
		t.Errorf("master coupons = %d (%v), sandbox %d", n, err, len(st.Master.Coupons))
	}
	_, n, err = e.db.ListResources(ctx, authz.Everything, store.ResourceFilter{AccountID: e.opts.DomainID})
	if err != nil || int(n) != len(st.Resources) {
		t.Errorf("resources = %d (%v), sandbox %d", n, err, len(st.Resources))
	}
}

func auditCount(t *testing.T, db *store.DB) int64 {
	t.Helper()
	var n int64
	if err := db.Gorm().Raw(`SELECT COUNT(*) FROM audit_events WHERE action = 'sync.run'`).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFullAndIncrementalSync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, nil)
		// A sub-account the upstream no longer lists: a full run removes it.
		if err := db.UpsertSubAccounts(ctx, e.opts.DomainID, -1, []store.SubAccountInfo{{ID: "vanished", Name: "gone"}}, time.Now()); err != nil {
			t.Fatal(err)
		}
		r := e.run(t, "full", "")
		if r.Status != store.RunSucceeded || r.Errors != 0 || r.Items == 0 || r.FinishedAt == nil {
			t.Fatalf("full run = %+v", r)
		}
		checkAgainstSandbox(t, e)
		if _, err := db.SubAccountByID(ctx, "vanished"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("vanished sub-account still cached: %v", err)
		}
		latest, err := db.LatestSyncRuns(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range append([]string{"full"}, cachesync.Areas...) {
			if latest[a].Status != store.RunSucceeded {
				t.Errorf("latest %s run = %+v", a, latest[a])
			}
		}
		orgs, _ := db.Organizations(ctx)
		if len(orgs) < 3 {
			t.Errorf("organizations = %d", len(orgs))
		}
		for _, kind := range []string{store.CatalogServiceType, store.CatalogResourceType, store.CatalogUsageType, store.CatalogServiceResource} {
			for _, lang := range []string{"zh_CN", "en_US"} {
				if p, _ := db.PageCatalog(ctx, store.CatalogFilter{Kind: kind, Lang: lang, Limit: 10}); p.Total == 0 {
					t.Errorf("catalogue %s/%s empty", kind, lang)
				}
			}
		}
		if p, _ := db.PageCards(ctx, authz.Everything, store.CardFilter{Limit: 10}); p.Total == 0 {
			t.Error("no cards")
		}
		if p, _ := db.PagePackageUsages(ctx, authz.Everything, store.PackageFilter{Limit: 10}); p.Total == 0 {
			t.Error("no package usages")
		}
		if n := auditCount(t, db); n != 1 {
			t.Fatalf("sync.run events after one full run = %d, want 1", n)
		}
		hist, _ := db.BalanceHistory(ctx, "", time.Now().Add(-time.Hour))
		if len(hist) != 1 {
			t.Fatalf("total history points = %d", len(hist))
		}

		// Incremental: a transfer moves money; the next run sees it.
		st := e.sb.State("")
		target := st.SubAccounts[0].ID
		before, _ := db.SubAccountByID(ctx, target)
		if err := e.client.Transfer(ctx, bss.Movement{SubAccountID: bss.SubAccountID(target), Amount: money.New(decimal.RequireFromString("12.34"), ""),
			TransID: bss.NewTransID(), BalanceType: bss.BalanceDebit}); err != nil {
			t.Fatal(err)
		}
		r = e.run(t, "full", "")
		if r.Status != store.RunSucceeded {
			t.Fatalf("second run = %+v", r)
		}
		after, _ := db.SubAccountByID(ctx, target)
		if want := before.Debit.Add(money.New(decimal.RequireFromString("12.34"), "")); after.Debit.Cmp(want) != 0 {
			t.Fatalf("debit after transfer = %s, want %s", after.Debit, want)
		}
		checkAgainstSandbox(t, e)
		if h, _ := db.BalanceHistory(ctx, target, time.Now().Add(-time.Hour)); len(h) != 2 {
			t.Fatalf("history of %s = %d points, want 2 (first read, change)", target, len(h))
		}

		// Refresh of one sub-account.
		r = e.run(t, "balances", target)
		if r.Status != store.RunSucceeded || r.Items != 1 || r.SubAccountID != target {
			t.Fatalf("one-account refresh = %+v", r)
		}
		if n := auditCount(t, db); n != 3 {
			t.Fatalf("sync.run events = %d, want 3", n)
		}
		if _, err := e.syncer.Run(ctx, "balances", "nope", "test"); !errors.Is(err, store.ErrNotFound) {
			// the run itself is recorded as failed; Run reports no error for upstream problems,
			// but an unknown sub-account is a failed run
			r, _ := db.ListSyncRuns(ctx, 1)
			if r[0].Status != store.RunFailed {
				t.Fatalf("refresh of unknown sub-account: %v %+v", err, r[0])
			}
		}
	})
}

func TestUpstreamFaultsKeepLastGoodData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, nil)
		e.run(t, "full", "")
		st := e.sb.State("")
		id := st.SubAccounts[3].ID
		good, _ := db.SubAccountByID(ctx, id)
		goodMaster, _ := db.MasterBalances(ctx, e.opts.DomainID)

		e.sb.SetFaults(sandbox.Faults{ErrorRate: 1, Status: 500, Paths: []string{"/v2/enterprises/multi-accounts/"}})
		r := e.run(t, "full", "")
		if r.Status == store.RunSucceeded || r.Errors == 0 || r.Error == "" {
			t.Fatalf("run under faults = %+v", r)
		}
		got, _ := db.SubAccountByID(ctx, id)
		if !got.Stale || got.LastError == "" || got.Debit.Cmp(good.Debit) != 0 || got.Credit.Cmp(good.Credit) != 0 {
			t.Fatalf("after failed refresh: %+v (was %+v)", got, good)
		}
		if p, _ := db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{}); int(p.Total) != len(st.SubAccounts) {
			t.Fatalf("failed listing removed sub-accounts: %d", p.Total)
		}
		mb, _ := db.MasterBalances(ctx, e.opts.DomainID)
		if !mb.Stale || mb.Debit.Cmp(goodMaster.Debit) != 0 {
			t.Fatalf("master after failure = %+v", mb)
		}
		latest, _ := db.LatestSyncRuns(ctx)
		if latest["balances"].Status != store.RunFailed || latest["cards"].Status != store.RunSucceeded {
			t.Fatalf("latest runs: balances %+v cards %+v", latest["balances"], latest["cards"])
		}

		e.sb.SetFaults(sandbox.Faults{})
		e.run(t, "balances", "")
		e.run(t, "master", "")
		got, _ = db.SubAccountByID(ctx, id)
		mb, _ = db.MasterBalances(ctx, e.opts.DomainID)
		if got.Stale || got.LastError != "" || mb.Stale {
			t.Fatalf("stale marks not cleared: %+v %+v", got, mb)
		}
	})
}

func TestCrashAndResume(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, func(o *cachesync.Options) { o.Concurrency = 2; o.BatchSize = 3 })
		e.run(t, "organizations", "")
		e.run(t, "sub_accounts", "")
		total := len(e.sb.State("").SubAccounts)

		// Slow reads, then cancel once a few batches are committed.
		e.sb.SetFaults(sandbox.Faults{LatencyMS: 30, Paths: []string{"/v2/enterprises/multi-accounts/retrieve"}})
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			_, err := e.syncer.Run(rctx, "balances", "", "test")
			done <- err
		}()
		deadline := time.Now().Add(20 * time.Second)
		for {
			runs, _ := db.ListSyncRuns(ctx, 1)
			if len(runs) == 1 && runs[0].Area == "balances" && runs[0].Items >= 6 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("balance run made no progress")
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run returned %v", err)
		}
		runs, _ := db.ListSyncRuns(ctx, 1)
		stopped := runs[0]
		if stopped.Status != store.RunFailed || stopped.Error != store.InterruptedError || stopped.Cursor == "" || stopped.Items >= total {
			t.Fatalf("interrupted run = %+v", stopped)
		}
		e.sb.SetFaults(sandbox.Faults{})

		resumed := e.run(t, "balances", "")
		if resumed.Status != store.RunSucceeded || resumed.Items+stopped.Items < total || resumed.Items >= total {
			t.Fatalf("resumed run = %+v after %+v (total %d)", resumed, stopped, total)
		}
		// Every sub-account now has balances, each history series has exactly one point.
		var missing int64
		db.Gorm().Raw(`SELECT COUNT(*) FROM sub_accounts s LEFT JOIN sub_account_reads r ON r.sub_account_id = s.id WHERE r.balances_synced_at IS NULL`).Scan(&missing)
		var dup int64
		db.Gorm().Raw(`SELECT COUNT(*) FROM (SELECT sub_account_id FROM balance_snapshots WHERE sub_account_id <> '' GROUP BY sub_account_id HAVING COUNT(*) > 1) d`).Scan(&dup)
		if missing != 0 || dup != 0 {
			t.Fatalf("after resume: %d without balances, %d with duplicate points", missing, dup)
		}
		// The next run starts from the beginning again.
		if r := e.run(t, "balances", ""); r.Items != total {
			t.Fatalf("run after completion read %d, want %d", r.Items, total)
		}
	})
}

func TestOneRunPerArea(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newEnv(t, db, nil)
		e.run(t, "sub_accounts", "")
		e.sb.SetFaults(sandbox.Faults{LatencyMS: 20, Paths: []string{"/v2/enterprises/multi-accounts/retrieve"}})
		var wg stdsync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.syncer.Run(ctx, "balances", "", fmt.Sprintf("test-%d", i))
			}()
		}
		wg.Wait()
		ok, busy := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, cachesync.ErrAlreadyRunning):
				busy++
			default:
				t.Fatalf("Run: %v", err)
			}
		}
		if ok != 1 || busy != 1 {
			t.Fatalf("concurrent runs: %d ran, %d refused", ok, busy)
		}
		// A different area runs meanwhile without trouble.
		if r := e.run(t, "cards", ""); r.Status != store.RunSucceeded {
			t.Fatalf("cards = %+v", r)
		}
	})
}
