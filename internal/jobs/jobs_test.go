package jobs_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/jobs"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// Each test's two dialects run side by side (storetest.EachParallel): the runners of
// one SQLite and one Postgres database, which mostly wait (leader election, intervals).
// More at once made the 20 ms polls of SQLite under the race detector crowd out the
// elections and the periodic jobs that the tests wait for.
func TestMain(m *testing.M) { storetest.Main(m) }

func TestSyncJobs(t *testing.T) {
	storetest.EachParallel(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		so := sandbox.DefaultOptions()
		so.FlowControl.Off = true // the client runs far above the upstream's rate to keep the test fast
		so.Logger = slog.New(slog.DiscardHandler)
		running, err := sandbox.Start(ctx, "127.0.0.1:0", so)
		if err != nil {
			t.Fatal(err)
		}
		defer running.Close()
		client, err := bss.New(bss.Config{Endpoint: running.URL(), AK: so.AK, SK: so.SK, DomainID: so.DomainID, RatePerSecond: 500,
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		syncer := cachesync.New(db, client, cachesync.Options{MasterAccountID: so.DomainID})
		// Migrating twice is a no-op.
		if err := jobs.Migrate(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		r, err := jobs.StartWith(ctx, db, syncer, nil, time.Hour, jobs.Options{PollInterval: 20 * time.Millisecond, NoPeriodic: true})
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
			defer c()
			if err := r.Stop(sctx); err != nil {
				t.Error(err)
			}
		}()

		waitRun := func(area, sub string) store.SyncRun {
			t.Helper()
			deadline := time.Now().Add(30 * time.Second)
			for time.Now().Before(deadline) {
				runs, err := db.ListSyncRuns(ctx, 50)
				if err != nil {
					t.Fatal(err)
				}
				for _, run := range runs {
					if run.Area == area && run.SubAccountID == sub && run.Status != store.RunRunning {
						return run
					}
				}
				time.Sleep(20 * time.Millisecond)
			}
			t.Fatalf("no finished %s run", area)
			return store.SyncRun{}
		}

		id, err := r.EnqueueSync(ctx, "full", "", "test")
		if err != nil || id == 0 {
			t.Fatalf("EnqueueSync = %d, %v", id, err)
		}
		if run := waitRun("full", ""); run.Status != store.RunSucceeded || run.Trigger != "test" {
			t.Fatalf("full run by job = %+v", run)
		}
		if p, _ := db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{}); p.Total != int64(so.SubAccounts) {
			t.Fatalf("sub-accounts after job = %d", p.Total)
		}

		// Clicks while a refresh is waiting or running do not pile up.
		running.Server().SetFaults(sandbox.Faults{LatencyMS: 300, Paths: []string{"/v2/enterprises/multi-accounts/retrieve"}})
		sub := running.Server().State("").SubAccounts[0].ID
		first, err := r.EnqueueSync(ctx, "balances", sub, "manual:alice")
		if err != nil {
			t.Fatal(err)
		}
		second, err := r.EnqueueSync(ctx, "", sub, "manual:bob")
		if err != nil || second != first {
			t.Fatalf("second click = %d (%v), want job %d", second, err, first)
		}
		if run := waitRun("balances", sub); run.Status != store.RunSucceeded || run.Items != 1 {
			t.Fatalf("refresh run = %+v", run)
		}
		running.Server().SetFaults(sandbox.Faults{})
		if _, err := r.EnqueueSync(ctx, "bogus", "", "test"); err == nil {
			t.Fatal("unknown area accepted")
		}
	})
}
