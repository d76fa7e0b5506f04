package approval_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// ruleEvent is what the trail records of a rule change.
type ruleEvent struct {
	Before, After *struct {
		Required int `json:"required"`
		Version  int `json:"version"`
	}
	ChangeID   int64  `json:"change_id"`
	ProposedBy string `json:"proposed_by"`
}

func decodeRuleEvent(t *testing.T, e store.AuditEvent) ruleEvent {
	t.Helper()
	var d ruleEvent
	if err := json.Unmarshal(e.Details, &d); err != nil {
		t.Fatalf("%s: %v", e.Details, err)
	}
	return d
}

// TestLoweringChangeNeedsSecondAdmin: raising the approvals needed applies at once;
// lowering them anywhere (an edit, a delete) waits for another admin, who approves or
// rejects it; its author cannot approve it; the trail has before and after throughout.
func TestLoweringChangeNeedsSecondAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		ada, adele := w.as("ada"), w.as("adele")
		three := approval.RuleInput{Kind: approval.KindTransferFunds, OrgUnitID: "east", Levels: []approval.Level{{Count: 3}}}

		if _, err := w.svc.SaveApprovalRule(ctx, w.as("abby"), goodCode, three); !errors.Is(err, approval.ErrForbidden) {
			t.Fatalf("an approver changes the matrix: %v", err)
		}
		if _, err := w.svc.SaveApprovalRule(ctx, ada, "000000", three); !errors.Is(err, approval.ErrStepUp) {
			t.Fatalf("wrong code: %v", err)
		}
		if rs, _ := w.svc.ApprovalRules(ctx, ada); len(rs) != 0 {
			t.Fatalf("a refused change was written: %+v", rs)
		}
		// Raising (1 or 2 by the policy → 3): applied at once.
		res, err := w.svc.SaveApprovalRule(ctx, ada, goodCode, three)
		if err != nil || res.Rule == nil || res.Pending != nil {
			t.Fatalf("raising: %+v %v", res, err)
		}
		r := *res.Rule
		if e := w.events(approval.ActionRuleCreate); len(e) != 1 || decodeRuleEvent(t, e[0]).Before != nil || decodeRuleEvent(t, e[0]).After.Required != 3 {
			t.Fatalf("create events %+v", e)
		}

		// Lowering (3 → 1): held; the rule is unchanged meanwhile.
		one := three
		one.ID, one.Version, one.Levels = r.ID, r.Version, []approval.Level{{Count: 1}}
		res, err = w.svc.SaveApprovalRule(ctx, ada, goodCode, one)
		if err != nil || res.Pending == nil || res.Rule != nil {
			t.Fatalf("lowering: %+v %v", res, err)
		}
		ch := res.Pending
		if ch.Lowered == nil || ch.Lowered.Before != 3 || ch.Lowered.After != 1 || !slices.Contains(ch.Lowered.OrgPath, "east") {
			t.Fatalf("where it lowers: %+v", ch.Lowered)
		}
		if op := w.transfer("s-east", "10.00"); op.RequiredApprovals != 3 {
			t.Fatalf("a held change applied: %d approvals", op.RequiredApprovals)
		}
		if e := w.events(approval.ActionRulePropose); len(e) != 1 {
			t.Fatalf("propose events %+v", e)
		}
		if _, err := w.svc.ApproveRuleChange(ctx, ada, goodCode, ch.ID); !errors.Is(err, approval.ErrOwnChange) {
			t.Fatalf("its author approves it: %v", err)
		}
		if _, err := w.svc.ApproveRuleChange(ctx, adele, "000000", ch.ID); !errors.Is(err, approval.ErrStepUp) {
			t.Fatalf("second admin's wrong code: %v", err)
		}
		done, err := w.svc.ApproveRuleChange(ctx, adele, goodCode, ch.ID)
		if err != nil || done.State != store.RuleChangeApplied || done.DecidedByName != "adele" {
			t.Fatalf("second admin: %+v %v", done, err)
		}
		if _, err := w.svc.ApproveRuleChange(ctx, adele, goodCode, ch.ID); !errors.Is(err, approval.ErrWrongState) {
			t.Fatalf("approved twice: %v", err)
		}
		if op := w.transfer("s-east", "10.00"); op.RequiredApprovals != 1 {
			t.Fatalf("after the second admin: %d approvals", op.RequiredApprovals)
		}
		ev := w.events(approval.ActionRuleUpdate)
		if len(ev) != 1 || *ev[0].ActorID != adele.UserID {
			t.Fatalf("update events %+v", ev)
		}
		if d := decodeRuleEvent(t, ev[0]); d.Before.Required != 3 || d.After.Required != 1 || d.After.Version != 2 || d.ChangeID != ch.ID || d.ProposedBy != "ada" {
			t.Fatalf("update event %s", ev[0].Details)
		}

		// Deleting the rule lowers what east needs from 2 (at 10,000.00 the policy needs 2;
		// the rule asks 2 everywhere after this raise) back to the policy's 1: held, then
		// rejected, and the rule stays.
		r2, _ := w.svc.ApprovalRule(ctx, ada, r.ID)
		two := three
		two.ID, two.Version, two.Levels = r.ID, r2.Version, []approval.Level{{Count: 2}}
		if res, err := w.svc.SaveApprovalRule(ctx, ada, goodCode, two); err != nil || res.Rule == nil {
			t.Fatalf("raising 1 → 2: %+v %v", res, err)
		}
		r3, _ := w.svc.ApprovalRule(ctx, ada, r.ID)
		res, err = w.svc.DeleteApprovalRule(ctx, ada, goodCode, r.ID, r3.Version)
		if err != nil || res.Pending == nil {
			t.Fatalf("delete: %+v %v", res, err)
		}
		rej, err := w.svc.RejectRuleChange(ctx, adele, res.Pending.ID, "keep two in east")
		if err != nil || rej.State != store.RuleChangeRejected {
			t.Fatalf("reject: %+v %v", rej, err)
		}
		if _, err := w.svc.ApprovalRule(ctx, ada, r.ID); err != nil {
			t.Fatalf("the rule went after a rejected delete: %v", err)
		}
		if e := w.events(approval.ActionRuleReject); len(e) != 1 {
			t.Fatalf("reject events %+v", e)
		}

		// A held change whose rule moved on since cannot be applied.
		one.Version = r3.Version
		res, err = w.svc.SaveApprovalRule(ctx, ada, goodCode, one)
		if err != nil || res.Pending == nil {
			t.Fatalf("lowering again: %+v %v", res, err)
		}
		four := three
		four.ID, four.Version, four.Levels = r.ID, r3.Version, []approval.Level{{Count: 4}}
		if res, err := w.svc.SaveApprovalRule(ctx, adele, goodCode, four); err != nil || res.Rule == nil {
			t.Fatalf("raising 2 → 4: %+v %v", res, err)
		}
		if _, err := w.svc.ApproveRuleChange(ctx, adele, goodCode, res.Pending.ID); !errors.Is(err, approval.ErrStale) {
			t.Fatalf("a stale change: %v", err)
		}
		// Its author withdraws it.
		if wd, err := w.svc.RejectRuleChange(ctx, ada, res.Pending.ID, ""); err != nil || wd.State != store.RuleChangeWithdrawn {
			t.Fatalf("withdraw: %+v %v", wd, err)
		}
	})
}

// TestRuleValidation: the form's mistakes come back per field, nothing is written.
func TestRuleValidation(t *testing.T) {
	db := storetest.SQLite(t)
	w := newWorld(t, db)
	ctx := context.Background()
	small := w.group("Small", nil, "abby")
	for _, c := range []struct {
		in    approval.RuleInput
		field string
	}{
		{approval.RuleInput{Kind: "nope", Levels: []approval.Level{{Count: 1}}}, "kind"},
		{approval.RuleInput{Kind: approval.KindTransferFunds, OrgUnitID: "mars", Levels: []approval.Level{{Count: 1}}}, "org_unit_id"},
		{approval.RuleInput{Kind: approval.KindTransferFunds, Min: "12.345", Levels: []approval.Level{{Count: 1}}}, "min"},
		{approval.RuleInput{Kind: approval.KindTransferFunds, Min: "100.00", Max: "100.00", Levels: []approval.Level{{Count: 1}}}, "max"},
		{approval.RuleInput{Kind: approval.KindAutoRenew, Min: "1.00", Levels: []approval.Level{{Count: 1}}}, "min"},
		{approval.RuleInput{Kind: approval.KindTransferFunds}, "levels"},
		{approval.RuleInput{Kind: approval.KindTransferFunds, Levels: []approval.Level{{Count: 2, GroupID: small}}}, "levels"},
		{approval.RuleInput{Kind: approval.KindTransferFunds, Levels: []approval.Level{{Count: 1, GroupID: 999}}}, "levels"},
	} {
		_, err := w.svc.SaveApprovalRule(ctx, w.as("ada"), goodCode, c.in)
		var ve *approval.ValidationError
		if !errors.As(err, &ve) || ve.Fields[c.field] == "" {
			t.Errorf("%+v: %v, want an error on %s", c.in, err, c.field)
		}
	}
	w.rule(approval.RuleInput{Kind: approval.KindTransferFunds, OrgUnitID: "east", Levels: []approval.Level{{Count: 2}}})
	_, err := w.svc.SaveApprovalRule(ctx, w.as("ada"), goodCode, approval.RuleInput{Kind: approval.KindTransferFunds, OrgUnitID: "east",
		Levels: []approval.Level{{Count: 3}}})
	var ve *approval.ValidationError
	if !errors.As(err, &ve) || ve.Fields["_"] != "matrix.err.rule_exists" {
		t.Fatalf("a second rule on one cell: %v", err)
	}
}

// TestGroupChangesAudited: a group's creation, change and deletion are recorded with
// before and after; a group a rule names cannot go.
func TestGroupChangesAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		ada := w.as("ada")
		if _, err := w.svc.SaveApproverGroup(ctx, ada, nil, approval.GroupInput{Name: "No step-up"}); !errors.Is(err, approval.ErrStepUp) {
			t.Fatalf("without a step-up: %v", err)
		}
		if _, err := w.svc.SaveApproverGroup(ctx, w.as("abby"), proof{}, approval.GroupInput{Name: "X"}); !errors.Is(err, approval.ErrForbidden) {
			t.Fatalf("an approver: %v", err)
		}
		id := w.group("Treasury", []string{"east"}, "abby")
		var ve *approval.ValidationError
		if _, err := w.svc.SaveApproverGroup(ctx, ada, proof{}, approval.GroupInput{Name: "treasury"}); !errors.As(err, &ve) || ve.Fields["name"] != "matrix.err.name_taken" {
			t.Fatalf("a taken name: %v", err)
		}
		g, err := w.svc.SaveApproverGroup(ctx, ada, proof{}, approval.GroupInput{ID: id, Version: 1, Name: "Treasury",
			Units: []string{"east", "west"}, Members: []int64{w.as("abby").UserID, w.as("alan").UserID}})
		if err != nil || g.Version != 2 || len(g.Members) != 2 || !g.Members[1].Approver {
			t.Fatalf("update: %+v %v", g, err)
		}
		if _, err := w.svc.SaveApproverGroup(ctx, ada, proof{}, approval.GroupInput{ID: id, Version: 1, Name: "Treasury"}); !errors.Is(err, approval.ErrStale) {
			t.Fatalf("an edit of an old version: %v", err)
		}
		ev := w.events(approval.ActionGroupUpdate)
		if len(ev) != 1 {
			t.Fatalf("update events %+v", ev)
		}
		var d struct{ Before, After struct{ Members []int64 } }
		if err := json.Unmarshal(ev[0].Details, &d); err != nil || len(d.Before.Members) != 1 || len(d.After.Members) != 2 {
			t.Fatalf("before/after %s", ev[0].Details)
		}
		w.rule(approval.RuleInput{Kind: approval.KindTransferFunds, OrgUnitID: "east", Levels: []approval.Level{{Count: 2, GroupID: id}}})
		if err := w.svc.DeleteApproverGroup(ctx, ada, proof{}, id, 2); !errors.As(err, &ve) || ve.Fields["_"] != "matrix.err.group_in_use" {
			t.Fatalf("deleting a group in use: %v", err)
		}
		spare := w.group("Spare", nil)
		if err := w.svc.DeleteApproverGroup(ctx, ada, proof{}, spare, 1); err != nil {
			t.Fatal(err)
		}
		if ev := w.events(approval.ActionGroupDelete); len(ev) != 1 {
			t.Fatalf("delete events %+v", ev)
		}
	})
}
