package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/rules"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

var noAlerts = rules.AlertOptions{Off: true}

// A rule is made under maker-checker; a triggered rule pays once per window, as the
// system acting under the rule, through the executor, with the trans_id its window
// fixes; the sandbox's ledger holds that payment once.
func TestRuleTopsUpOncePerWindow(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, 6, noAlerts)
		sub := w.subs()[0]
		w.setDebit(sub, "900.00")
		w.sync()

		// Drafting is maker-checker: one approval is not enough.
		op, err := w.rules.Propose(w.ctx, w.actors["finance"], balanceRule("Keep alive", sub, "500.00", "800.00"), "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Approve(w.ctx, w.actors["finance"], op.ID, "123456", "", ""); err == nil {
			t.Fatal("the maker approved their own rule")
		}
		once, err := w.svc.Approve(w.ctx, w.actors["approver"], op.ID, "123456", "", op.SnapshotHash)
		if err != nil || once.State != approval.StatePending {
			t.Fatalf("after one of two approvals: %v %+v", err, once)
		}
		if once, err = w.svc.Approve(w.ctx, w.actors["approver2"], op.ID, "123456", "", op.SnapshotHash); err != nil {
			t.Fatal(err)
		}
		op = w.execute(once.ID)
		if op.State != approval.StateSucceeded {
			t.Fatalf("rule change ended %s %+v", op.State, op.Error)
		}
		list, err := w.rules.List(w.ctx, w.actors["approver"].Subject())
		if err != nil || len(list) != 1 {
			t.Fatalf("rules = %v, %v", list, err)
		}
		r := list[0].Rule
		if r.Version != 1 || r.Definition.State != rules.StateActive || len(r.ApproverIDs) != 2 || r.OwnerName != "finance" {
			t.Fatalf("applied rule = %+v", r)
		}

		// Not triggered: 900 is above 500.
		if res := w.evaluate(); res.TopUps != 0 {
			t.Fatalf("untriggered rule paid: %+v", res)
		}
		w.setDebit(sub, "120.00")
		w.sync()
		res := w.evaluate()
		if res.TopUps != 1 {
			t.Fatalf("triggered rule: %+v", res)
		}
		// Re-evaluating the same sync, and a retry, pay nothing more.
		for range 2 {
			if res := w.evaluate(); res.TopUps != 0 || res.Already != 1 {
				t.Fatalf("re-evaluation: %+v", res)
			}
		}
		pays := w.ruleOps(r.ID)
		if len(pays) != 1 || pays[0].Amount != "680.00" || pays[0].SubAccountID != sub {
			t.Fatalf("payments = %+v", pays)
		}
		top := w.execute(pays[0].OperationID)
		want := approval.RuleTransID(w.master, r.ID, sub, w.eval.Window(w.clock.Now()))
		if top.State != approval.StateSucceeded || top.Kind != approval.KindTransferFunds || top.TransID != want ||
			top.Params.RuleID != r.ID || top.RequiredApprovals != 0 || top.RequestedByName != "finance" {
			t.Fatalf("the top-up = %+v", top)
		}
		if n := w.ledgerCount(want); n != 1 {
			t.Fatalf("sandbox ledger holds the top-up %d times", n)
		}
		// Audited as the system acting under the rule.
		evs, err := db.ListAudit(w.ctx, store.AuditFilter{TargetType: approval.TargetOperation, TargetID: itoa(top.ID), Ascending: true})
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, e := range evs {
			acts = append(acts, e.Action+"/"+e.ActorName)
		}
		actor := "system: rule " + itoa(r.ID)
		if len(acts) < 4 || acts[0] != "operation.create/"+actor || acts[1] != "operation.approve/"+actor ||
			!strings.Contains(string(evs[1].Details), `"pre_approved_by_rule"`) {
			t.Fatalf("audit of the top-up = %v", acts)
		}
		// The owner and both approvers were told.
		for _, name := range []string{"finance", "approver", "approver2"} {
			ns, err := w.svc.Notifier().List(w.ctx, w.actors[name].UserID, false, 50)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, n := range ns {
				found = found || (n.Kind == "notify.rule.topup" && n.OperationID != nil && *n.OperationID == top.ID)
			}
			if !found {
				t.Fatalf("%s was not told of the top-up: %+v", name, ns)
			}
		}

		// The next day the window is new: still low (the top-up not yet synced), it pays
		// again — up to what the account's monthly cap leaves.
		w.clock.Advance(24 * time.Hour)
		if res := w.evaluate(); res.TopUps != 1 {
			t.Fatalf("next window: %+v", res)
		}
	})
}

// A paused rule pays nothing; nor does any rule while an admin has paused them all.
func TestPausedRulesPayNothing(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, 6, noAlerts)
		a, b := w.subs()[0], w.subs()[1]
		ra := w.makeRule(balanceRule("A", a, "500.00", "800.00"))
		rb := w.makeRule(balanceRule("B", b, "500.00", "800.00"))
		op, err := w.rules.ProposeState(w.ctx, w.actors["finance"], ra.ID, true, "paused for the audit")
		if err != nil {
			t.Fatal(err)
		}
		if op = w.execute(w.approveAll(op).ID); op.State != approval.StateSucceeded {
			t.Fatalf("pause ended %s %+v", op.State, op.Error)
		}
		w.setDebit(a, "10.00")
		w.setDebit(b, "10.00")
		w.sync()

		// Every rule paused by an admin (and not by finance).
		if err := w.rules.SetAllPaused(w.ctx, w.actors["finance"], true); err == nil {
			t.Fatal("finance paused every rule")
		}
		if err := w.rules.SetAllPaused(w.ctx, w.actors["admin"], true); err != nil {
			t.Fatal(err)
		}
		if res := w.evaluate(); res.TopUps != 0 {
			t.Fatalf("paused rules paid: %+v", res)
		}
		if err := w.rules.SetAllPaused(w.ctx, w.actors["admin"], false); err != nil {
			t.Fatal(err)
		}
		if res := w.evaluate(); res.TopUps != 1 {
			t.Fatalf("after resuming all: %+v", res)
		}
		if len(w.ruleOps(ra.ID)) != 0 || len(w.ruleOps(rb.ID)) != 1 {
			t.Fatalf("the paused rule paid: %v / %v", w.ruleOps(ra.ID), w.ruleOps(rb.ID))
		}
		// A change drafted on an old version is refused when it would apply.
		stale, err := w.rules.ProposeState(w.ctx, w.actors["finance"], rb.ID, true, "first")
		if err != nil {
			t.Fatal(err)
		}
		second, err := w.rules.ProposeState(w.ctx, w.actors["finance"], rb.ID, true, "second")
		if err != nil {
			t.Fatal(err)
		}
		if op := w.execute(w.approveAll(second).ID); op.State != approval.StateSucceeded {
			t.Fatalf("pause = %s", op.State)
		}
		if op := w.execute(w.approveAll(stale).ID); op.State != approval.StateFailed || op.Error == nil || op.Error.Code != "rule_changed" {
			t.Fatalf("stale change = %s %+v", op.State, op.Error)
		}
	})
}

// The caps hold when many triggers are evaluated at once: 50 accounts under one unit,
// 50 evaluations side by side, a monthly total that covers 10½ top-ups.
func TestCapsHoldUnderConcurrentTriggers(t *testing.T) {
	db := testkit.WithJobs.Postgres(t)
	w := newWorld(t, db, 60, noAlerts)
	orgs, err := db.Organizations(w.ctx)
	if err != nil || len(orgs) == 0 {
		t.Fatalf("organisations: %v %v", orgs, err)
	}
	root := orgs[0]
	for _, o := range orgs {
		if o.ParentID == "" {
			root = o
		}
	}
	for _, id := range w.subs() {
		w.setDebit(id, "1.00")
	}
	w.sync()
	r := w.makeRule(rules.Input{Name: "Everyone", TargetKind: rules.TargetOrgUnit, TargetID: root.ID,
		TriggerKind: rules.TriggerBalanceBelow, TriggerAmount: "100000.00", ActionKind: rules.ActionFixed, ActionAmount: "100.00",
		CapPerTopUp: "100.00", CapAccountMonth: "100.00", CapMonth: "1050.00",
		ValidUntil: time.Now().AddDate(0, 1, 0).Format("2006-01-02"), Reason: "all of them"})
	errs := make(chan error, 50)
	for range 50 {
		go func() {
			_, err := w.eval.Evaluate(w.ctx, w.master)
			errs <- err
		}()
	}
	for range 50 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	pays := w.ruleOps(r.ID)
	total := decimal.Zero
	perAccount := map[string]int{}
	for _, p := range pays {
		total = total.Add(decimal.RequireFromString(p.Amount))
		perAccount[p.SubAccountID]++
		if perAccount[p.SubAccountID] > 1 {
			t.Fatalf("account %s paid twice", p.SubAccountID)
		}
	}
	if len(pays) != 11 || !total.Equal(decimal.RequireFromString("1050")) {
		t.Fatalf("%d top-ups totalling %s, want 11 totalling 1050.00", len(pays), total)
	}
	sum, err := w.rules.Totals(w.ctx, r)
	if err != nil || sum.Spent.String() != "1050.00" || sum.TopUps != 11 {
		t.Fatalf("totals = %+v, %v", sum, err)
	}
}

// The form is checked whole and its input kept: a target above the trigger, caps in
// order, a validity that ends after it starts.
func TestRuleFormValidation(t *testing.T) {
	w := newWorld(t, testkit.SQLite(t), 3, noAlerts)
	in := balanceRule("", w.subs()[0], "500.00", "400.00")
	in.CapPerTopUp, in.CapAccountMonth, in.ValidUntil = "3000.00", "2000.00", "2000-01-01"
	_, err := w.rules.Propose(w.ctx, w.actors["finance"], in, "")
	ve, ok := err.(*rules.ValidationError)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	for _, f := range []string{"name", "action_amount", "cap_per_topup", "valid_until"} {
		if ve.Fields[f] == "" {
			t.Errorf("no error on %s: %v", f, ve.Fields)
		}
	}
	if _, err := w.rules.Propose(w.ctx, w.actors["approver"], balanceRule("x", w.subs()[0], "1.00", "2.00"), ""); err != rules.ErrForbidden {
		t.Fatalf("an approver drafted a rule: %v", err)
	}
	if _, err := w.rules.Get(w.ctx, authz.Subject{UserID: 9, Roles: []authz.Role{authz.Finance}, Scopes: []string{"nowhere"}}, 1); err != rules.ErrNotFound {
		t.Fatalf("get of a missing rule = %v", err)
	}
}
