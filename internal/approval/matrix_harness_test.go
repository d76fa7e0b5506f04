package approval_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
)

// The matrix tests' world: ctxCache's tree (root › east, root › west; s-east and s-east2
// in east, s-west in west) with fay the maker, approvers abby, alan and carl, boss who
// holds every role, and the admins ada and adele; a second factor that accepts goodCode.

type codes struct{}

func (codes) VerifyStepUp(_ context.Context, _ *store.User, code string, _ audit.Meta) error {
	if code != goodCode {
		return errors.New("wrong code")
	}
	return nil
}

// proof is a step-up passed a moment ago.
type proof struct{}

func (proof) Require(audit.Meta) error { return nil }

// enqueued records the operations handed to execution.
type enqueued struct {
	mu  sync.Mutex
	ids []int64
}

func (e *enqueued) EnqueueExecuteTx(_ context.Context, _ *sql.Tx, ids []int64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ids = append(e.ids, ids...)
	return nil
}

func (e *enqueued) all() []int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.ids)
}

type world struct {
	t      *testing.T
	db     *store.DB
	svc    *approval.Service
	enq    *enqueued
	actors map[string]approval.Actor
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	fay, _ := ctxCache(t, db)
	w := &world{t: t, db: db, enq: &enqueued{}, actors: map[string]approval.Actor{}}
	w.svc = approval.New(db, approval.Options{MasterAccountID: ctxMaster, StepUp: codes{}, Enqueuer: w.enq})
	w.actors["fay"] = actor(fay, "fay", authz.Finance)
	for _, u := range []struct {
		name  string
		roles []authz.Role
	}{{"abby", []authz.Role{authz.Approver}}, {"alan", []authz.Role{authz.Approver}}, {"carl", []authz.Role{authz.Approver}},
		{"boss", []authz.Role{authz.Admin, authz.Approver, authz.Finance}}, {"ada", []authz.Role{authz.Admin}},
		{"adele", []authz.Role{authz.Admin}}} {
		row := &store.User{Username: u.name}
		for _, r := range u.roles {
			row.Roles = append(row.Roles, string(r))
		}
		if err := db.CreateUser(context.Background(), row); err != nil {
			t.Fatal(err)
		}
		w.actors[u.name] = actor(row.ID, u.name, u.roles...)
	}
	return w
}

func actor(id int64, name string, roles ...authz.Role) approval.Actor {
	return approval.Actor{UserID: id, Username: name, Roles: roles, Meta: audit.System("test").WithActor(id, name)}
}

func (w *world) as(name string) approval.Actor { return w.actors[name] }

// group creates an approver group of members, limited to units (none: every unit).
func (w *world) group(name string, units []string, members ...string) int64 {
	w.t.Helper()
	in := approval.GroupInput{Name: name, Units: units}
	for _, m := range members {
		in.Members = append(in.Members, w.as(m).UserID)
	}
	g, err := w.svc.SaveApproverGroup(context.Background(), w.as("ada"), proof{}, in)
	if err != nil {
		w.t.Fatal(err)
	}
	return g.ID
}

// rule saves in as ada; a change that lowers the approvals needed somewhere is then
// approved by adele.
func (w *world) rule(in approval.RuleInput) approval.Rule {
	w.t.Helper()
	ctx := context.Background()
	res, err := w.svc.SaveApprovalRule(ctx, w.as("ada"), goodCode, in)
	if err != nil {
		w.t.Fatalf("save rule: %v", err)
	}
	if res.Pending != nil {
		ch, err := w.svc.ApproveRuleChange(ctx, w.as("adele"), goodCode, res.Pending.ID)
		if err != nil {
			w.t.Fatalf("second admin: %v", err)
		}
		if res.Rule, err = w.svc.ApprovalRule(ctx, w.as("ada"), ch.RuleID); err != nil {
			w.t.Fatal(err)
		}
	}
	return *res.Rule
}

// transfer drafts a transfer of amount to sub as fay.
func (w *world) transfer(sub, amount string) *approval.Operation {
	w.t.Helper()
	op, err := w.svc.Create(context.Background(), w.as("fay"), approval.Input{Kind: approval.KindTransferFunds, SubAccountID: sub,
		Amount: amount, BalanceType: approval.BalanceDebit, Reason: "matrix test"}, "")
	if err != nil {
		w.t.Fatalf("draft: %v", err)
	}
	return op
}

func (w *world) approve(name string, id int64) (*approval.Operation, error) {
	return w.svc.Approve(context.Background(), w.as(name), id, goodCode, "ok", "")
}

// inbox lists the ids waiting for name, and checks the badge counts as many.
func (w *world) inbox(name string) []int64 {
	w.t.Helper()
	ctx := context.Background()
	ops, err := w.svc.PendingFor(ctx, w.as(name), 100)
	if err != nil {
		w.t.Fatal(err)
	}
	n, err := w.svc.CountPendingFor(ctx, w.as(name))
	if err != nil {
		w.t.Fatal(err)
	}
	if n != len(ops) {
		w.t.Fatalf("%s: badge %d, inbox %d", name, n, len(ops))
	}
	return ids(ops)
}

// events lists the audit events of action.
func (w *world) events(action string) []store.AuditEvent {
	w.t.Helper()
	evs, err := w.db.ListAudit(context.Background(), store.AuditFilter{Action: action, Ascending: true, Limit: 100})
	if err != nil {
		w.t.Fatal(err)
	}
	return evs
}

// notified lists who has a notice of kind about operation id.
func (w *world) notified(kind string, id int64) []string {
	w.t.Helper()
	var out []string
	for name, a := range w.actors {
		ns, err := w.db.ListNotifications(context.Background(), a.UserID, false, 100)
		if err != nil {
			w.t.Fatal(err)
		}
		for _, n := range ns {
			if n.Kind == kind && n.OperationID != nil && *n.OperationID == id {
				out = append(out, name)
			}
		}
	}
	slices.Sort(out)
	return out
}
