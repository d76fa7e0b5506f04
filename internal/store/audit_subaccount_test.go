package store_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestAuditOfSubAccountIncludesItsOperations: the sub-account filter finds the events
// targeting the sub-account and those targeting its operations, in SQL, on both dialects.
func TestAuditOfSubAccountIncludesItsOperations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fay := mustCreateUser(t, db, "fay", "finance")
		now := time.Now().UTC()
		opOf := map[string]int64{}
		for i, sub := range []string{"sa-one", "sa-two"} {
			op := &store.Operation{Kind: "transfer_funds", State: "pending", Params: `{}`, Currency: "CNY", SubAccountID: sub,
				TransID: fmt.Sprintf("%032x", i+1), RequestedBy: fay.ID, RequestedByName: "fay", Reason: "test",
				RequiredApprovals: 1, ExpiresAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now}
			if err := db.InsertOperation(ctx, op); err != nil {
				t.Fatal(err)
			}
			opOf[sub] = op.ID
		}
		add := func(typ, id, action string) {
			e := store.AuditEvent{ActorName: "fay", Action: action, TargetType: typ, TargetID: id, Outcome: store.OutcomeSuccess}
			if err := db.AppendAudit(ctx, &e); err != nil {
				t.Fatal(err)
			}
		}
		one, two := strconv.FormatInt(opOf["sa-one"], 10), strconv.FormatInt(opOf["sa-two"], 10)
		add("sub_account", "sa-one", "sub_account.update")
		add("operation", one, "operation.create")
		add("operation", one, "operation.approve")
		add("operation", two, "operation.create")
		add("sub_account", "sa-two", "sub_account.update")
		add("batch", one, "operation.submit") // a batch with the same number is not the operation
		got, err := db.ListAudit(ctx, store.AuditFilter{SubAccountID: "sa-one", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var seen []string
		for _, e := range got {
			seen = append(seen, e.TargetType+":"+e.Action)
		}
		if fmt.Sprint(seen) != "[operation:operation.approve operation:operation.create sub_account:sub_account.update]" {
			t.Fatalf("events of sa-one: %v", seen)
		}
		if got, _ := db.ListAudit(ctx, store.AuditFilter{SubAccountID: "sa-one", Action: "operation.create"}); len(got) != 1 {
			t.Fatalf("combined with an action: %d events", len(got))
		}
	})
}
