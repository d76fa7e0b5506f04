package jobs_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/jobs"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// The periodic sync follows the interval as it is at each tick: lengthening it stops the
// scheduled syncs, shortening it (an admin saving /admin/settings) brings them back, with
// no restart.
func TestScheduledSyncFollowsIntervalChanges(t *testing.T) {
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
		var interval atomic.Int64
		interval.Store(int64(time.Hour))
		syncer := cachesync.New(db, client, cachesync.Options{MasterAccountID: so.DomainID,
			Intervals: func(context.Context) (time.Duration, time.Duration) { return time.Duration(interval.Load()), 0 }})
		if _, err := syncer.Run(ctx, "full", "", "startup"); err != nil {
			t.Fatal(err)
		}
		r, err := jobs.StartWith(ctx, db, syncer, nil, time.Hour, jobs.Options{PollInterval: 20 * time.Millisecond, TickInterval: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
			defer c()
			_ = r.Stop(sctx)
		}()
		scheduled := func() int {
			runs, err := db.ListSyncRuns(ctx, 500)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, run := range runs {
				if run.Area == "full" && run.Trigger == cachesync.TriggerSchedule {
					n++
				}
			}
			return n
		}
		time.Sleep(1500 * time.Millisecond)
		if n := scheduled(); n != 0 {
			t.Fatalf("%d scheduled syncs within a 1 h interval", n)
		}
		interval.Store(int64(time.Millisecond)) // as short as it gets: due at every tick
		// Two full syncs one after the other: on SQLite under the race detector they took
		// up to 20 s alone, and the package's tests now run side by side.
		deadline := time.Now().Add(60 * time.Second)
		for scheduled() < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("after shortening the interval: %d scheduled syncs", scheduled())
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}
