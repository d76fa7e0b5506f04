package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/jobs"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// The session sweep is a periodic River job: two replicas on one database sweep about
// once per interval together, not once each, and the sweep deletes the expired sessions
// only.
func TestSessionSweepJobRunsOncePerIntervalAcrossReplicas(t *testing.T) {
	storetest.EachParallel(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		save := func(id string, expires time.Time) {
			if err := db.SaveSession(ctx, &store.Session{ID: id, ExpiresAt: expires}); err != nil {
				t.Fatal(err)
			}
		}
		save("expired", time.Now().Add(-time.Minute))
		save("live", time.Now().Add(time.Hour))
		var sweeps atomic.Int64
		const interval = 250 * time.Millisecond
		o := jobs.Options{PollInterval: 20 * time.Millisecond, TickInterval: time.Hour, SessionSweepInterval: interval,
			SessionSweep: func(ctx context.Context) (int64, error) {
				sweeps.Add(1)
				return db.DeleteExpiredSessions(ctx, time.Now())
			}}
		syncer := cachesync.New(db, nil, cachesync.Options{MasterAccountID: "m"})
		for range 2 {
			r, err := jobs.StartWith(ctx, db, syncer, nil, time.Hour, o)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
				defer c()
				_ = r.Stop(sctx)
			})
		}
		// River elects its leader a moment after start (longer on a loaded machine).
		deadline := time.Now().Add(60 * time.Second)
		for sweeps.Load() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("no session sweep within a minute")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := db.SessionByID(ctx, "live"); err != nil {
			t.Fatalf("a live session was swept: %v", err)
		}
		for i := 0; ; i++ {
			if _, err := db.SessionByID(ctx, "expired"); errors.Is(err, store.ErrNotFound) {
				break
			} else if i > 100 {
				t.Fatalf("the expired session is still there: %v", err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		before, start := sweeps.Load(), time.Now()
		for i := 0; time.Since(start) < 3*time.Second; i++ {
			save(fmt.Sprintf("gone-%d", i), time.Now().Add(-time.Second)) // something to sweep
			time.Sleep(100 * time.Millisecond)
		}
		n, window := sweeps.Load()-before, time.Since(start)
		t.Logf("%d sweeps in %s at one per %s", n, window, interval)
		if n == 0 || n > int64(window/interval)+2 {
			t.Fatalf("%d sweeps in %s at one per %s, by two replicas", n, window, interval)
		}
	})
}
