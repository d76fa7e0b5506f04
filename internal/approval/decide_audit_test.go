package approval_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// A requester deciding on their own operation is refused and the denial audited; when the
// denial cannot be audited the call fails with the write's error, not a quiet refusal.
func TestSelfApprovalDenialIsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := approval.New(db, approval.Options{})
		u := &store.User{Username: "sam", Roles: []string{"approver", "finance"}}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		op := &store.Operation{Kind: string(approval.KindTransferFunds), State: string(approval.StatePending), Params: "{}",
			TransID: "own", RequestedBy: u.ID, RequiredApprovals: 1, ExpiresAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now}
		if err := db.InsertOperation(ctx, op); err != nil {
			t.Fatal(err)
		}
		a := approval.Actor{UserID: u.ID, Username: u.Username, Roles: []authz.Role{authz.Approver, authz.Finance},
			Meta: audit.System("test").WithActor(u.ID, u.Username)}
		if _, err := svc.Reject(ctx, a, op.ID, "mine"); !errors.Is(err, approval.ErrSelfApproval) {
			t.Fatalf("own operation: %v, want ErrSelfApproval", err)
		}
		evs, err := db.ListAudit(ctx, store.AuditFilter{Action: approval.ActionReject})
		if err != nil || len(evs) != 1 || evs[0].Outcome != audit.Denied {
			t.Fatalf("denial events: %+v %v, want one denied", evs, err)
		}
		storetest.BreakAudit(t, db)
		for name, decide := range map[string]func() error{
			"reject":  func() error { _, err := svc.Reject(ctx, a, op.ID, "mine"); return err },
			"approve": func() error { _, err := svc.Approve(ctx, a, op.ID, "000000", "", ""); return err },
		} {
			if err := decide(); err == nil || errors.Is(err, approval.ErrSelfApproval) {
				t.Errorf("%s own operation with the audit log down: %v, want the audit write's error", name, err)
			}
		}
	})
}
