package jobs_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/jobs"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestRunwaysAfterBalanceSyncs: a sync run that read balances (a full sync, one
// sub-account's refresh) is followed by the runways job for that master or that
// sub-account; a run that read none (the catalogue) is not.
func TestRunwaysAfterBalanceSyncs(t *testing.T) {
	storetest.EachParallel(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		so := sandbox.DefaultOptions()
		so.SubAccounts = 3
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
		var mu sync.Mutex
		var calls []string
		refresh := func(_ context.Context, master, sub string) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			calls = append(calls, master+"/"+sub)
			return 1, nil
		}
		r, err := jobs.StartWith(ctx, db, syncer, nil, time.Hour, jobs.Options{PollInterval: 20 * time.Millisecond, NoPeriodic: true,
			Runways: &jobs.RunwayJobs{Refresh: refresh}})
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
			defer c()
			_ = r.Stop(sctx)
		}()
		waitCalls := func(want ...string) {
			t.Helper()
			deadline := time.Now().Add(30 * time.Second)
			for {
				mu.Lock()
				got := append([]string(nil), calls...)
				mu.Unlock()
				if len(got) >= len(want) {
					for i := range want {
						if got[i] != want[i] {
							t.Fatalf("runways computed for %v, want %v", got, want)
						}
					}
					if len(got) > len(want) {
						t.Fatalf("runways computed for %v, want only %v", got, want)
					}
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("runways computed for %v, want %v", got, want)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		if _, err := r.EnqueueSync(ctx, "full", "", "test"); err != nil {
			t.Fatal(err)
		}
		waitCalls(so.DomainID + "/")
		sub := running.Server().State("").SubAccounts[0].ID
		if _, err := r.EnqueueSync(ctx, "balances", sub, "operation"); err != nil {
			t.Fatal(err)
		}
		waitCalls(so.DomainID+"/", so.DomainID+"/"+sub)
		if _, err := r.EnqueueSync(ctx, "catalog", "", "test"); err != nil {
			t.Fatal(err)
		}
		// The catalogue's run ends, and no runways follow it (the job would be picked up
		// within the poll interval).
		deadline := time.Now().Add(30 * time.Second)
		for done := false; !done; {
			runs, err := db.ListSyncRuns(ctx, 50)
			if err != nil {
				t.Fatal(err)
			}
			for _, run := range runs {
				done = done || (run.Area == "catalog" && run.Status != store.RunRunning)
			}
			if time.Now().After(deadline) {
				t.Fatal("no catalogue run")
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(500 * time.Millisecond)
		waitCalls(so.DomainID+"/", so.DomainID+"/"+sub)
	})
}
