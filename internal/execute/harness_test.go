package execute_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/execute"
	"github.com/purser-finance/purser/internal/jobs"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
	"github.com/purser-finance/purser/internal/testkit"
	"github.com/purser-finance/purser/internal/upstreamacct"
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) != "" {
		os.Exit(runChild())
	}
	// Every test has its own database, sandbox and job runner and spends most of its
	// time waiting on them; the crash test mostly waits for River's rescue horizon.
	storetest.DefaultParallel(8)
	storetest.Main(m)
}

// prepared databases hold River's tables too (testkit.WithJobs). newEnv still runs
// jobs.Migrate (a no-op on these) for the crash test's database.
var prepared = testkit.WithJobs

// stepUp accepts the code "123456" (the TOTP check itself is auth's, tested there).
type stepUp struct{ calls atomic.Int64 }

func (s *stepUp) VerifyStepUp(_ context.Context, _ *store.User, code string, _ audit.Meta) error {
	s.calls.Add(1)
	if code != "123456" {
		return errors.New("wrong code")
	}
	return nil
}

const goodCode = "123456"

// env is one test's world: a database, the sandbox over HTTP, the client, the cache
// synced, users, the approval service, the executor and (when started) the job runner.
type env struct {
	t      testing.TB
	ctx    context.Context
	db     *store.DB
	sb     *sandbox.Running
	up     *bss.Client
	svc    *approval.Service
	exec   *execute.Executor
	runner *jobs.Runner
	ins    *jobs.Inserter
	clock  *testkit.Clock // a running clock: the job runner's real timers go on
	stepUp *stepUp        // counts second-factor checks
	users  map[string]approval.Actor
	master string
	// A second master account (envOpts.masterB): its own sandbox, domain id and client.
	sbB     *sandbox.Running
	upB     *bss.Client
	masterB string
	// The stored sub-account credential (envOpts.subCred).
	sbSub   *sandbox.Running
	subID   string
	subCred upstreamacct.Account
	accts   *upstreamacct.Service
	reg     *upstreamacct.Registry

	settledMu sync.Mutex
	settled   map[int64]string // operation id → sub-account, from Options.Settled
	changed   chan struct{}    // a send after each settlement: wakes wait

	prodTiming bool          // envOpts.prodTiming
	poll       time.Duration // envOpts.poll
}

// wasSettled reports whether the executor's Settled hook saw the operation.
func (e *env) wasSettled(id int64) (string, bool) {
	e.settledMu.Lock()
	defer e.settledMu.Unlock()
	sub, ok := e.settled[id]
	return sub, ok
}

// The client's timeout per call and the runner's per execution (serve: 15 s, 45 s). On two
// busy cores a sandbox call took over 3 s, leaving its movement unknown (TestBulk failed);
// the job's must cover the movement-lock wait (10 s) and a call.
const (
	callTimeout = 15 * time.Second
	jobTimeout  = 30 * time.Second
)

type envOpts struct {
	rate     float64
	noRunner bool
	subs     int
	sandbox  string // existing sandbox URL (crash child)
	crashAt  string
	masterB  bool // a second master with its own sandbox; the executor picks the client by master
	// subCred: the master and a sub-account credential are stored (upstreamacct) and the
	// executor takes its clients from the registry; the sub-account's own view of the
	// upstream is a second sandbox (domain id = the sub-account's id, its own AK/SK).
	subCred bool
	// prodTiming: the job runner and the executor keep serve's defaults (rescue horizon,
	// job timeout, snooze, poll interval, lock lease) instead of the quick test ones, so
	// that the crash test measures the recovery an operator would see.
	prodTiming bool
	// poll: how often idle workers look for jobs; default 100 ms.
	poll time.Duration
	// alone: no other test's env exists meanwhile (except the crash test's, which mostly
	// waits), for a test that measures throughput against a deadline (TestBulk).
	alone bool
}

// envs is held by every env, shared or (alone) not, until its test's cleanup; a waiting
// alone env keeps new ones from starting.
var envs sync.RWMutex

func newEnv(t testing.TB, db *store.DB, o envOpts) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if o.rate == 0 {
		o.rate = 500
	}
	if o.poll == 0 {
		o.poll = 100 * time.Millisecond
	}
	switch {
	case o.prodTiming || o.sandbox != "": // the crash test and its children
	case o.alone:
		envs.Lock()
		t.Cleanup(envs.Unlock)
	default:
		envs.RLock()
		t.Cleanup(envs.RUnlock)
	}
	e := &env{t: t, ctx: ctx, db: db, clock: testkit.NewRunningClock(), users: map[string]approval.Actor{}, prodTiming: o.prodTiming, poll: o.poll}
	url := o.sandbox
	sopts := sandbox.DefaultOptions()
	sopts.FlowControl.Off = true // the client runs far above the upstream's rate to keep the test fast
	if url == "" {
		if o.subs > 0 {
			sopts.SubAccounts = o.subs
		}
		sb, err := sandbox.Start(ctx, "127.0.0.1:0", sopts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sb.Close() })
		e.sb, url = sb, sb.URL()
	}
	e.master = sopts.DomainID
	up, err := bss.New(bss.Config{Endpoint: url, AK: sopts.AK, SK: sopts.SK, DomainID: sopts.DomainID, RatePerSecond: o.rate,
		Timeout: callTimeout, RetryBase: 10 * time.Millisecond, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	e.up = up
	if err := jobs.Migrate(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
	e.ins, err = jobs.NewInserter(db, db.Dialect() == store.DialectPostgres)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("PURSER_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	e.stepUp = &stepUp{}
	// Renewals are quoted through the clients the executor sends with (set below), as serve does.
	var clients func(ctx context.Context, master string) (bss.Upstream, error)
	var subClients func(ctx context.Context, accountID string) (bss.Upstream, error)
	e.svc = approval.New(db, approval.Options{StepUp: e.stepUp, Enqueuer: e.ins, MasterAccountID: e.master, Clock: e.clock.Now, Log: log,
		Renewals: func(ctx context.Context, master, account string) (bss.Renewals, error) {
			m := clients
			if m == nil {
				m = func(context.Context, string) (bss.Upstream, error) { return e.up, nil }
			}
			return approval.RenewalClients(m, subClients)(ctx, master, account)
		}})
	e.settled, e.changed = map[int64]string{}, make(chan struct{}, 1)
	if o.masterB {
		bo := sopts // flow control off as well
		bo.DomainID, bo.Seed, bo.SubAccounts = "domain-b-0000000000000000000000", 2, 5
		sbB, err := sandbox.Start(ctx, "127.0.0.1:0", bo)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sbB.Close() })
		e.sbB, e.masterB = sbB, bo.DomainID
		if e.upB, err = bss.New(bss.Config{Endpoint: sbB.URL(), AK: bo.AK, SK: bo.SK, DomainID: bo.DomainID, RatePerSecond: o.rate,
			Timeout: callTimeout, RetryBase: 10 * time.Millisecond, MaxAttempts: 3}); err != nil {
			t.Fatal(err)
		}
		if _, err := cachesync.New(db, e.upB, cachesync.Options{MasterAccountID: e.masterB}).Run(ctx, cachesync.AreaFull, "", "test"); err != nil {
			t.Fatal(err)
		}
		clients = func(_ context.Context, master string) (bss.Upstream, error) {
			switch master {
			case e.master:
				return e.up, nil
			case e.masterB:
				return e.upB, nil
			}
			return nil, fmt.Errorf("no master %q", master)
		}
	}
	if o.subCred {
		e.setupSubCred(sopts, url)
		clients, subClients = e.reg.Client, e.reg.SubClient
	}
	lease := 2 * time.Second
	if o.prodTiming {
		lease = 0
	}
	e.exec = execute.New(db, up, execute.Options{Notifier: e.svc.Notifier(), Log: log, CrashAt: o.crashAt, LockLease: lease, Clients: clients,
		SubClients: subClients, MasterRefresh: e.ins,
		Settled: func(_ context.Context, op *store.Operation) {
			e.settledMu.Lock()
			e.settled[op.ID] = op.SubAccountID
			e.settledMu.Unlock()
			select {
			case e.changed <- struct{}{}:
			default:
			}
		}})
	for _, u := range []struct {
		name  string
		roles []authz.Role
	}{{"finance", []authz.Role{authz.Finance}}, {"approver", []authz.Role{authz.Approver}}, {"approver2", []authz.Role{authz.Approver}},
		{"admin", []authz.Role{authz.Admin, authz.Approver}}, {"boss", []authz.Role{authz.Admin, authz.Approver, authz.Finance}},
		{"auditor", []authz.Role{authz.Auditor}}} {
		e.user(u.name, u.roles...)
	}
	if o.sandbox == "" {
		e.sync()
	}
	if o.subCred {
		// The registry's pool: the master's resource pass reads the sub-account's too.
		s, err := cachesync.NewPool(db, e.reg, cachesync.Options{}).Syncer(ctx, e.master)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Run(ctx, cachesync.AreaResources, "", "test"); err != nil {
			t.Fatal(err)
		}
	}
	if !o.noRunner {
		e.start()
	}
	return e
}

// setupSubCred stores the master (the sandbox at url) and a credential for its first
// sub-account, whose own sandbox is started here.
func (e *env) setupSubCred(sopts sandbox.Options, url string) {
	e.t.Helper()
	var err error
	if e.accts, err = upstreamacct.New(e.db, []byte("0123456789abcdef0123456789abcdef")); err != nil {
		e.t.Fatal(err)
	}
	e.reg = upstreamacct.NewRegistry(e.accts)
	m, err := e.accts.Create(e.ctx, upstreamacct.Input{Name: "Master A", Endpoint: url, AK: sopts.AK, SK: sopts.SK, DomainID: sopts.DomainID, Enabled: true},
		audit.System("test"), auth.Operator())
	if err != nil {
		e.t.Fatal(err)
	}
	e.subID = e.sb.Server().State("").SubAccounts[0].ID
	so := sandbox.DefaultOptions()
	so.DomainID, so.AK, so.SK, so.Seed, so.SubAccounts = e.subID, "sub-ak", "sub-sk", 77, 0
	if e.sbSub, err = sandbox.Start(e.ctx, "127.0.0.1:0", so); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = e.sbSub.Close() })
	if e.subCred, err = e.accts.Create(e.ctx, upstreamacct.Input{Name: "Sub one", Kind: upstreamacct.KindSub, MasterID: &m.ID, Endpoint: e.sbSub.URL(),
		AK: so.AK, SK: so.SK, DomainID: e.subID, Enabled: true}, audit.System("test"), auth.Operator()); err != nil {
		e.t.Fatal(err)
	}
}

// setSubCredEnabled enables or disables the stored sub-account credential.
func (e *env) setSubCredEnabled(on bool) {
	e.t.Helper()
	c := e.subCred
	in := upstreamacct.Input{Name: c.Name, Kind: c.Kind, MasterID: c.MasterID, Endpoint: c.Endpoint, AK: "sub-ak", DomainID: c.DomainID, Enabled: on}
	if _, err := e.accts.Update(e.ctx, c.ID, in, audit.System("test"), auth.Operator()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) user(name string, roles ...authz.Role) approval.Actor {
	if a, ok := e.users[name]; ok {
		return a
	}
	var rs []string
	for _, r := range roles {
		rs = append(rs, string(r))
	}
	u := &store.User{Username: name, Roles: rs, Scopes: []string{}}
	if err := e.db.CreateUser(e.ctx, u); err != nil {
		if existing, err2 := e.db.UserByUsername(e.ctx, name); err2 == nil {
			u = existing
		} else {
			e.t.Fatal(err)
		}
	}
	a := approval.Actor{UserID: u.ID, Username: name, Roles: roles, Meta: audit.Meta{IP: "127.0.0.1"}}
	e.users[name] = a
	return a
}

func (e *env) sync() {
	e.t.Helper()
	s := cachesync.New(e.db, e.up, cachesync.Options{MasterAccountID: e.master})
	if _, err := s.Run(e.ctx, cachesync.AreaFull, "", "test"); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) start() {
	e.t.Helper()
	syncer := cachesync.New(e.db, e.up, cachesync.Options{MasterAccountID: e.master})
	// Idle workers look for jobs every e.poll, 100 ms unless a test asks (serve: 1 s). At
	// 20 ms an idle runner on SQLite under the race detector used a large share of a core,
	// parsing River's fetch query.
	o := jobs.Options{NoPeriodic: true, PollInterval: e.poll,
		Operations: &jobs.OperationJobs{Executor: e.exec, Approval: e.svc, Snooze: 50 * time.Millisecond, RescueAfter: 2 * time.Second, JobTimeout: jobTimeout}}
	if e.prodTiming {
		o = jobs.Options{NoPeriodic: true, Operations: &jobs.OperationJobs{Executor: e.exec, Approval: e.svc}}
	}
	r, err := jobs.StartWith(e.ctx, e.db, syncer, nil, time.Hour, o)
	if err != nil {
		e.t.Fatal(err)
	}
	e.runner = r
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
	})
}

// subs returns normal sub-accounts of the cache.
func (e *env) subs(n int) []store.SubAccount {
	e.t.Helper()
	var out []store.SubAccount
	_ = e.db.ForEachSubAccount(e.ctx, authz.Everything, store.SubAccountFilter{Status: 1}, func(s store.SubAccount) error {
		if len(out) < n {
			out = append(out, s)
		}
		return nil
	})
	if len(out) < n {
		e.t.Fatalf("only %d normal sub-accounts", len(out))
	}
	return out
}

func (e *env) transfer(sub string, amount string) approval.Input {
	return approval.Input{Kind: approval.KindTransferFunds, SubAccountID: sub, Amount: amount, Reason: "test"}
}

func (e *env) create(in approval.Input) *approval.Operation {
	e.t.Helper()
	op, err := e.svc.Create(e.ctx, e.users["finance"], in, "")
	if err != nil {
		e.t.Fatalf("create %s: %v %+v", in.Kind, err, fieldsOf(err))
	}
	return op
}

func fieldsOf(err error) map[string]string {
	var ve *approval.ValidationError
	if errors.As(err, &ve) {
		return ve.Fields
	}
	return nil
}

func (e *env) approve(id int64, who string) *approval.Operation {
	e.t.Helper()
	op, err := e.svc.Approve(e.ctx, e.users[who], id, goodCode, "ok", "")
	if err != nil {
		e.t.Fatalf("approve %d by %s: %v", id, who, err)
	}
	return op
}

func (e *env) op(id int64) *approval.Operation {
	e.t.Helper()
	op, err := e.svc.Get(e.ctx, e.users["admin"], id)
	if err != nil {
		e.t.Fatal(err)
	}
	return op
}

// wait polls until the operation reaches a state in want: after each settlement, and
// every 100 ms for the states the Settled hook does not see (unknown). Reading the
// operation every 20 ms kept a core busy on SQLite under the race detector.
func (e *env) wait(id int64, want ...approval.State) *approval.Operation {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		op := e.op(id)
		for _, w := range want {
			if op.State == w {
				return op
			}
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("operation %d is %s, want %v (error %+v)", id, op.State, want, op.Error)
		}
		select {
		case <-e.changed:
		case <-time.After(100 * time.Millisecond):
		}
	}
}
