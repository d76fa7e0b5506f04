package rules_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/execute"
	"github.com/purser-finance/purser/internal/jobs"
	"github.com/purser-finance/purser/internal/rules"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
	"github.com/purser-finance/purser/internal/testkit"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// each runs fn on SQLite and on Postgres, both with the job queue's tables.
func each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, testkit.WithJobs.SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, testkit.WithJobs.Postgres(t)) })
}

// stepUp accepts the code "123456" (the TOTP check itself is auth's, tested there).
type stepUp struct{}

func (stepUp) VerifyStepUp(_ context.Context, _ *store.User, code string, _ audit.Meta) error {
	if code != "123456" {
		return errors.New("wrong code")
	}
	return nil
}

// world is one test's: a database, the sandbox over HTTP with its cache synced, users,
// the approval service, the executor (with the rules' applier) and the rules.
type world struct {
	t      testing.TB
	ctx    context.Context
	db     *store.DB
	sb     *sandbox.Running
	up     *bss.Client
	ins    *jobs.Inserter
	svc    *approval.Service
	exec   *execute.Executor
	rules  *rules.Service
	eval   *rules.Evaluator
	clock  *testkit.Clock
	actors map[string]approval.Actor
	master string
}

func newWorld(t testing.TB, db *store.DB, subs int, alerts rules.AlertOptions) *world {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	so := sandbox.DefaultOptions()
	so.SubAccounts, so.Logger = subs, slog.New(slog.DiscardHandler)
	so.FlowControl.Off = true // the client runs far above the upstream's rate to keep the test fast
	sb, err := sandbox.Start(ctx, "127.0.0.1:0", so)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	up, err := bss.New(bss.Config{Endpoint: sb.URL(), AK: so.AK, SK: so.SK, DomainID: so.DomainID, RatePerSecond: 500,
		Timeout: 15 * time.Second, RetryBase: 10 * time.Millisecond, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, ctx: ctx, db: db, sb: sb, up: up, clock: testkit.NewRunningClock(), actors: map[string]approval.Actor{}, master: so.DomainID}
	if w.ins, err = jobs.NewInserter(db, db.Dialect() == store.DialectPostgres); err != nil {
		t.Fatal(err)
	}
	w.svc = approval.New(db, approval.Options{StepUp: stepUp{}, Enqueuer: w.ins, MasterAccountID: w.master, Clock: w.clock.Now})
	opts := rules.Options{Clock: w.clock.Now}
	w.exec = execute.New(db, up, execute.Options{Notifier: w.svc.Notifier(), Local: rules.NewApplier(opts), LockLease: 2 * time.Second})
	w.rules = rules.NewService(db, w.svc, opts)
	w.eval = rules.NewEvaluator(db, w.svc, nil, alerts, opts)
	for _, u := range []struct {
		name  string
		roles []authz.Role
	}{{"finance", []authz.Role{authz.Finance}}, {"approver", []authz.Role{authz.Approver}},
		{"approver2", []authz.Role{authz.Approver}}, {"admin", []authz.Role{authz.Admin}}} {
		w.user(u.name, u.roles...)
	}
	w.sync()
	return w
}

func (w *world) user(name string, roles ...authz.Role) approval.Actor {
	var rs []string
	for _, r := range roles {
		rs = append(rs, string(r))
	}
	u := &store.User{Username: name, Roles: rs, Scopes: []string{}}
	if err := w.db.CreateUser(w.ctx, u); err != nil {
		w.t.Fatal(err)
	}
	a := approval.Actor{UserID: u.ID, Username: name, Roles: roles, Meta: audit.Meta{IP: "127.0.0.1"}}
	w.actors[name] = a
	return a
}

// sync reads the sandbox into the cache, as the balance sync before an evaluation does.
func (w *world) sync() {
	w.t.Helper()
	if _, err := cachesync.New(w.db, w.up, cachesync.Options{MasterAccountID: w.master}).Run(w.ctx, cachesync.AreaFull, "", "test"); err != nil {
		w.t.Fatal(err)
	}
}

// subs are the sandbox's normal sub-accounts without credit: cash is all they have, so
// setting it sets what a rule sees.
func (w *world) subs() []string {
	var out []string
	for _, s := range w.sb.Server().State("").SubAccounts {
		if s.Status == int(bss.SubAccountNormal) && len(s.Credit) == 0 {
			out = append(out, s.ID)
		}
	}
	return out
}

// setDebit sets a sub-account's cash in the sandbox.
func (w *world) setDebit(id, amount string) {
	w.t.Helper()
	if !w.sb.Server().SetDebit(id, decimal.RequireFromString(amount)) {
		w.t.Fatalf("no sandbox sub-account %s", id)
	}
}

// available is what the cache says a sub-account has.
func (w *world) available(id string) decimal.Decimal {
	w.t.Helper()
	sa, err := w.db.SubAccountByID(w.ctx, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return sa.Total.Decimal()
}

// approveAll has approver and approver2 sign op (two approvers: the rule kind's default).
func (w *world) approveAll(op *approval.Operation) *approval.Operation {
	w.t.Helper()
	for _, name := range []string{"approver", "approver2"} {
		got, err := w.svc.Approve(w.ctx, w.actors[name], op.ID, "123456", "ok", op.SnapshotHash)
		if err != nil {
			w.t.Fatalf("%s approves %d: %v", name, op.ID, err)
		}
		op = got
		if op.State != approval.StatePending {
			break
		}
	}
	return op
}

// execute runs operation id as its job would, and returns it.
func (w *world) execute(id int64) *approval.Operation {
	w.t.Helper()
	if err := w.exec.Execute(w.ctx, id); err != nil {
		w.t.Fatalf("execute %d: %v", id, err)
	}
	op, err := w.svc.Get(w.ctx, w.actors["admin"], id)
	if err != nil {
		w.t.Fatal(err)
	}
	return op
}

// makeRule drafts a rule as finance, has it approved and applied, and returns it.
func (w *world) makeRule(in rules.Input) rules.Rule {
	w.t.Helper()
	op, err := w.rules.Propose(w.ctx, w.actors["finance"], in, "")
	if err != nil {
		w.t.Fatalf("propose: %v", err)
	}
	if op.RequiredApprovals != 2 || op.Kind != approval.KindTopUpRule {
		w.t.Fatalf("a rule change needs two approvals by default: %+v", op)
	}
	op = w.approveAll(op)
	op = w.execute(op.ID)
	if op.State != approval.StateSucceeded {
		w.t.Fatalf("rule change %d ended %s: %+v", op.ID, op.State, op.Error)
	}
	var resp struct {
		RuleID int64 `json:"rule_id"`
	}
	_ = json.Unmarshal(op.Response, &resp)
	r, err := w.rules.Get(w.ctx, authz.Subject{UserID: 1, Roles: []authz.Role{authz.Admin}}, resp.RuleID)
	if err != nil {
		w.t.Fatal(err)
	}
	return *r
}

// evaluate runs the evaluation and fails the test on an error.
func (w *world) evaluate() rules.Result {
	w.t.Helper()
	res, err := w.eval.Evaluate(w.ctx, w.master)
	if err != nil {
		w.t.Fatal(err)
	}
	return res
}

// ruleOps are the transfers rule made, oldest first.
func (w *world) ruleOps(rule int64) []store.RulePayment {
	w.t.Helper()
	ps, err := w.db.RulePayments(w.ctx, rule, w.rules.Month(w.clock.Now()), false)
	if err != nil {
		w.t.Fatal(err)
	}
	return ps
}

// ledgerCount counts the sandbox's applied movements with transID.
func (w *world) ledgerCount(transID string) int {
	n := 0
	for _, e := range w.sb.Server().Ledger() {
		if e.TransID == transID {
			n++
		}
	}
	return n
}

func balanceRule(name, target, below, upTo string) rules.Input {
	return rules.Input{Name: name, TargetKind: rules.TargetSubAccount, TargetID: target, TriggerKind: rules.TriggerBalanceBelow,
		TriggerAmount: below, ActionKind: rules.ActionToAmount, ActionAmount: upTo, CapPerTopUp: "1000.00",
		CapAccountMonth: "2000.00", CapMonth: "5000.00", ValidUntil: time.Now().AddDate(1, 0, 0).Format("2006-01-02"),
		Reason: "keep " + target + " running"}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
