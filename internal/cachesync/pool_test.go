package cachesync_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
	"github.com/purser-finance/purser/internal/upstreamacct"
)

// masters is a fixed MasterSource.
type masters []upstreamacct.Master

func (m masters) Masters(context.Context) ([]upstreamacct.Master, error) { return m, nil }

// startSandbox runs a sandbox with its own domain id and seed and returns it with a client.
func startSandbox(t *testing.T, domain string, seed int64, subs int) (*sandbox.Server, bss.Upstream) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	so := sandbox.DefaultOptions()
	so.FlowControl.Off = true // the client runs far above the upstream's rate to keep the test fast
	so.DomainID, so.Seed, so.SubAccounts, so.Logger = domain, seed, subs, slog.New(slog.DiscardHandler)
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
	return running.Server(), client
}

// Two masters sync into one cache: each row is tagged with its master, each master's
// amounts are its own, and a master whose upstream fails keeps neither from syncing nor
// removes anything of the other.
func TestPoolSyncsEachMaster(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sbA, upA := startSandbox(t, "domain-a", 11, 6)
		sbB, upB := startSandbox(t, "domain-b", 22, 4)
		pool := cachesync.NewPool(db, masters{{DomainID: "domain-a", Name: "A", Upstream: upA}, {DomainID: "domain-b", Name: "B", Upstream: upB}},
			cachesync.Options{Concurrency: 4})
		for _, m := range []string{"domain-a", "domain-b"} {
			s, err := pool.Syncer(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			if r, err := s.Run(ctx, "full", "", "test"); err != nil || r.Status != store.RunSucceeded || r.MasterAccountID != m {
				t.Fatalf("full run of %s = %+v, %v", m, r, err)
			}
		}
		check := func(master string, sb *sandbox.Server) {
			t.Helper()
			st := sb.State("")
			page, err := db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{MasterAccountID: master, Limit: 500})
			if err != nil || int(page.Total) != len(st.SubAccounts) {
				t.Fatalf("%s: %d sub-accounts cached (%v), sandbox has %d", master, page.Total, err, len(st.SubAccounts))
			}
			for _, ss := range st.SubAccounts {
				got, err := db.SubAccountByID(ctx, ss.ID)
				if err != nil || got.MasterAccountID != master || got.Debit.String() != ss.Debit {
					t.Fatalf("%s: sub-account %s = %+v (%v), sandbox debit %s", master, ss.ID, got, err, ss.Debit)
				}
			}
			mb, err := db.MasterBalances(ctx, master)
			if err != nil || mb.SyncedAt == nil || mb.Debit.String() != st.Master.Debit {
				t.Fatalf("%s: master amounts %+v (%v), sandbox %s", master, mb, err, st.Master.Debit)
			}
		}
		check("domain-a", sbA)
		check("domain-b", sbB)
		all, err := db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{Limit: 500})
		if err != nil || all.Total != 10 {
			t.Fatalf("all masters = %d (%v), want 10", all.Total, err)
		}

		// B's upstream fails: B's run fails, its rows stay (stale); A syncs and keeps all its rows.
		sbB.SetFaults(sandbox.Faults{ErrorRate: 1, Status: 500})
		for _, m := range []string{"domain-b", "domain-a"} {
			s, _ := pool.Syncer(ctx, m)
			r, err := s.Run(ctx, "full", "", "test")
			if err != nil {
				t.Fatal(err)
			}
			if want := m == "domain-a"; (r.Status == store.RunSucceeded) != want {
				t.Fatalf("run of %s with B failing = %+v", m, r)
			}
		}
		sbB.SetFaults(sandbox.Faults{})
		check("domain-a", sbA)
		if page, _ := db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{MasterAccountID: "domain-b"}); page.Total != 4 {
			t.Fatalf("B's rows after its failed sync = %d, want 4 kept", page.Total)
		}
		if runs, _ := db.LatestSyncRunsOf(ctx, "domain-b"); runs["full"].Status == store.RunSucceeded {
			t.Fatalf("B's latest full run = %+v", runs["full"])
		}

		// A sub-account refresh goes to the syncer of its own master only.
		idB := sbB.State("").SubAccounts[0].ID
		if m, err := pool.MasterOf(ctx, idB); err != nil || m != "domain-b" {
			t.Fatalf("master of %s = %q, %v", idB, m, err)
		}
		sA, _ := pool.Syncer(ctx, "domain-a")
		if r, err := sA.Run(ctx, "balances", idB, "test"); err == nil && (r.Status != store.RunFailed || r.Items != 0) {
			t.Fatalf("A refreshed a sub-account of B: %+v", r)
		}
		if _, err := pool.Syncer(ctx, "domain-x"); err == nil {
			t.Fatal("a syncer for an unknown master")
		}
	})
}

// The periodic tick's view: a master is due when its last full sync started an interval
// ago, and the interval is read at each call (a settings change applies at once).
func TestPoolDueFollowsIntervals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, upA := startSandbox(t, "domain-a", 11, 2)
		now := time.Now()
		interval := time.Hour
		pool := cachesync.NewPool(db, masters{{DomainID: "domain-a", Upstream: upA}}, cachesync.Options{
			Now:       func() time.Time { return now },
			Intervals: func(context.Context) (time.Duration, time.Duration) { return interval, 0 },
		})
		due, _, err := pool.Due(ctx)
		if err != nil || len(due) != 1 {
			t.Fatalf("never synced: due = %v, %v", due, err)
		}
		s, _ := pool.Syncer(ctx, "domain-a")
		if _, err := s.Run(ctx, "full", "", "test"); err != nil {
			t.Fatal(err)
		}
		now = time.Now().Add(30 * time.Minute)
		if due, _, _ := pool.Due(ctx); len(due) != 0 {
			t.Fatalf("30 min after a sync with a 1 h interval: due = %v", due)
		}
		interval = 15 * time.Minute // an admin shortens the interval
		if due, _, _ := pool.Due(ctx); len(due) != 1 {
			t.Fatalf("after shortening the interval: due = %v", due)
		}
	})
}

// A full sync still marked running whose heartbeat stopped was left by a replica that
// died mid-sync: it must not hold the schedule (and the startup sync of the replicas)
// back for ever. A live one does.
func TestPoolDueAfterADeadRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, upA := startSandbox(t, "domain-a", 11, 2)
		now := time.Now()
		pool := cachesync.NewPool(db, masters{{DomainID: "domain-a", Upstream: upA}}, cachesync.Options{
			Now: func() time.Time { return now }, Interval: time.Hour, StaleAfter: 2 * time.Minute,
		})
		if _, err := db.BeginSyncRun(ctx, "domain-a", cachesync.AreaFull, "", cachesync.TriggerSchedule, "dead-replica", 2*time.Minute); err != nil {
			t.Fatal(err)
		}
		now = time.Now().Add(time.Minute)
		if due, _, _ := pool.Due(ctx); len(due) != 0 {
			t.Fatalf("while a live run is going: due = %v", due)
		}
		now = time.Now().Add(3 * time.Minute) // no heartbeat for longer than StaleAfter
		if due, _, err := pool.Due(ctx); err != nil || len(due) != 1 {
			t.Fatalf("the running run's owner died: due = %v, %v; want the master due", due, err)
		}
	})
}

// By default a run whose owner stopped beating for over a minute is dead: a replica
// killed while reading an area holds that area back from the others' syncs for about a
// minute, not more (two replicas: the scheduled full sync after a kill must read it).
func TestDeadRunTakenOverAfterAMinuteByDefault(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, upA := startSandbox(t, "domain-a", 11, 2)
		now := time.Now()
		pool := cachesync.NewPool(db, masters{{DomainID: "domain-a", Upstream: upA}}, cachesync.Options{
			Now: func() time.Time { return now }, Interval: time.Hour,
		})
		if _, err := db.BeginSyncRun(ctx, "domain-a", cachesync.AreaFull, "", cachesync.TriggerSchedule, "dead-replica", time.Minute); err != nil {
			t.Fatal(err)
		}
		now = time.Now().Add(45 * time.Second)
		if due, _, _ := pool.Due(ctx); len(due) != 0 {
			t.Fatalf("45 s after its last heartbeat the run counts as live: due = %v", due)
		}
		now = time.Now().Add(70 * time.Second)
		if due, _, err := pool.Due(ctx); err != nil || len(due) != 1 {
			t.Fatalf("70 s without a heartbeat: due = %v, %v; want the master due", due, err)
		}
	})
}
