package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/execute"
	"github.com/purser-finance/purser/internal/jobs"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
	"github.com/purser-finance/purser/internal/testkit"
	"github.com/purser-finance/purser/internal/web"
)

// withOps wires the real maker-checker workflow into a test portal: the approval
// service (step-up against the portal's clock), River with the execution worker, and the
// executor over the portal's sandbox upstream.
func withOps(t *testing.T) func(d *web.Deps, up bss.Upstream) {
	return func(d *web.Deps, up bss.Upstream) {
		ctx, cancel := context.WithCancel(context.Background())
		if err := jobs.Migrate(ctx, d.DB, nil); err != nil {
			t.Fatal(err)
		}
		ins, err := jobs.NewInserter(d.DB, d.DB.Dialect() == store.DialectPostgres)
		if err != nil {
			t.Fatal(err)
		}
		master := sandbox.DefaultOptions().DomainID
		// As cmd/portal: step-up is the sign-in's own auth service.
		svc := approval.New(d.DB, approval.Options{StepUp: d.Auth, Enqueuer: ins, MasterAccountID: master, Log: d.Log,
			// As cmd/portal: renewals are quoted through the client they are sent with.
			Renewals: approval.RenewalClients(func(context.Context, string) (bss.Upstream, error) { return up, nil }, nil),
			// As cmd/portal: the registry says which masters are configured (withRegistry);
			// read at call time, since a later tweak may install it.
			MasterLive: func(ctx context.Context, id string) (bool, error) {
				if d.Masters != nil {
					live, err := d.Masters.LiveMasters(ctx)
					return live[id], err
				}
				return true, nil
			}})
		exec := execute.New(d.DB, up, execute.Options{Notifier: svc.Notifier(), Log: d.Log, LockLease: 2 * time.Second})
		syncer := cachesync.New(d.DB, up, cachesync.Options{MasterAccountID: master})
		// Workers look for jobs every 100 ms: quick enough that a test waits a moment for
		// an execution, rare enough that polling (a parsed SQL query each time, slow under
		// -race) is not most of the suite's work.
		runner, err := jobs.StartWith(ctx, d.DB, syncer, slog.New(slog.DiscardHandler), time.Hour, jobs.Options{NoPeriodic: true,
			PollInterval: 100 * time.Millisecond, Operations: &jobs.OperationJobs{Executor: exec, Approval: svc, Snooze: 50 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cancel()
			sctx, c2 := context.WithTimeout(context.Background(), 10*time.Second)
			defer c2()
			_ = runner.Stop(sctx)
			svc.Notifier().Wait()
		})
		d.Sync = runner
		d.Operations = svc
	}
}

// opsPortal is a portal with the workflow, a synced cache and the cast of users.
func opsPortal(t *testing.T, db *store.DB) *portal {
	t.Helper()
	p := newPortalWith(t, db, nil, withOps(t))
	p.seedCache()
	p.opsUsers()
	return p
}

// opsUsers adds finance (maker), two approvers, an admin who also approves and a boss
// who holds every role (the self-approval case).
func (p *portal) opsUsers() {
	for _, u := range testkit.OpsCast {
		if _, err := p.db.UserByUsername(context.Background(), u.Name); err == nil {
			continue
		}
		p.addUser(u.Name, testSecret, u.Roles...)
	}
}

// normalSubs returns normal sub-accounts of the cache with some cash.
func (p *portal) normalSubs(n int) []store.SubAccount {
	p.t.Helper()
	if page, err := p.db.ListSubAccounts(context.Background(), authz.Everything, store.SubAccountFilter{Limit: 1}); err == nil && len(page.Items) == 0 {
		p.seedCache()
	}
	var out []store.SubAccount
	_ = p.db.ForEachSubAccount(context.Background(), authz.Everything, store.SubAccountFilter{Status: 1}, func(s store.SubAccount) error {
		if len(out) < n && s.Debit.IsPositive() {
			out = append(out, s)
		}
		return nil
	})
	if len(out) < n {
		p.t.Fatalf("only %d normal sub-accounts with cash", len(out))
	}
	return out
}

// signedIn returns a browser signed in as name (every ops user has the test secret).
func (p *portal) as(name string) *browser {
	b := p.browser()
	b.signIn(name, testSecret)
	return b
}

// formKey opens a form and returns its idempotency key.
func (b *browser) formKey(path string) string {
	t := b.p.t
	t.Helper()
	r := b.get(path)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: %d", path, r.status)
	}
	k, ok := r.doc(t).Find(`[data-testid="idempotency-key"]`).Attr("value")
	if !ok || k == "" {
		t.Fatalf("GET %s: no idempotency key", path)
	}
	return k
}

// draft submits an operation form and returns the operation's id.
func (b *browser) draft(kind string, form url.Values) string {
	t := b.p.t
	t.Helper()
	form.Set("kind", kind)
	if form.Get("idempotency_key") == "" {
		form.Set("idempotency_key", b.formKey("/operations/new?kind="+kind))
	}
	if form.Get("reason") == "" {
		form.Set("reason", "test "+kind)
	}
	r := b.post("/operations", form)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/operations/") {
		t.Fatalf("draft %s: %d %q\n%s", kind, r.status, r.location, errorsOf(t, r))
	}
	return strings.TrimPrefix(r.location, "/operations/")
}

// transfer drafts a cash transfer to sub.
func (b *browser) transfer(sub, amount string) string {
	return b.draft("transfer_funds", url.Values{"sub_account_id": {sub}, "amount": {amount}, "balance_type": {"debit"}})
}

// errorsOf collects the field errors of a form page, for failure messages.
func errorsOf(t *testing.T, r response) string {
	var out []string
	r.doc(t).Find(`.field-error, [data-testid="form-errors"], [data-testid="error-message"]`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.TrimSpace(s.Text()))
	})
	return strings.Join(out, " | ")
}

// opState reads an operation's state from the store.
func (p *portal) opState(id string) approval.State {
	p.t.Helper()
	var n int64
	for _, r := range id {
		n = n*10 + int64(r-'0')
	}
	op, err := p.db.OperationByID(context.Background(), n)
	if err != nil {
		p.t.Fatal(err)
	}
	return approval.State(op.State)
}

// waitState waits for an operation to reach state.
func (p *portal) waitState(id string, want approval.State) {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for p.opState(id) != want {
		if time.Now().After(deadline) {
			p.t.Fatalf("operation %s is %s, want %s", id, p.opState(id), want)
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// token creates an API token for name.
func (p *portal) token(name string) string {
	p.t.Helper()
	tok, err := p.users.CreateToken(context.Background(), name, "ops", nil, systemMeta())
	if err != nil {
		p.t.Fatal(err)
	}
	p.secret(tok)
	return tok
}

// api calls the JSON API with a bearer token.
func (p *portal) api(tok, method, path, body string, headers ...string) response {
	p.t.Helper()
	req, _ := http.NewRequest(method, p.http.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return p.browser().do(req)
}

// forceState moves an operation in the store (tests of states the sandbox cannot
// produce on demand, such as unknown).
func (p *portal) forceState(id string, from, to approval.State) {
	p.t.Helper()
	var n int64
	for _, r := range id {
		n = n*10 + int64(r-'0')
	}
	storetest.ForceOperation(p.t, p.db, n, string(from), map[string]any{"state": string(to), "updated_at": time.Now().UTC()})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func sleep50() { time.Sleep(50 * time.Millisecond) }

// opsOn starts a second server with the workflow over p's database (the coverage test's
// portal has none): its events land in p's trail, where p.mark/p.since see them.
func opsOn(p *portal) *portal {
	q := newPortalWith(p.t, p.db, nil, withOps(p.t))
	q.opsUsers()
	return q // the cache is synced on first need (normalSubs)
}

// pendingOp returns a pending transfer by fay (amount decides how many approvals).
func (p *portal) pendingOp(amount string) string {
	return p.as("fay").transfer(p.normalSubs(1)[0].ID, amount)
}

// pendingBatch returns the path of a pending batch by fay.
func (p *portal) pendingBatch(amount string) string {
	p.t.Helper()
	subs := p.normalSubs(1)
	fay := p.as("fay")
	csv := "sub_account,amount,balance_type,reason\n" + subs[0].ID + "," + amount + ",debit,cov\n"
	r := fay.post("/operations/bulk", url.Values{"kind": {"transfer_funds"}, "csv": {csv}, "reason": {"cov"}, "idempotency_key": {newKey()}})
	if r.status != http.StatusSeeOther {
		p.t.Fatalf("batch: %d %s", r.status, errorsOf(p.t, r))
	}
	return r.location
}

// keySeq numbers idempotency keys; atomic because the coverage cases run in parallel.
var keySeq atomic.Int64

func newKey() string { return "test-key-" + itoa(keySeq.Add(1)) + "-" + itoa(time.Now().UnixNano()) }

// policyForm is the policy page's form with one change (to_on_demand without approval).
func policyForm(code string) url.Values {
	form := url.Values{"code": {code}}
	for _, k := range approval.PolicyKinds {
		if k != approval.KindToOnDemand {
			form.Set("needs_"+string(k), "on")
		}
		form.Set("expiry_"+string(k), "72")
		if k.MovesMoney() {
			form.Set("two_"+string(k), "10000.00")
		}
		if k == approval.KindTopUpRule {
			form.Set("two_"+string(k), "0.01") // its default: two approvers for every rule
		}
	}
	return form
}
