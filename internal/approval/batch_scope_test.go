package approval_test

import (
	"context"
	"errors"
	"testing"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// An approver scoped to one unit approves no money for another unit's accounts by way of
// a batch: a batch with a row outside their scope is refused to them (and its page
// offers them no approval), one within it is theirs to approve.
func TestBatchApprovalNeedsEveryRowInScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCtl(t, db, delegAt, 3, delegCast) // s-00 is east, s-01 and s-02 west
		mixed, err := c.svc.CreateBatch(ctx, c.as("fay"), approval.KindTransferFunds, "payroll",
			[]approval.BatchRow{{Line: 2, SubAccount: c.subs[0], Amount: "5.00"}, {Line: 3, SubAccount: c.subs[1], Amount: "5.00"}}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.svc.ApproveBatch(ctx, c.as("wendy"), mixed.ID, goodCode, ""); !errors.Is(err, approval.ErrOutOfScope) {
			t.Fatalf("west-only wendy approves a batch with an east row: %v", err)
		}
		if _, err := c.svc.RejectBatch(ctx, c.as("wendy"), mixed.ID, "no"); !errors.Is(err, approval.ErrOutOfScope) {
			t.Fatalf("west-only wendy rejects a batch with an east row: %v", err)
		}
		if rs, err := c.svc.BatchRoute(ctx, c.as("wendy"), mixed.ID); err != nil || rs.CanApprove || rs.WhyNot != approval.ReasonScope {
			t.Fatalf("wendy's route status on the mixed batch: %+v %v", rs, err)
		}
		west, err := c.svc.CreateBatch(ctx, c.as("fay"), approval.KindTransferFunds, "payroll west",
			[]approval.BatchRow{{Line: 2, SubAccount: c.subs[1], Amount: "5.00"}, {Line: 3, SubAccount: c.subs[2], Amount: "5.00"}}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.svc.ApproveBatch(ctx, c.as("wendy"), west.ID, goodCode, ""); err != nil {
			t.Fatalf("wendy approves a west-only batch: %v", err)
		}
		// Unscoped carl may approve the mixed one.
		if _, err := c.svc.ApproveBatch(ctx, c.as("carl"), mixed.ID, goodCode, ""); err != nil {
			t.Fatalf("carl approves the mixed batch: %v", err)
		}
	})
}
