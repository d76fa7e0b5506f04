package jobs_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/jobs"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// A replica queues a startup sync as it starts. On a fresh database it runs; a replica
// that starts after another one synced within the interval (a scale-out, a rolling
// restart) does not sync everything again, so each area still runs once per period.
// A refresh asked for by a person runs whatever the interval, and so does a startup
// after a replica died mid-sync.
func TestStartupSyncOnlyWhenDue(t *testing.T) {
	storetest.EachParallel(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		so := sandbox.DefaultOptions()
		so.FlowControl.Off = true // the client runs far above the upstream's rate to keep the test fast
		so.SubAccounts, so.Logger = 3, slog.New(slog.DiscardHandler)
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
		syncer := cachesync.New(db, client, cachesync.Options{MasterAccountID: so.DomainID, Interval: time.Hour,
			StaleAfter: 300 * time.Millisecond})
		r, err := jobs.StartWith(ctx, db, syncer, nil, time.Hour, jobs.Options{PollInterval: 20 * time.Millisecond, NoPeriodic: true})
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
			defer c()
			_ = r.Stop(sctx)
		}()
		// settle waits until no sync job is left to run, then counts the full runs by trigger.
		settle := func() map[string]int {
			t.Helper()
			deadline := time.Now().Add(30 * time.Second)
			for {
				var open int64
				if err := db.Gorm().Raw(`SELECT COUNT(*) FROM river_job WHERE kind = 'sync' AND state NOT IN ('completed', 'cancelled', 'discarded')`).
					Scan(&open).Error; err != nil {
					t.Fatal(err)
				}
				if open == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d sync jobs still open", open)
				}
				time.Sleep(20 * time.Millisecond)
			}
			runs, err := db.ListSyncRuns(ctx, 500)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]int{}
			for _, run := range runs {
				if run.Area == cachesync.AreaFull {
					out[run.Trigger]++
				}
			}
			return out
		}
		enqueue := func(trigger string) {
			t.Helper()
			if _, err := r.EnqueueSync(ctx, cachesync.AreaFull, "", trigger); err != nil {
				t.Fatal(err)
			}
		}

		enqueue(cachesync.TriggerStartup) // the first replica, on a fresh database
		if got := settle(); got[cachesync.TriggerStartup] != 1 {
			t.Fatalf("the first startup sync: full runs %v, want one startup run", got)
		}
		enqueue(cachesync.TriggerStartup) // a second replica, a moment later
		if got := settle(); got[cachesync.TriggerStartup] != 1 {
			t.Fatalf("a startup within the interval synced again: full runs %v, want still one startup run", got)
		}
		enqueue("manual:alice")
		if got := settle(); got["manual:alice"] != 1 || got[cachesync.TriggerStartup] != 1 {
			t.Fatalf("a manual refresh: full runs %v, want one startup and one manual run", got)
		}
		// A replica died in the middle of a full sync: the next replica to start takes
		// the dead run over at once.
		if _, err := db.BeginSyncRun(ctx, so.DomainID, cachesync.AreaFull, "", cachesync.TriggerSchedule, "dead-replica", time.Second); err != nil {
			t.Fatal(err)
		}
		time.Sleep(400 * time.Millisecond) // its heartbeat is older than StaleAfter
		enqueue(cachesync.TriggerStartup)
		if got := settle(); got[cachesync.TriggerStartup] != 2 {
			t.Fatalf("a startup after a replica died mid-sync: full runs %v, want a second startup run", got)
		}
	})
}
