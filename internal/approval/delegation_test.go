package approval_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

var delegAt = time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC)

// The cast: fay drafts; dora (approver and maker) delegates to abe; carl is another
// approver; wendy approves in the west only; adam is an admin.
var delegCast = map[string][]string{"fay": {"finance"}, "dora": {"approver", "finance"}, "abe": {"approver", "finance"},
	"carl": {"approver"}, "wendy@west": {"approver"}, "adam": {"admin"}}

func (c *ctl) delegate(by, from, to string, start, end time.Time) *approval.Delegation {
	c.t.Helper()
	in := approval.DelegationInput{ToUserID: c.as(to).UserID, StartsAt: start, EndsAt: end, Reason: "holiday"}
	if from != by {
		in.FromUserID = c.as(from).UserID
	}
	d, err := c.svc.CreateDelegation(context.Background(), c.as(by), goodCode, in)
	if err != nil {
		c.t.Fatalf("delegation %s → %s: %v", from, to, err)
	}
	return d
}

func (c *ctl) approve(name string, id int64) (*approval.Operation, error) {
	return c.svc.Approve(context.Background(), c.as(name), id, goodCode, "", "")
}

// approvalOf is name's approval of op.
func approvalOf(t *testing.T, op *approval.Operation, name string) approval.Approval {
	t.Helper()
	for _, ap := range op.Approvals {
		if ap.Username == name {
			return ap
		}
	}
	t.Fatalf("no approval by %s on %d: %+v", name, op.ID, op.Approvals)
	return approval.Approval{}
}

// A delegate's approval is recorded on behalf of the delegator, on the approval and in
// its audit event, and each use writes delegation.use; the creation and the start are
// audited. A second delegate of the same person, or the delegator in person, cannot
// stand for them twice: they approve as themselves.
func TestDelegateApprovesOnBehalf(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCtl(t, db, delegAt, 2, delegCast)
		d := c.delegate("dora", "dora", "abe", delegAt, delegAt.Add(7*24*time.Hour))
		if d.State != approval.DelegationActive || d.FromName != "dora" || d.ToName != "abe" {
			t.Fatalf("delegation %+v", d)
		}
		op := c.mustDraft("fay", approval.KindTransferFunds, c.subs[1], "20000.00") // two approvals
		got, err := c.approve("abe", op.ID)
		if err != nil {
			t.Fatal(err)
		}
		ap := approvalOf(t, got, "abe")
		if ap.OnBehalfOf == nil || *ap.OnBehalfOf != c.as("dora").UserID || ap.OnBehalfOfName != "dora" {
			t.Fatalf("abe's approval %+v, want on behalf of dora", ap)
		}
		evs := c.events(approval.ActionApprove)
		var det map[string]any
		if err := json.Unmarshal(evs[len(evs)-1].Details, &det); err != nil || det["on_behalf_of_name"] != "dora" || det["delegation_id"] == nil {
			t.Fatalf("approval event %s", evs[len(evs)-1].Details)
		}
		if n := len(c.events(approval.ActionDelegationUse)); n != 1 {
			t.Fatalf("%d delegation.use events, want 1", n)
		}
		for _, a := range []string{approval.ActionDelegationCreate, approval.ActionDelegationStart} {
			if evs := c.events(a); len(evs) != 1 || evs[0].TargetID != itoa(d.ID) {
				t.Fatalf("%s: %+v", a, evs)
			}
		}
		// dora, back early, approves in person: counted as a second person, and as herself.
		got, err = c.approve("dora", op.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ap := approvalOf(t, got, "dora"); ap.OnBehalfOf != nil || got.State != approval.StateApproved {
			t.Fatalf("dora's approval %+v, state %s", ap, got.State)
		}
		// Once dora has decided, her delegate approves as himself.
		op2 := c.mustDraft("fay", approval.KindTransferFunds, c.subs[1], "20000.00")
		if _, err := c.approve("dora", op2.ID); err != nil {
			t.Fatal(err)
		}
		got, err = c.approve("abe", op2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ap := approvalOf(t, got, "abe"); ap.OnBehalfOf != nil {
			t.Fatalf("abe after dora decided: %+v, want his own", ap)
		}
	})
}

// Self-approval never comes through a delegation: a delegate cannot decide on their own
// request (as always) nor on their delegator's, one by one, many at once or as a batch,
// and does not see the delegator's requests in the inbox; the refusals are audited. The
// delegator's scope does not widen the delegate's: out of the delegator's scope the
// delegate approves as themself.
func TestDelegationNeverAllowsSelfApproval(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCtl(t, db, delegAt, 2, delegCast)
		c.delegate("dora", "dora", "abe", delegAt, delegAt.Add(24*time.Hour))
		own := c.mustDraft("abe", approval.KindTransferFunds, c.subs[1], "10.00")
		if _, err := c.approve("abe", own.ID); !errors.Is(err, approval.ErrSelfApproval) {
			t.Fatalf("abe approves his own request: %v", err)
		}
		doras := c.mustDraft("dora", approval.KindTransferFunds, c.subs[1], "10.00")
		if _, err := c.approve("abe", doras.ID); !errors.Is(err, approval.ErrDelegatorsRequest) || !errors.Is(err, approval.ErrSelfApproval) {
			t.Fatalf("abe approves dora's request: %v", err)
		}
		// The page offers abe no Approve button on it, and says why; carl gets one.
		if rs, err := c.svc.OperationRoute(ctx, c.as("abe"), doras.ID); err != nil || rs.CanApprove || rs.WhyNot != approval.ReasonDelegator {
			t.Fatalf("abe's route status on dora's request: %+v %v", rs, err)
		}
		// Nor is he named among who can approve it, nor told of it.
		if rs, _ := c.svc.OperationRoute(ctx, c.as("carl"), doras.ID); slices.Contains(rs.Levels[0].Approvers, "abe") {
			t.Fatalf("abe listed as an approver of dora's request: %v", rs.Levels[0].Approvers)
		}
		notes, err := db.ListNotifications(ctx, c.as("abe").UserID, false, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range notes {
			if n.OperationID != nil && *n.OperationID == doras.ID {
				t.Fatalf("abe notified of dora's request: %+v", n)
			}
		}
		if rs, err := c.svc.OperationRoute(ctx, c.as("carl"), doras.ID); err != nil || !rs.CanApprove {
			t.Fatalf("carl's route status on dora's request: %+v %v", rs, err)
		}
		if _, err := c.svc.Reject(ctx, c.as("abe"), doras.ID, "no"); !errors.Is(err, approval.ErrDelegatorsRequest) {
			t.Fatalf("abe rejects dora's request: %v", err)
		}
		res, err := c.svc.ApproveMany(ctx, c.as("abe"), goodCode, "", []approval.ApproveItem{{ID: doras.ID}})
		if err != nil || len(res) != 1 || !errors.Is(res[0].Err, approval.ErrDelegatorsRequest) {
			t.Fatalf("abe approves dora's request among many: %+v %v", res, err)
		}
		batch, err := c.svc.CreateBatch(ctx, c.as("dora"), approval.KindTransferFunds, "payroll",
			[]approval.BatchRow{{Line: 2, SubAccount: c.subs[1], Amount: "5.00"}}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.svc.ApproveBatch(ctx, c.as("abe"), batch.ID, goodCode, ""); !errors.Is(err, approval.ErrDelegatorsRequest) {
			t.Fatalf("abe approves dora's batch: %v", err)
		}
		if rs, err := c.svc.BatchRoute(ctx, c.as("abe"), batch.ID); err != nil || rs.CanApprove || rs.WhyNot != approval.ReasonDelegator {
			t.Fatalf("abe's route status on dora's batch: %+v %v", rs, err)
		}
		denied := 0
		for _, e := range c.events(approval.ActionApprove) {
			if e.Outcome == audit.Denied && string(e.Details) != "" && json.Valid(e.Details) {
				var d map[string]any
				_ = json.Unmarshal(e.Details, &d)
				if d["reason"] == "delegator's request" {
					denied++
				}
			}
		}
		if denied != 3 {
			t.Fatalf("%d denied approvals of dora's requests audited, want 3", denied)
		}
		inbox, err := c.svc.PendingFor(ctx, c.as("abe"), 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range inbox {
			if o.RequestedBy == c.as("dora").UserID {
				t.Fatalf("dora's request %d in abe's inbox", o.ID)
			}
		}
		if n, err := c.svc.CountPendingFor(ctx, c.as("abe")); err != nil || n != 0 {
			t.Fatalf("abe's inbox counts %d (%v), want 0 (his own and dora's only)", n, err)
		}
		// carl may approve dora's request; nothing stops other approvers.
		if _, err := c.approve("carl", doras.ID); err != nil {
			t.Fatal(err)
		}
	})
}

// Delegations fit the delegator's scope: a west-only delegator's seat covers west only.
func TestDelegationFollowsTheDelegatorsScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCtl(t, db, delegAt, 2, delegCast)
		c.delegate("wendy", "wendy", "abe", delegAt, delegAt.Add(24*time.Hour))
		east := c.mustDraft("fay", approval.KindTransferFunds, c.subs[0], "10.00")
		west := c.mustDraft("fay", approval.KindTransferFunds, c.subs[1], "10.00")
		for op, want := range map[*approval.Operation]string{east: "", west: "wendy"} {
			got, err := c.approve("abe", op.ID)
			if err != nil {
				t.Fatal(err)
			}
			if ap := approvalOf(t, got, "abe"); ap.OnBehalfOfName != want {
				t.Fatalf("abe on %s: on behalf of %q, want %q", op.SubAccountID, ap.OnBehalfOfName, want)
			}
		}
	})
}

// A delegation past its end, revoked, or not begun yet carries nothing: the delegate
// approves as themself, and may decide on the (former) delegator's requests again.
// Setting one up is refused for anyone who is not an approver, to oneself, backwards
// or for too long, and for someone else unless one is an admin.
func TestDelegationOnlyWhileItRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCtl(t, db, delegAt, 2, delegCast)
		ended := c.delegate("dora", "dora", "abe", delegAt, delegAt.Add(time.Hour))
		revoked := c.delegate("carl", "carl", "abe", delegAt, delegAt.Add(48*time.Hour))
		later := c.delegate("adam", "wendy", "abe", delegAt.Add(30*time.Hour), delegAt.Add(40*time.Hour))
		if later.State != approval.DelegationScheduled || later.CreatedByName != "adam" {
			t.Fatalf("admin's delegation for wendy: %+v", later)
		}
		if _, err := c.svc.RevokeDelegation(ctx, c.as("carl"), goodCode, revoked.ID); err != nil {
			t.Fatal(err)
		}
		c.clock.Set(delegAt.Add(2 * time.Hour))
		doras := c.mustDraft("dora", approval.KindTransferFunds, c.subs[1], "10.00")
		got, err := c.approve("abe", doras.ID)
		if err != nil {
			t.Fatalf("abe approves dora's request after her delegation ended: %v", err)
		}
		if ap := approvalOf(t, got, "abe"); ap.OnBehalfOf != nil {
			t.Fatalf("abe after every delegation ended or was revoked: %+v", ap)
		}
		if _, err := c.svc.RevokeDelegation(ctx, c.as("dora"), goodCode, ended.ID); !errors.Is(err, approval.ErrWrongState) {
			t.Fatalf("revoke an ended delegation: %v", err)
		}
		var ve *approval.ValidationError
		for name, in := range map[string]approval.DelegationInput{
			"to oneself":        {ToUserID: c.as("dora").UserID, EndsAt: delegAt.Add(48 * time.Hour)},
			"to a non-approver": {ToUserID: c.as("fay").UserID, EndsAt: delegAt.Add(48 * time.Hour)},
			"ending before now": {ToUserID: c.as("abe").UserID, EndsAt: delegAt.Add(time.Hour)},
			"for half a year":   {ToUserID: c.as("abe").UserID, EndsAt: delegAt.Add(180 * 24 * time.Hour)},
			"without a reason":  {ToUserID: c.as("abe").UserID, EndsAt: delegAt.Add(48 * time.Hour)},
		} {
			if name != "without a reason" {
				in.Reason = "trip"
			}
			if _, err := c.svc.CreateDelegation(ctx, c.as("dora"), goodCode, in); !errors.As(err, &ve) {
				t.Errorf("delegation %s: %v, want a validation error", name, err)
			}
		}
		if _, err := c.svc.CreateDelegation(ctx, c.as("fay"), goodCode, approval.DelegationInput{ToUserID: c.as("abe").UserID,
			EndsAt: delegAt.Add(48 * time.Hour), Reason: "x"}); !errors.Is(err, approval.ErrForbidden) {
			t.Fatalf("finance delegates: %v", err)
		}
		if _, err := c.svc.CreateDelegation(ctx, c.as("abe"), goodCode, approval.DelegationInput{FromUserID: c.as("dora").UserID,
			ToUserID: c.as("carl").UserID, EndsAt: delegAt.Add(48 * time.Hour), Reason: "x"}); !errors.Is(err, approval.ErrForbidden) {
			t.Fatalf("an approver delegates for someone else: %v", err)
		}
		if _, err := c.svc.CreateDelegation(ctx, c.as("dora"), "000000", approval.DelegationInput{ToUserID: c.as("abe").UserID,
			EndsAt: delegAt.Add(48 * time.Hour), Reason: "x"}); !errors.Is(err, approval.ErrStepUp) {
			t.Fatalf("a wrong code: %v", err)
		}
		// abe sees what names him; the admin sees all; fay sees nothing.
		if ds, err := c.svc.Delegations(ctx, c.as("carl")); err != nil || len(ds) != 1 || ds[0].State != approval.DelegationRevoked {
			t.Fatalf("carl's delegations %+v %v", ds, err)
		}
		if ds, err := c.svc.Delegations(ctx, c.as("adam")); err != nil || len(ds) != 3 {
			t.Fatalf("the admin's view: %d %v", len(ds), err)
		}
		if _, err := c.svc.Delegations(ctx, c.as("fay")); !errors.Is(err, approval.ErrForbidden) {
			t.Fatalf("finance lists delegations: %v", err)
		}
	})
}

// Starts and ends are audited once each, by the periodic expiry job or (a start) by the
// creation or the first use; a revocation is the end of its delegation.
func TestDelegationStartAndEndAuditedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCtl(t, db, delegAt, 2, delegCast)
		now := c.delegate("dora", "dora", "abe", delegAt, delegAt.Add(time.Hour))
		soon := c.delegate("carl", "carl", "dora", delegAt.Add(2*time.Hour), delegAt.Add(3*time.Hour))
		used := c.delegate("wendy", "wendy", "abe", delegAt.Add(2*time.Hour), delegAt.Add(5*time.Hour))
		gone := c.delegate("adam", "wendy", "carl", delegAt.Add(2*time.Hour), delegAt.Add(5*time.Hour))
		if _, err := c.svc.RevokeDelegation(ctx, c.as("adam"), goodCode, gone.ID); err != nil {
			t.Fatal(err)
		}
		targets := func(action string) map[string]int {
			out := map[string]int{}
			for _, e := range c.events(action) {
				out[e.TargetID]++
			}
			return out
		}
		if got := targets(approval.ActionDelegationStart); len(got) != 1 || got[itoa(now.ID)] != 1 {
			t.Fatalf("starts at creation: %v", got)
		}
		// At 2:30 wendy's delegation is used before the job saw it begin.
		c.clock.Set(delegAt.Add(150 * time.Minute))
		west := c.mustDraft("fay", approval.KindTransferFunds, c.subs[1], "10.00")
		if got, err := c.approve("abe", west.ID); err != nil || approvalOf(t, got, "abe").OnBehalfOfName != "wendy" {
			t.Fatalf("abe for wendy: %+v %v", got, err)
		}
		for range 2 {
			if _, err := c.svc.ExpireDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got := targets(approval.ActionDelegationStart); len(got) != 3 || got[itoa(soon.ID)] != 1 || got[itoa(used.ID)] != 1 {
			t.Fatalf("starts: %v", got)
		}
		if got := targets(approval.ActionDelegationEnd); len(got) != 1 || got[itoa(now.ID)] != 1 {
			t.Fatalf("ends at 2:30: %v", got)
		}
		c.clock.Set(delegAt.Add(6 * time.Hour))
		for range 2 {
			if _, err := c.svc.ExpireDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		ends := targets(approval.ActionDelegationEnd)
		if len(ends) != 3 || ends[itoa(soon.ID)] != 1 || ends[itoa(used.ID)] != 1 || ends[itoa(gone.ID)] != 0 {
			t.Fatalf("ends: %v", ends)
		}
		if got := targets(approval.ActionDelegationRevoke); got[itoa(gone.ID)] != 1 {
			t.Fatalf("revocations: %v", got)
		}
		if got := targets(approval.ActionDelegationStart); got[itoa(gone.ID)] != 0 {
			t.Fatalf("a delegation revoked before it began started: %v", got)
		}
		var order []string
		for _, e := range c.events("") {
			if e.TargetType == approval.TargetDelegation && e.TargetID == itoa(used.ID) {
				order = append(order, e.Action)
			}
		}
		want := []string{approval.ActionDelegationCreate, approval.ActionDelegationStart, approval.ActionDelegationUse, approval.ActionDelegationEnd}
		if len(order) != len(want) {
			t.Fatalf("wendy's delegation's trail %v, want %v", order, want)
		}
		for i := range want {
			if order[i] != want[i] {
				t.Fatalf("wendy's delegation's trail %v, want %v", order, want)
			}
		}
	})
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
