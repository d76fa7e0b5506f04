package cachesync_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
	"github.com/purser-finance/purser/internal/upstreamacct"
)

// A sub-account's own view of the upstream: a second sandbox whose domain id is the
// sub-account's id, with its own AK/SK, stored as a `sub` credential under master A.
// The master's resource pass caches its resources under the sub-account's id; a failing
// sub credential keeps its last good rows and only records its error; a disabled
// credential's rows go at the next pass.
func TestSyncSubAccountCredentialResources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		start := func(domain, ak, sk string, seed int64, subs int) *sandbox.Running {
			so := sandbox.DefaultOptions()
			so.FlowControl.Off = true // the client runs far above the upstream's rate to keep the test fast
			so.DomainID, so.AK, so.SK, so.Seed, so.SubAccounts, so.Logger = domain, ak, sk, seed, subs, slog.New(slog.DiscardHandler)
			r, err := sandbox.Start(ctx, "127.0.0.1:0", so)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = r.Close() })
			return r
		}
		sbA := start("domain-a", "ak-a", "sk-a", 11, 4)
		svc, err := upstreamacct.New(db, []byte("0123456789abcdef0123456789abcdef"))
		if err != nil {
			t.Fatal(err)
		}
		reg := upstreamacct.NewRegistry(svc)
		m, err := svc.Create(ctx, upstreamacct.Input{Name: "A", Endpoint: sbA.URL(), AK: "ak-a", SK: "sk-a", DomainID: "domain-a", Enabled: true},
			audit.System("test"), auth.Operator())
		if err != nil {
			t.Fatal(err)
		}
		pool := cachesync.NewPool(db, reg, cachesync.Options{Concurrency: 4})
		syncA := func(wantStatus string) store.SyncRun {
			t.Helper()
			s, err := pool.Syncer(ctx, "domain-a")
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.Run(ctx, cachesync.AreaFull, "", "test")
			if err != nil || r.Status != wantStatus {
				t.Fatalf("full sync of A = %+v, %v; want %s", r, err, wantStatus)
			}
			return r
		}
		syncA(store.RunSucceeded)
		subID := sbA.Server().State("").SubAccounts[0].ID
		sbSub := start(subID, "ak-sub", "sk-sub", 99, 0)
		cred, err := svc.Create(ctx, upstreamacct.Input{Name: "Sub one", Kind: upstreamacct.KindSub, MasterID: &m.ID, Endpoint: sbSub.URL(),
			AK: "ak-sub", SK: "sk-sub", DomainID: subID, Enabled: true}, audit.System("test"), auth.Operator())
		if err != nil {
			t.Fatal(err)
		}
		syncA(store.RunSucceeded)

		wantSub := sbSub.Server().State("").Resources
		cached := func(account string) []store.Resource {
			t.Helper()
			rs, _, err := db.ListResources(ctx, authz.Everything, store.ResourceFilter{AccountID: account, Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			return rs
		}
		got := cached(subID)
		if len(wantSub) == 0 || len(got) != len(wantSub) {
			t.Fatalf("sub-account resources cached: %d, its sandbox has %d", len(got), len(wantSub))
		}
		ids := map[string]bool{}
		for _, r := range got {
			ids[r.ResourceID] = true
		}
		for _, w := range wantSub {
			if !ids[w.ResourceID] {
				t.Fatalf("resource %s of the sub-account's sandbox not cached under %s", w.ResourceID, subID)
			}
		}
		if n, wantA := len(cached("domain-a")), len(sbA.Server().State("").Resources); n != wantA {
			t.Fatalf("master A's resources: %d cached, sandbox has %d", n, wantA)
		}
		// The master filter covers its sub-accounts' resources.
		if _, total, err := db.ListResources(ctx, authz.Everything, store.ResourceFilter{MasterAccountID: "domain-a", Limit: 1}); err != nil || int(total) != len(got)+len(cached("domain-a")) {
			t.Fatalf("master filter: %d (%v)", total, err)
		}

		// The sub-account's upstream fails: its rows stay as they were, the master's sync goes
		// on, and the run says which account failed.
		before := got[0].SyncedAt
		_ = sbSub.Close()
		syncA(store.RunPartial)
		runs, err := db.LatestSyncRunsOf(ctx, "domain-a")
		if rr := runs[cachesync.AreaResources]; err != nil || rr.Status != store.RunPartial || !strings.Contains(rr.Error, subID) {
			t.Fatalf("resource run %+v (%v) does not say the sub-account failed", rr, err)
		}
		kept := cached(subID)
		if len(kept) != len(wantSub) || !kept[0].SyncedAt.Equal(before) {
			t.Fatalf("failing credential: %d rows kept (synced %s, was %s), want %d untouched", len(kept), kept[0].SyncedAt, before, len(wantSub))
		}
		if n := len(cached("domain-a")); n == 0 {
			t.Fatal("the master's resources went with the failing sub credential")
		}

		// Disabled: the sub-account's resources are removed at the next pass.
		in := upstreamacct.Input{Name: "Sub one", Kind: upstreamacct.KindSub, MasterID: &m.ID, Endpoint: sbSub.URL(),
			AK: "ak-sub", DomainID: subID, Enabled: false}
		if _, err := svc.Update(ctx, cred.ID, in, audit.System("test"), auth.Operator()); err != nil {
			t.Fatal(err)
		}
		syncA(store.RunSucceeded)
		if n := len(cached(subID)); n != 0 {
			t.Fatalf("disabled credential: %d resources still cached", n)
		}
		if n := len(cached("domain-a")); n == 0 {
			t.Fatal("the master's own resources were removed with the sub-account's")
		}
	})
}
