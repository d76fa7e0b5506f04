package web_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/jobs"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web"
)

// The audit bookkeeping and the job wiring the coverage and other tests share.

// mark remembers the newest audit event; since returns the ones written after it.
func (p *portal) mark() {
	id, _, err := p.db.AuditHead(context.Background())
	if err != nil {
		p.t.Fatal(err)
	}
	p.markID = id
}

func (p *portal) since() []store.AuditEvent { return p.eventsAfter(p.markID, "") }

// auditHead is the id of the newest audit event.
func (p *portal) auditHead() int64 {
	p.t.Helper()
	id, _, err := p.db.AuditHead(context.Background())
	if err != nil {
		p.t.Fatal(err)
	}
	return id
}

// eventsAfter returns the events (of action; "" any) written after the one with id after,
// oldest first.
func (p *portal) eventsAfter(after int64, action string) []store.AuditEvent {
	p.t.Helper()
	evs, err := p.db.ListAudit(context.Background(), store.AuditFilter{AfterID: after, Action: action, Ascending: true, Limit: 500})
	if err != nil {
		p.t.Fatal(err)
	}
	return evs
}

// withJobs gives the server the real sync and job runner (River on the test database),
// which also performs the audit verifications.
func withJobs(t *testing.T) func(d *web.Deps, up bss.Upstream) {
	return func(d *web.Deps, up bss.Upstream) {
		syncer := cachesync.New(d.DB, up, cachesync.Options{MasterAccountID: sandbox.DefaultOptions().DomainID})
		signer, err := audit.NewSigner(d.Config.SecretKey)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		runner, err := jobs.StartWith(ctx, d.DB, syncer, slog.New(slog.DiscardHandler), time.Hour,
			jobs.Options{PollInterval: 50 * time.Millisecond, AuditVerify: &jobs.AuditVerifyJobs{Signer: signer}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cancel()
			runner.Stop(context.Background())
		})
		d.Sync, d.AuditVerifier = runner, runner
	}
}

// seedCache fills the cache from the sandbox with a real sync.
func (p *portal) seedCache() {
	syncer := cachesync.New(p.db, p.upstream(), cachesync.Options{MasterAccountID: sandbox.DefaultOptions().DomainID})
	if _, err := syncer.Run(context.Background(), "full", "", "test"); err != nil {
		p.t.Fatal(err)
	}
}

func (p *portal) someSubAccount() string {
	page, err := p.db.ListSubAccounts(context.Background(), authz.Everything, store.SubAccountFilter{Limit: 1})
	if err != nil || len(page.Items) == 0 {
		p.t.Fatalf("no sub-account in the cache: %v", err)
	}
	return page.Items[0].ID
}
