package rules_test

import (
	"context"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/cachesync"
	"github.com/purser-finance/purser/internal/jobs"
	"github.com/purser-finance/purser/internal/rules"
	"github.com/purser-finance/purser/internal/testkit"
)

// Two replicas (two job runners, each with its executor and evaluator) on one Postgres
// evaluate the same sync — each queues the evaluation, and both also see a second run
// over the same balances — and every trigger pays exactly once: the sandbox's ledger
// holds one movement per triggered account, under the trans_id of its rule and window.
func TestTwoReplicasPayEachTriggerOnce(t *testing.T) {
	db := testkit.WithJobs.Postgres(t)
	w := newWorld(t, db, 8, noAlerts)
	low := w.subs()[:4]
	for _, id := range low {
		w.setDebit(id, "50.00")
	}
	w.sync()
	var made []rules.Rule
	for _, id := range low {
		made = append(made, w.makeRule(balanceRule("R "+id, id, "500.00", "700.00")))
	}
	start := func(name string) *jobs.Runner {
		ev := rules.NewEvaluator(db, w.svc, nil, noAlerts, rules.Options{Clock: w.clock.Now})
		r, err := jobs.StartWith(w.ctx, db, cachesync.New(db, w.up, cachesync.Options{MasterAccountID: w.master}), nil, time.Hour,
			jobs.Options{PollInterval: 20 * time.Millisecond, NoPeriodic: true,
				Operations: &jobs.OperationJobs{Executor: w.exec, Snooze: 50 * time.Millisecond},
				Rules: func(ctx context.Context, master string) error {
					_, err := ev.Evaluate(ctx, master)
					return err
				}})
		if err != nil {
			t.Fatalf("replica %s: %v", name, err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = r.Stop(ctx)
		})
		return r
	}
	a, b := start("a"), start("b")
	runs, err := db.ListSyncRuns(w.ctx, 1)
	if err != nil || len(runs) == 0 {
		t.Fatal(runs, err)
	}
	run := runs[0].ID
	for _, r := range []*jobs.Runner{a, b, a, b} {
		for _, id := range []int64{run, run + 1000} { // the same run twice, and "another" run
			if _, err := r.EnqueueRulesEvaluation(w.ctx, w.master, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	deadline := time.Now().Add(40 * time.Second)
	for {
		done := 0
		for i, id := range low {
			want := approval.RuleTransID(w.master, made[i].ID, id, w.eval.Window(w.clock.Now()))
			if w.ledgerCount(want) > 0 {
				done++
			}
		}
		if done == len(low) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d top-ups reached the sandbox", done, len(low))
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // a second payment, if there were one, would land now
	for i, id := range low {
		want := approval.RuleTransID(w.master, made[i].ID, id, w.eval.Window(w.clock.Now()))
		if n := w.ledgerCount(want); n != 1 {
			t.Errorf("account %s: %d movements with its rule's trans_id", id, n)
		}
		if ps := w.ruleOps(made[i].ID); len(ps) != 1 || ps[0].State != string(approval.StateSucceeded) {
			t.Errorf("rule %d payments = %+v", made[i].ID, ps)
		}
	}
	moves := 0
	for _, e := range w.sb.Server().Ledger() {
		if e.Kind == "transfer" {
			moves++
		}
	}
	if moves != len(low) {
		t.Errorf("the sandbox applied %d movements, want %d", moves, len(low))
	}
	var n int64
	if err := db.Gorm().Raw(`SELECT COUNT(*) FROM operations WHERE kind = ?`, string(approval.KindTransferFunds)).Scan(&n).Error; err != nil || n != int64(len(low)) {
		t.Errorf("%d transfers recorded (%v), want %d", n, err, len(low))
	}
}
