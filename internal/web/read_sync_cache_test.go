package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

// A balance pass that finds nothing new leaves the read cache alone: it commits a batch
// every second or so for most of an hour, and each commit used to move the write version
// (store.DB.WriteVersion) and so empty the cache. Only the pass's own run row (opened,
// closed), its audit event and the totals' history point move it now, however many
// batches it commits. A pass that finds one balance changed moves it, and the pages show
// the new figure at once.
func TestBalancePassRetiresTheCacheOnlyOnChange(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := newPortal(t, db, nil)
		p.seedCache()
		p.addUser("fiona", "", "finance")
		b := p.signedIn("fiona")
		syncer := cachesync.New(p.db, p.upstream(), cachesync.Options{MasterAccountID: sandbox.DefaultOptions().DomainID, BatchSize: 2})
		pass := func() {
			t.Helper()
			if run, err := syncer.Run(ctx, cachesync.AreaBalances, "", "test"); err != nil || run.Status != store.RunSucceeded {
				t.Fatalf("balance pass: %+v, %v", run, err)
			}
		}
		id := p.someSubAccount()
		row := func() string {
			t.Helper()
			r := b.get("/sub-accounts?sort=-balance")
			return r.doc(t).Find(`[data-testid="sa-row"][data-id="` + id + `"]`).Text()
		}
		if row() == "" {
			t.Fatalf("%s is not on the list", id)
		}

		v := p.db.WriteVersion()
		pass()
		// Its run opened and closed, its audit event: each a statement and its commit;
		// and the totals' point. Before, every one of its 13 batches moved it several times.
		moved := p.db.WriteVersion() - v
		if moved > 7 {
			t.Errorf("a balance pass with nothing new upstream moved the write version %d times, want at most 7", moved)
		}
		t.Logf("a pass with nothing new moved the write version %d times", moved)

		if !p.sb.Server().SetDebit(id, decimal.RequireFromString("7654.32")) {
			t.Fatal("SetDebit")
		}
		before := row() // cached now
		v = p.db.WriteVersion()
		pass()
		if changed := p.db.WriteVersion() - v; changed <= moved {
			t.Errorf("a pass that found a balance changed moved the write version %d times, as many as one that found nothing", changed)
		}
		if got := row(); !strings.Contains(got, "7,654.32") || got == before {
			t.Errorf("the list after the pass shows %q, want the new debit 7,654.32", strings.Join(strings.Fields(got), " "))
		}
		if got := b.get("/sub-accounts/"+id).testid(t, "card-debit"); !strings.Contains(got, "7,654.32") {
			t.Errorf("the detail page after the pass shows %q", got)
		}
	})
}
