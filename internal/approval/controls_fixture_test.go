package approval_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
)

// The fixture of the controls' tests (limits, delegation): a master with plenty of cash,
// n sub-accounts with 1,000.00 each in unit "east" (the first) or "west" (the others),
// a clock the test moves, a second factor that takes "123456" and a job queue that
// takes everything.

const ctlMaster = "dom-ctl"

// goodCode is the second-factor code the fixture's verifier accepts.
const goodCode = "123456"

type ctlClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *ctlClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *ctlClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

type codeVerifier struct{}

func (codeVerifier) VerifyStepUp(_ context.Context, _ *store.User, code string, _ audit.Meta) error {
	if code != goodCode {
		return fmt.Errorf("wrong code")
	}
	return nil
}

type acceptJobs struct{}

func (acceptJobs) EnqueueExecuteTx(context.Context, *sql.Tx, []int64) error { return nil }

type ctl struct {
	t     *testing.T
	db    *store.DB
	svc   *approval.Service
	clock *ctlClock
	subs  []string
	users map[string]approval.Actor
}

// newCtl builds the fixture at clock time at; users are name → roles (and the first
// scope after a "@": "dora@west").
func newCtl(t *testing.T, db *store.DB, at time.Time, subs int, users map[string][]string) *ctl {
	t.Helper()
	ctx := context.Background()
	c := &ctl{t: t, db: db, clock: &ctlClock{t: at}, users: map[string]approval.Actor{}}
	orgs := []store.Organization{
		{ID: "root", Name: "Acme", Path: []string{"root"}},
		{ID: "east", Name: "East", ParentID: "root", Path: []string{"root", "east"}, Depth: 1},
		{ID: "west", Name: "West", ParentID: "root", Path: []string{"root", "west"}, Depth: 1},
	}
	if err := db.ReplaceOrganizations(ctx, ctlMaster, 1, orgs, at); err != nil {
		t.Fatal(err)
	}
	var infos []store.SubAccountInfo
	var bal []store.SubAccountBalances
	for i := range subs {
		id, org := fmt.Sprintf("s-%02d", i), "west"
		if i == 0 {
			org = "east"
		}
		c.subs = append(c.subs, id)
		infos = append(infos, store.SubAccountInfo{ID: id, Name: "sub " + id, Status: 1, OrgID: org})
		bal = append(bal, store.SubAccountBalances{SubAccountID: id, Debit: yuan("1000.00"), Currency: "CNY"})
	}
	if err := db.UpsertSubAccounts(ctx, ctlMaster, 1, infos, at); err != nil {
		t.Fatal(err)
	}
	if err := db.StoreSubAccountBalances(ctx, at, bal, 0, store.RunProgress{}); err != nil {
		t.Fatal(err)
	}
	if err := db.StoreMasterBalances(ctx, ctlMaster, store.MasterBalances{Debit: yuan("1000000.00"), Currency: "CNY"}, at); err != nil {
		t.Fatal(err)
	}
	for name, roles := range users {
		var scopes []string
		if n, scope, ok := cut(name); ok {
			name, scopes = n, []string{scope}
		}
		u := &store.User{Username: name, Roles: roles, Scopes: scopes}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		a := approval.Actor{UserID: u.ID, Username: name, Scopes: scopes, Meta: audit.System("test").WithActor(u.ID, name)}
		for _, r := range roles {
			a.Roles = append(a.Roles, authz.Role(r))
		}
		c.users[name] = a
	}
	c.svc = approval.New(db, approval.Options{MasterAccountID: ctlMaster, Clock: c.clock.Now, StepUp: codeVerifier{}, Enqueuer: acceptJobs{}})
	return c
}

func cut(s string) (string, string, bool) {
	for i := range s {
		if s[i] == '@' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func (c *ctl) as(name string) approval.Actor {
	c.t.Helper()
	a, ok := c.users[name]
	if !ok {
		c.t.Fatalf("no user %s", name)
	}
	return a
}

// draft asks for a transfer (or a recovery) as name.
func (c *ctl) draft(name string, kind approval.Kind, sub, amount string) (*approval.Operation, error) {
	return c.svc.Create(context.Background(), c.as(name), approval.Input{Kind: kind, SubAccountID: sub, Amount: amount, Reason: "test"}, "")
}

// mustDraft is draft that must succeed.
func (c *ctl) mustDraft(name string, kind approval.Kind, sub, amount string) *approval.Operation {
	c.t.Helper()
	op, err := c.draft(name, kind, sub, amount)
	if err != nil {
		c.t.Fatalf("draft %s %s %s by %s: %v", kind, sub, amount, name, err)
	}
	return op
}

// events are the audit events of action, oldest first.
func (c *ctl) events(action string) []store.AuditEvent {
	c.t.Helper()
	evs, err := c.db.ListAudit(context.Background(), store.AuditFilter{Action: action, Ascending: true, Limit: 500})
	if err != nil {
		c.t.Fatal(err)
	}
	return evs
}
