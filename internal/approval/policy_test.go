package approval_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestSetPolicyAuditsBeforeAndAfter: a policy change records what it was and what it
// became, so an auditor can see who loosened a control.
func TestSetPolicyAuditsBeforeAndAfter(t *testing.T) {
	db := storetest.SQLite(t)
	svc := approval.New(db, approval.Options{})
	admin := approval.Actor{UserID: 1, Username: "ada", Roles: []authz.Role{authz.Admin}, Meta: audit.System("test").WithActor(1, "ada")}
	ctx := context.Background()
	if err := svc.SetPolicy(ctx, approval.Actor{UserID: 2, Roles: []authz.Role{authz.Finance}}, approval.Policy{Kind: approval.KindToOnDemand, Expiry: time.Hour}); err == nil {
		t.Fatal("finance changed the policy")
	}
	if err := svc.SetPolicy(ctx, admin, approval.Policy{Kind: approval.KindToOnDemand, NeedsApproval: false, Expiry: 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	evs, err := db.ListAudit(ctx, store.AuditFilter{Action: approval.ActionPolicy})
	if err != nil || len(evs) != 1 {
		t.Fatalf("events %d %v", len(evs), err)
	}
	var d struct {
		Before, After struct {
			NeedsApproval bool  `json:"needs_approval"`
			ExpirySeconds int64 `json:"expiry_seconds"`
		}
	}
	if err := json.Unmarshal(evs[0].Details, &d); err != nil {
		t.Fatal(err)
	}
	if !d.Before.NeedsApproval || d.Before.ExpirySeconds != 72*3600 || d.After.NeedsApproval || d.After.ExpirySeconds != 24*3600 {
		t.Fatalf("before/after %+v from %s", d, evs[0].Details)
	}
}
