package jobs_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/jobs"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// The audit checkpoint is a periodic River job: inserted by the elected leader only, so
// two replicas together make about one checkpoint per interval while events arrive, not
// one each, and none while the trail does not move.
func TestAuditCheckpointJobRunsOncePerIntervalAcrossReplicas(t *testing.T) {
	storetest.EachParallel(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		signer, err := audit.NewSigner(bytes.Repeat([]byte{7}, 32))
		if err != nil {
			t.Fatal(err)
		}
		const interval = 250 * time.Millisecond
		o := jobs.Options{PollInterval: 20 * time.Millisecond, TickInterval: time.Hour, AuditCheckpointInterval: interval,
			AuditCheckpoint: func(ctx context.Context) error {
				_, err := signer.CheckpointIfMoved(ctx, db)
				return err
			}}
		syncer := cachesync.New(db, nil, cachesync.Options{MasterAccountID: "m"})
		for range 2 {
			r, err := jobs.StartWith(ctx, db, syncer, nil, time.Hour, o)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
				defer c()
				_ = r.Stop(sctx)
			}()
		}
		record := func() {
			if err := audit.Record(ctx, db, audit.System("test"), audit.Entry{Action: audit.UserUpdate, TargetType: "user",
				TargetID: "1", Outcome: audit.Success}); err != nil {
				t.Fatal(err)
			}
		}
		count := func() int {
			cps, err := db.ListAuditCheckpoints(ctx, 1000)
			if err != nil {
				t.Fatal(err)
			}
			return len(cps)
		}
		covered := func() bool {
			head, _, err := db.AuditHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			last, err := db.LastAuditCheckpoint(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return last != nil && last.EventID == head
		}
		// River elects its leader a moment after start (longer on a loaded machine): events
		// arrive until the first checkpoint, then for a measured window.
		deadline := time.Now().Add(60 * time.Second)
		for count() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("no checkpoint within a minute of events arriving")
			}
			record()
			time.Sleep(20 * time.Millisecond)
		}
		const busy = 3 * time.Second
		before, start := count(), time.Now()
		for time.Since(start) < busy {
			record()
			time.Sleep(20 * time.Millisecond)
		}
		n := count() - before
		t.Logf("%d checkpoints in %s at one per %s", n, busy, interval)
		if n == 0 || n > int(busy/interval)+2 {
			t.Fatalf("%d checkpoints in %s at one per %s", n, busy, interval)
		}
		for !covered() {
			if time.Now().After(deadline) {
				t.Fatal("the last events were never checkpointed")
			}
			time.Sleep(interval / 5)
		}
		settled := count()
		time.Sleep(4 * interval)
		if m := count(); m != settled {
			t.Fatalf("checkpoints went from %d to %d while no event arrived", settled, m)
		}
		if r, err := signer.Verify(ctx, db, nil); err != nil || !r.OK {
			t.Fatalf("chain after the job's checkpoints: %+v %v", r, err)
		}
	})
}
