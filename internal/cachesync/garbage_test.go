package cachesync_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestGarbageAnswersKeepLastGoodData: an upstream (or a proxy in front of it) answering
// 200 with something that is not the documented answer (an empty JSON object, an HTML
// page) fails the run; it never reads as "no sub-accounts, no money" and wipes the cache.
func TestGarbageAnswersKeepLastGoodData(t *testing.T) {
	for _, garbage := range []struct{ name, contentType, body string }{
		{"empty object", "application/json", `{}`},
		{"HTML", "text/html", `<html><body>Please sign in</body></html>`},
	} {
		t.Run(garbage.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				so := sandbox.DefaultOptions()
				so.FlowControl.Off = true // the client runs far above the upstream's rate to keep the test fast
				so.Logger = slog.New(slog.DiscardHandler)
				sb, err := sandbox.New(so)
				if err != nil {
					t.Fatal(err)
				}
				var on atomic.Bool
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if on.Load() && strings.HasPrefix(r.URL.Path, "/v2/enterprises/multi-accounts/") {
						w.Header().Set("Content-Type", garbage.contentType)
						_, _ = w.Write([]byte(garbage.body))
						return
					}
					sb.ServeHTTP(w, r)
				}))
				t.Cleanup(srv.Close)
				client, err := bss.New(bss.Config{Endpoint: srv.URL, AK: so.AK, SK: so.SK, DomainID: so.DomainID,
					RatePerSecond: 500, MaxAttempts: 2, RetryBase: 5 * time.Millisecond})
				if err != nil {
					t.Fatal(err)
				}
				syncer := cachesync.New(db, client, cachesync.Options{MasterAccountID: so.DomainID, Concurrency: 8})
				if _, err := syncer.Run(ctx, cachesync.AreaFull, "", "test"); err != nil {
					t.Fatal(err)
				}
				st := sb.State("")
				id := st.SubAccounts[3].ID
				good, _ := db.SubAccountByID(ctx, id)
				goodMaster, _ := db.MasterBalances(ctx, so.DomainID)

				on.Store(true)
				r, err := syncer.Run(ctx, cachesync.AreaFull, "", "test")
				if err != nil {
					t.Fatal(err)
				}
				if r.Status == store.RunSucceeded || r.Errors == 0 {
					t.Fatalf("run on garbage answers = %+v", r)
				}
				if p, _ := db.ListSubAccounts(ctx, authz.Everything, store.SubAccountFilter{}); int(p.Total) != len(st.SubAccounts) {
					t.Fatalf("garbage listing removed sub-accounts: %d left of %d", p.Total, len(st.SubAccounts))
				}
				got, _ := db.SubAccountByID(ctx, id)
				if !got.Stale || got.Debit.Cmp(good.Debit) != 0 || got.Credit.Cmp(good.Credit) != 0 {
					t.Fatalf("after garbage: %+v (was %+v)", got, good)
				}
				mb, _ := db.MasterBalances(ctx, so.DomainID)
				if !mb.Stale || mb.Debit.Cmp(goodMaster.Debit) != 0 {
					t.Fatalf("master after garbage = %+v (was %+v)", mb, goodMaster)
				}
			})
		})
	}
}
