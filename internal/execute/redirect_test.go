package execute_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/execute"
	"github.com/purser-finance/purser/internal/store"
)

// TestRedirectedTransferIsUnknownThenReconciled: an endpoint answering the transfer with
// 302 (an http:// address redirected to https://) moves nothing. The operation ends
// unknown, never succeeded, and the reconciler, on a healthy upstream, resends the same
// trans_id and settles it applied once.
func TestRedirectedTransferIsUnknownThenReconciled(t *testing.T) {
	t.Parallel()
	prepared.EachParallel(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, envOpts{noRunner: true})
		sub := e.subs(1)[0]
		sb := e.sb.Server()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == "/v2/enterprises/multi-accounts/transfer-amount" {
				http.Redirect(w, r, r.URL.Path, http.StatusFound) // a GET there would answer 200 with amounts
				return
			}
			sb.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		so := sandbox.DefaultOptions() // as newEnv's sandbox
		redirected, err := bss.New(bss.Config{Endpoint: srv.URL, AK: so.AK, SK: so.SK, DomainID: e.master, RatePerSecond: 500,
			Timeout: callTimeout, RetryBase: 10 * time.Millisecond, MaxAttempts: 3})
		if err != nil {
			t.Fatal(err)
		}
		ex := execute.New(db, redirected, execute.Options{Notifier: e.svc.Notifier(), LockLease: 2 * time.Second})

		op := e.create(e.transfer(sub.ID, "12.00"))
		e.approve(op.ID, "approver")
		if err := ex.Execute(e.ctx, op.ID); err != nil {
			t.Fatal(err)
		}
		got := e.op(op.ID)
		if got.State != approval.StateUnknown {
			t.Fatalf("after a 302: %s, want unknown (error %+v)", got.State, got.Error)
		}
		if n := ledgerCount(t, e.sb.URL())[op.TransID]; n != 0 {
			t.Fatalf("the redirected transfer was applied %d times", n)
		}

		if n, err := e.exec.Reconcile(e.ctx); err != nil || n != 1 {
			t.Fatalf("reconcile: %d %v", n, err)
		}
		if got := e.op(op.ID); got.State != approval.StateSucceeded {
			t.Fatalf("after reconciling: %s %+v", got.State, got.Error)
		}
		if n := ledgerCount(t, e.sb.URL())[op.TransID]; n != 1 {
			t.Fatalf("reconciled transfer applied %d times", n)
		}
	})
}
