package approval_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestSequentialLevels: an east rule with two levels in order. The route is fixed on the
// request; level 2's approver is refused (and the refusal audited) and does not see it
// until level 1 is complete, then hears of it, sees it and approves, and it is approved
// and handed to execution.
func TestSequentialLevels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		treasury := w.group("Treasury", nil, "abby")
		cfo := w.group("CFO office", nil, "alan")
		r := w.rule(approval.RuleInput{Kind: approval.KindTransferFunds, OrgUnitID: "east", Sequential: true,
			Levels: []approval.Level{{Count: 1, GroupID: treasury}, {Count: 1, GroupID: cfo}}})
		op := w.transfer("s-east", "100.00")
		row, err := db.OperationByID(ctx, op.ID)
		if err != nil {
			t.Fatal(err)
		}
		if op.RequiredApprovals != 2 || row.ApprovalRuleID == nil || *row.ApprovalRuleID != r.ID || row.ApprovalRuleVersion != 1 || !row.ApprovalSequential {
			t.Fatalf("route not fixed on the request: %+v", row)
		}
		west := w.transfer("s-west", "100.00") // no rule there: the policy, one approval from anyone
		if west.RequiredApprovals != 1 {
			t.Fatalf("outside the rule's unit: %d approvals", west.RequiredApprovals)
		}

		// Who can approve, as the requester sees it.
		rs, err := w.svc.OperationRoute(ctx, w.as("fay"), op.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs.Levels) != 2 || rs.Levels[0].GroupName != "Treasury" || !rs.Levels[0].Open || rs.Levels[1].Open ||
			!slices.Equal(rs.Levels[0].Approvers, []string{"abby"}) || !slices.Equal(rs.Levels[1].Approvers, []string{"alan"}) || rs.CanApprove {
			t.Fatalf("route status %+v", rs)
		}
		if got := w.notified("notify.op.pending", op.ID); !slices.Equal(got, []string{"abby"}) {
			t.Fatalf("notified at request: %v, want level 1's abby", got)
		}

		// Level 2 first: refused with its own error, audited, nothing written.
		if got := w.inbox("alan"); slices.Contains(got, op.ID) {
			t.Fatalf("level 2 sees the request before level 1: %v", got)
		}
		if _, err := w.approve("alan", op.ID); !errors.Is(err, approval.ErrLevelNotReached) {
			t.Fatalf("level 2 before level 1: %v", err)
		}
		if _, err := w.svc.Reject(ctx, w.as("alan"), op.ID, "no"); !errors.Is(err, approval.ErrLevelNotReached) {
			t.Fatalf("level 2 rejects before level 1: %v", err)
		}
		denied := 0
		for _, e := range w.events(approval.ActionApprove) {
			if e.Outcome == audit.Denied && e.TargetID == itoa(op.ID) && json.Valid(e.Details) && string(e.Details) == `{"reason":"later_level"}` {
				denied++
			}
		}
		if denied != 1 {
			t.Fatalf("%d audited refusals of level 2, want 1", denied)
		}
		if got := w.inbox("carl"); slices.Contains(got, op.ID) || !slices.Contains(got, west.ID) {
			t.Fatalf("an approver in no group: inbox %v", got)
		}
		if _, err := w.approve("carl", op.ID); !errors.Is(err, approval.ErrNotEligible) {
			t.Fatalf("an approver in no group: %v", err)
		}

		// Level 1.
		if got := w.inbox("abby"); !slices.Contains(got, op.ID) {
			t.Fatalf("level 1's inbox: %v", got)
		}
		got, err := w.approve("abby", op.ID)
		if err != nil || got.State != approval.StatePending {
			t.Fatalf("level 1: %v %v", got, err)
		}
		if slices.Contains(w.inbox("abby"), op.ID) || !slices.Contains(w.inbox("alan"), op.ID) {
			t.Fatal("after level 1 the request should move from level 1's inbox to level 2's")
		}
		if got := w.notified("notify.op.pending", op.ID); !slices.Equal(got, []string{"abby", "alan"}) {
			t.Fatalf("notified after level 1: %v, want level 2's alan too", got)
		}
		if len(w.enq.all()) != 0 {
			t.Fatal("executed after level 1 of 2")
		}

		// Level 2.
		got, err = w.approve("alan", op.ID)
		if err != nil || got.State != approval.StateApproved {
			t.Fatalf("level 2: %v %v", got, err)
		}
		if !slices.Equal(w.enq.all(), []int64{op.ID}) {
			t.Fatalf("enqueued %v", w.enq.all())
		}
		aps, err := db.ApprovalsOf(ctx, []int64{op.ID})
		if err != nil || len(aps[op.ID]) != 2 || aps[op.ID][0].Level != 1 || aps[op.ID][1].Level != 2 {
			t.Fatalf("approvals %+v %v", aps[op.ID], err)
		}
	})
}

// TestGroupScopes: a member of a group limited to west approves through it only inside
// west; a group limited to a unit covers the units below it.
func TestGroupScopes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		g := w.group("West approvers", []string{"west"}, "abby")
		w.rule(approval.RuleInput{Kind: approval.KindTransferFunds, Levels: []approval.Level{{Count: 1, GroupID: g}}})
		east, west := w.transfer("s-east", "10.00"), w.transfer("s-west", "10.00")
		if got := w.inbox("abby"); !slices.Equal(got, []int64{west.ID}) {
			t.Fatalf("inbox %v, want only the west request", got)
		}
		if _, err := w.approve("abby", east.ID); !errors.Is(err, approval.ErrNotEligible) {
			t.Fatalf("outside the group's units: %v", err)
		}
		rs, err := w.svc.OperationRoute(ctx, w.as("abby"), east.ID)
		if err != nil || rs.CanApprove || rs.WhyNot != approval.ReasonGroupScope || len(rs.Levels[0].Approvers) != 0 {
			t.Fatalf("east route %+v %v", rs, err)
		}
		if _, err := w.approve("abby", west.ID); err != nil {
			t.Fatalf("inside the group's units: %v", err)
		}
		// The group moves up to the root: east is below it.
		cur, err := w.svc.ApproverGroup(ctx, w.as("ada"), g)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.SaveApproverGroup(ctx, w.as("ada"), proof{}, approval.GroupInput{ID: g, Version: cur.Version, Name: cur.Name,
			Units: []string{"root"}, Members: []int64{w.as("abby").UserID}}); err != nil {
			t.Fatal(err)
		}
		if got := w.inbox("abby"); !slices.Equal(got, []int64{east.ID}) {
			t.Fatalf("inbox %v after the group covers the root", got)
		}
	})
}

// TestSelfApprovalNeverThroughGroups: boss holds every role and is in the only group a
// rule accepts; their own request is refused to them everywhere, and someone else in the
// group approves it.
func TestSelfApprovalNeverThroughGroups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		g := w.group("Everyone", nil, "boss", "abby")
		w.rule(approval.RuleInput{Kind: approval.KindTransferFunds, Levels: []approval.Level{{Count: 1, GroupID: g}}})
		op, err := w.svc.Create(ctx, w.as("boss"), approval.Input{Kind: approval.KindTransferFunds, SubAccountID: "s-east",
			Amount: "10.00", BalanceType: approval.BalanceDebit, Reason: "mine"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.approve("boss", op.ID); !errors.Is(err, approval.ErrSelfApproval) {
			t.Fatalf("own request: %v", err)
		}
		if _, err := w.svc.Reject(ctx, w.as("boss"), op.ID, "mine"); !errors.Is(err, approval.ErrSelfApproval) {
			t.Fatalf("own rejection: %v", err)
		}
		if got := w.inbox("boss"); slices.Contains(got, op.ID) {
			t.Fatalf("own request in the inbox: %v", got)
		}
		rs, err := w.svc.OperationRoute(ctx, w.as("boss"), op.ID)
		if err != nil || rs.CanApprove || rs.WhyNot != approval.ReasonSelf || !slices.Equal(rs.Levels[0].Approvers, []string{"abby"}) {
			t.Fatalf("route %+v %v", rs, err)
		}
		if got := w.notified("notify.op.pending", op.ID); !slices.Equal(got, []string{"abby"}) {
			t.Fatalf("notified %v", got)
		}
		// A batch of boss's through the same group.
		b, err := w.svc.CreateBatch(ctx, w.as("boss"), approval.KindTransferFunds, "mine too",
			[]approval.BatchRow{{Line: 2, SubAccount: "s-east", Amount: "5.00", BalanceType: "debit"}}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.ApproveBatch(ctx, w.as("boss"), b.ID, goodCode, ""); !errors.Is(err, approval.ErrSelfApproval) {
			t.Fatalf("own batch: %v", err)
		}
		if _, err := w.svc.ApproveBatch(ctx, w.as("abby"), b.ID, goodCode, ""); err != nil {
			t.Fatalf("the group's other member: %v", err)
		}
		if got, _ := w.approve("abby", op.ID); got == nil || got.State != approval.StateApproved {
			t.Fatalf("the group's other member: %+v", got)
		}
	})
}

// TestConcurrentApprovalsOneTransition: two members of the group race for the one
// approval a rule needs; exactly one counts, one transition, one execution.
func TestConcurrentApprovalsOneTransition(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		g := w.group("Pair", nil, "abby", "alan")
		w.rule(approval.RuleInput{Kind: approval.KindTransferFunds, Levels: []approval.Level{{Count: 1, GroupID: g}}})
		op := w.transfer("s-east", "10.00")
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, name := range []string{"abby", "alan"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = w.approve(name, op.ID)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, approval.ErrWrongState):
				t.Fatalf("the second approval: %v", err)
			}
		}
		aps, err := db.ApprovalsOf(context.Background(), []int64{op.ID})
		if ok != 1 || err != nil || len(aps[op.ID]) != 1 || !slices.Equal(w.enq.all(), []int64{op.ID}) {
			t.Fatalf("%d successes, approvals %+v, enqueued %v (%v)", ok, aps[op.ID], w.enq.all(), err)
		}
	})
}

// TestBatchTakesTheStrictestRule: a batch with rows in east and west needs what the
// stricter of their rules needs, and a group limited to east cannot approve it.
func TestBatchTakesTheStrictestRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		eastOnly := w.group("East", []string{"east"}, "abby", "alan")
		w.rule(approval.RuleInput{Kind: approval.KindTransferFunds, OrgUnitID: "east", Levels: []approval.Level{{Count: 2, GroupID: eastOnly}}})
		w.rule(approval.RuleInput{Kind: approval.KindTransferFunds, OrgUnitID: "west", Levels: []approval.Level{{Count: 1}}})
		rows := []approval.BatchRow{{Line: 2, SubAccount: "s-east", Amount: "5.00", BalanceType: "debit"},
			{Line: 3, SubAccount: "s-west", Amount: "5.00", BalanceType: "debit"}}
		b, err := w.svc.CreateBatch(ctx, w.as("fay"), approval.KindTransferFunds, "both units", rows, "")
		if err != nil {
			t.Fatal(err)
		}
		if b.RequiredApprovals != 2 {
			t.Fatalf("batch needs %d approvals, want the east rule's 2", b.RequiredApprovals)
		}
		if _, err := w.svc.ApproveBatch(ctx, w.as("abby"), b.ID, goodCode, ""); !errors.Is(err, approval.ErrNotEligible) {
			t.Fatalf("a group limited to east on a batch with a west row: %v", err)
		}
		if got := w.inbox("abby"); len(got) != 0 {
			t.Fatalf("inbox %v", got)
		}
		only, err := w.svc.CreateBatch(ctx, w.as("fay"), approval.KindTransferFunds, "east only", rows[:1], "")
		if err != nil {
			t.Fatal(err)
		}
		if got := w.inbox("abby"); len(got) != 1 {
			t.Fatalf("inbox %v, want the east batch's row", got)
		}
		for _, name := range []string{"abby", "alan"} {
			if _, err := w.svc.ApproveBatch(ctx, w.as(name), only.ID, goodCode, ""); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if got, _ := w.svc.GetBatch(ctx, w.as("fay"), only.ID); got.State != approval.StateApproved {
			t.Fatalf("east batch %s", got.State)
		}
	})
}

// TestLevelsInAnyOrder: a rule of two levels without order, one from any approver and one
// from the CFO office. The CFO's approval, first, counts for the CFO's level, not for the
// level anyone could give; anyone then completes it.
func TestLevelsInAnyOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		cfo := w.group("CFO office", nil, "alan")
		w.rule(approval.RuleInput{Kind: approval.KindTransferFunds, Levels: []approval.Level{{Count: 1}, {Count: 1, GroupID: cfo}}})
		op := w.transfer("s-west", "10.00")
		for _, name := range []string{"abby", "alan", "carl"} {
			if !slices.Contains(w.inbox(name), op.ID) {
				t.Fatalf("%s: both levels are open, yet the request is not in their inbox", name)
			}
		}
		if _, err := w.approve("alan", op.ID); err != nil {
			t.Fatal(err)
		}
		if got := w.inbox("carl"); !slices.Contains(got, op.ID) {
			t.Fatalf("the level of any approver is still open: %v", got)
		}
		if got, err := w.approve("carl", op.ID); err != nil || got.State != approval.StateApproved {
			t.Fatalf("second level: %+v %v", got, err)
		}
		aps, _ := db.ApprovalsOf(context.Background(), []int64{op.ID})
		if len(aps[op.ID]) != 2 || aps[op.ID][0].Level != 2 || aps[op.ID][1].Level != 1 {
			t.Fatalf("levels of the approvals: %+v", aps[op.ID])
		}
	})
}
