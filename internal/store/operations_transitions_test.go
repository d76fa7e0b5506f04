package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// Each named transition moves an operation only from its own from-states (the state
// machine of ARCHITECTURE.md), so a lost race or a stale caller changes nothing.
func TestOperationTransitionsFromStates(t *testing.T) {
	states := []string{"draft", "pending", "approved", "executing", "succeeded", "failed", "unknown", "rejected", "cancelled", "expired"}
	at := time.Now().UTC()
	fail := store.Settlement{Error: &store.UpstreamFailure{Code: "CBC.1", Message: "no"}}
	cases := []struct {
		name string
		from []string
		to   string
		move func(ctx context.Context, db *store.DB, id int64) (bool, error)
	}{
		{"MarkApproved", []string{"pending"}, "approved", func(ctx context.Context, db *store.DB, id int64) (bool, error) {
			return db.MarkApproved(ctx, id, "h", at)
		}},
		{"MarkRejected", []string{"pending"}, "rejected", func(ctx context.Context, db *store.DB, id int64) (bool, error) { return db.MarkRejected(ctx, id, at) }},
		{"MarkCancelled", []string{"draft", "pending"}, "cancelled", func(ctx context.Context, db *store.DB, id int64) (bool, error) { return db.MarkCancelled(ctx, id, at) }},
		{"MarkExpired", []string{"pending"}, "expired", func(ctx context.Context, db *store.DB, id int64) (bool, error) { return db.MarkExpired(ctx, id, at) }},
		{"MarkExecuting", []string{"approved"}, "executing", func(ctx context.Context, db *store.DB, id int64) (bool, error) {
			return db.MarkExecuting(ctx, id, 1, at)
		}},
		{"MarkRequeued", []string{"executing"}, "approved", func(ctx context.Context, db *store.DB, id int64) (bool, error) { return db.MarkRequeued(ctx, id, at) }},
		{"MarkSucceeded", []string{"executing"}, "succeeded", func(ctx context.Context, db *store.DB, id int64) (bool, error) {
			return db.MarkSucceeded(ctx, id, store.Settlement{Response: `{"ok":1}`}, at)
		}},
		{"MarkFailed", []string{"executing"}, "failed", func(ctx context.Context, db *store.DB, id int64) (bool, error) {
			return db.MarkFailed(ctx, id, fail, at)
		}},
		{"MarkUnknown", []string{"executing"}, "unknown", func(ctx context.Context, db *store.DB, id int64) (bool, error) {
			return db.MarkUnknown(ctx, id, fail, at)
		}},
		{"MarkFailedUnexecuted", []string{"approved"}, "failed", func(ctx context.Context, db *store.DB, id int64) (bool, error) {
			return db.MarkFailedUnexecuted(ctx, id, fail, at)
		}},
		{"MarkReconciled", []string{"unknown"}, "succeeded", func(ctx context.Context, db *store.DB, id int64) (bool, error) {
			return db.MarkReconciled(ctx, id, true, store.Settlement{}, at)
		}},
		{"MarkResolved", []string{"unknown"}, "failed", func(ctx context.Context, db *store.DB, id int64) (bool, error) {
			return db.MarkResolved(ctx, id, false, "checked upstream", at)
		}},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := &store.User{Username: "requester"}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		n := 0
		newOp := func(state string) *store.Operation {
			n++
			o := &store.Operation{Kind: "transfer_funds", State: state, Params: "{}", TransID: fmt.Sprint("t", n), RequestedBy: u.ID,
				ExpiresAt: at, CreatedAt: at, UpdatedAt: at, ErrorCode: "OLD"}
			if err := db.InsertOperation(ctx, o); err != nil {
				t.Fatal(err)
			}
			return o
		}
		for _, c := range cases {
			for _, st := range states {
				o := newOp(st)
				ok, err := c.move(ctx, db, o.ID)
				if err != nil {
					t.Fatal(err)
				}
				want := slices.Contains(c.from, st)
				got, err := db.OperationByID(ctx, o.ID)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case ok != want:
					t.Errorf("%s from %s: moved %v, want %v", c.name, st, ok, want)
				case want && got.State != c.to:
					t.Errorf("%s from %s: state %s, want %s", c.name, st, got.State, c.to)
				case !want && got.State != st:
					t.Errorf("%s from %s: refused but state is %s", c.name, st, got.State)
				}
				if ok, err := c.move(ctx, db, o.ID); err != nil || (ok && !slices.Contains(c.from, c.to)) {
					t.Errorf("%s from %s: moved twice (%v, %v)", c.name, st, ok, err)
				}
			}
		}
		// What the settlements store besides the state.
		o := newOp("executing")
		if ok, err := db.MarkSucceeded(ctx, o.ID, store.Settlement{Response: `{"ok":1}`}, at); err != nil || !ok {
			t.Fatal(ok, err)
		}
		got, _ := db.OperationByID(ctx, o.ID)
		if got.ErrorCode != "" || got.Response != `{"ok":1}` || got.FinishedAt == nil {
			t.Errorf("succeeded: error %q response %q finished %v; want the error cleared, the response and a finish time", got.ErrorCode, got.Response, got.FinishedAt)
		}
		o = newOp("executing")
		if ok, err := db.MarkUnknown(ctx, o.ID, fail, at); err != nil || !ok {
			t.Fatal(ok, err)
		}
		got, _ = db.OperationByID(ctx, o.ID)
		if got.ErrorCode != "CBC.1" || got.ErrorMessage != "no" || got.FinishedAt != nil {
			t.Errorf("unknown: error %q %q finished %v; want the upstream's answer and no finish time", got.ErrorCode, got.ErrorMessage, got.FinishedAt)
		}
	})
}
