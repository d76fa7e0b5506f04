package approval

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
)

// Delegation (issue 15): an approver lets another approver approve on their behalf for a
// period (holidays). The rules:
//
//   - Both are enabled users holding the approver role when it is set up, and the
//     delegator still holds it (fresh from the database) whenever it is used.
//   - It never widens anyone's reach: the delegate approves only what they may approve
//     themself (their own role and scope), and an approval counts as on the delegator's
//     behalf only when the delegator could have given it too (their role and scope cover
//     the operation, it is not their request, they have not decided on it, and nobody
//     else approved it on their behalf). Otherwise the delegate approves as themself.
//   - While it runs, the delegate may not decide on the delegator's own requests at all
//     (ErrDelegatorsRequest, audited as denied), nor see them in their inbox: their
//     approval would be the delegator's own. The requester's own request stays refused
//     as always (ErrSelfApproval).
//   - It is not passed on: a delegate's own delegations hand on their own seat only.
//   - Approvals are still counted per person: an approval on behalf of someone names
//     them, it does not stand for two.
//   - Rejections are the delegate's own (they name nobody else).
//   - An approver sets up and revokes their own, the delegate may revoke one given to
//     them, and admins (users.manage) see, set up and revoke everyone's; each change
//     needs a fresh second-factor code.
//   - Its creation, start, end (expiry or revocation) and every use are audited: the
//     start and the expiry by the periodic expiry job (ExpireDue) within its interval,
//     or the start by the first use if that comes first, each once (a conditional UPDATE
//     claims the write); every approval it carries writes delegation.use beside
//     operation.approve, which names the delegator too.

// Audit actions of delegations, on the target TargetDelegation.
const (
	ActionDelegationCreate = "delegation.create"
	ActionDelegationStart  = "delegation.start"
	ActionDelegationEnd    = "delegation.end"
	ActionDelegationRevoke = "delegation.revoke"
	ActionDelegationUse    = "delegation.use"
	TargetDelegation       = "delegation"
)

// MaxDelegationPeriod bounds one delegation: a stand-in for a while, not a standing
// transfer of powers.
const MaxDelegationPeriod = 92 * 24 * time.Hour

// ErrDelegatorsRequest refuses a delegate's decision on their delegator's own request. It
// is a self-approval (errors.Is(err, ErrSelfApproval)).
var ErrDelegatorsRequest = fmt.Errorf("%w: the delegate of the requester", ErrSelfApproval)

// Delegation states at a time.
const (
	DelegationScheduled = "scheduled"
	DelegationActive    = "active"
	DelegationEnded     = "ended"
	DelegationRevoked   = "revoked"
)

// Delegation is one approver's leave to another to approve on their behalf.
type Delegation struct {
	ID               int64
	FromUserID       int64
	FromName         string
	ToUserID         int64
	ToName           string
	StartsAt, EndsAt time.Time
	Reason           string
	CreatedBy        int64
	CreatedByName    string
	CreatedAt        time.Time
	RevokedAt        *time.Time
	State            string // at the time it was read
	CanRevoke        bool   // by the reader
}

// DelegationInput is a delegation to set up.
type DelegationInput struct {
	// FromUserID is the delegator: 0 or the actor themself; anyone else, admins only.
	FromUserID       int64
	ToUserID         int64
	StartsAt, EndsAt time.Time
	Reason           string
}

// Person is someone a delegation may name.
type Person struct {
	ID                    int64
	Username, DisplayName string
}

func delegationFromRow(r store.Delegation, a Actor, now time.Time) Delegation {
	d := Delegation{ID: r.ID, FromUserID: r.FromUserID, FromName: r.FromName, ToUserID: r.ToUserID, ToName: r.ToName,
		StartsAt: r.StartsAt.UTC(), EndsAt: r.EndsAt.UTC(), Reason: r.Reason, CreatedBy: r.CreatedBy, CreatedByName: r.CreatedName,
		CreatedAt: r.CreatedAt.UTC(), RevokedAt: r.RevokedAt}
	switch {
	case r.RevokedAt != nil:
		d.State = DelegationRevoked
	case !now.Before(r.EndsAt):
		d.State = DelegationEnded
	case now.Before(r.StartsAt):
		d.State = DelegationScheduled
	default:
		d.State = DelegationActive
	}
	d.CanRevoke = (d.State == DelegationActive || d.State == DelegationScheduled) &&
		(a.UserID == r.FromUserID || a.UserID == r.ToUserID || managesOthers(a))
	return d
}

// managesOthers: admins see and change everyone's delegations.
func managesOthers(a Actor) bool {
	return authz.Allowed(a.Subject(), authz.ManageUsers, authz.Target{})
}

// Delegations lists, newest first, the delegations a may see: their own (given or
// received), or everyone's for admins.
func (s *Service) Delegations(ctx context.Context, a Actor) ([]Delegation, error) {
	if !authz.Allowed(a.Subject(), authz.ManageDelegations, authz.Target{}) {
		return nil, ErrForbidden
	}
	f := store.DelegationFilter{Involving: a.UserID}
	if managesOthers(a) {
		f.Involving = 0
	}
	rows, err := s.db.Delegations(ctx, f)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]Delegation, 0, len(rows))
	for _, r := range rows {
		out = append(out, delegationFromRow(r, a, now))
	}
	return out, nil
}

// Approvers lists the enabled approvers, by username: who may delegate and be delegated to.
func (s *Service) Approvers(ctx context.Context, a Actor) ([]Person, error) {
	if !authz.Allowed(a.Subject(), authz.ManageDelegations, authz.Target{}) {
		return nil, ErrForbidden
	}
	users, err := s.db.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []Person
	for _, u := range users {
		if !u.Disabled && slices.Contains(u.Roles, string(authz.Approver)) {
			out = append(out, Person{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName})
		}
	}
	return out, nil
}

// CreateDelegation sets up a delegation with a's fresh second-factor code. Problems are
// a *ValidationError per field ("from", "to", "starts_at", "ends_at", "reason"), before
// the code is checked. A start in the past is now.
func (s *Service) CreateDelegation(ctx context.Context, a Actor, code string, in DelegationInput) (*Delegation, error) {
	if !authz.Allowed(a.Subject(), authz.ManageDelegations, authz.Target{}) {
		return nil, ErrForbidden
	}
	if in.FromUserID == 0 {
		in.FromUserID = a.UserID
	}
	if in.FromUserID != a.UserID && !managesOthers(a) {
		return nil, ErrForbidden
	}
	now := s.now()
	in.Reason = strings.TrimSpace(in.Reason)
	in.StartsAt, in.EndsAt = in.StartsAt.UTC().Truncate(time.Second), in.EndsAt.UTC().Truncate(time.Second)
	if in.StartsAt.Before(now) {
		in.StartsAt = now.Truncate(time.Second)
	}
	ve := &ValidationError{}
	from, err := s.approverOrNil(ctx, in.FromUserID)
	if err != nil {
		return nil, err
	}
	if from == nil {
		ve.add("from", "delegation.err.from_not_approver", nil)
	}
	to, err := s.approverOrNil(ctx, in.ToUserID)
	switch {
	case err != nil:
		return nil, err
	case in.ToUserID == in.FromUserID:
		ve.add("to", "delegation.err.to_self", nil)
	case to == nil:
		ve.add("to", "delegation.err.to_not_approver", nil)
	}
	switch {
	case in.EndsAt.IsZero() || !in.EndsAt.After(in.StartsAt):
		ve.add("ends_at", "delegation.err.ends_before_start", nil)
	case in.EndsAt.Sub(in.StartsAt) > MaxDelegationPeriod:
		ve.add("ends_at", "delegation.err.too_long", map[string]any{"days": int(MaxDelegationPeriod.Hours() / 24)})
	}
	switch {
	case in.Reason == "":
		ve.add("reason", "op.err.reason_required", nil)
	case len([]rune(in.Reason)) > maxReasonLen:
		ve.add("reason", "op.err.reason_too_long", map[string]any{"max": maxReasonLen})
	}
	if err := ve.orNil(); err != nil {
		return nil, err
	}
	if err := s.stepUp(ctx, a, code); err != nil {
		return nil, err
	}
	row := &store.Delegation{FromUserID: from.ID, ToUserID: to.ID, StartsAt: in.StartsAt, EndsAt: in.EndsAt, Reason: in.Reason,
		CreatedBy: a.UserID, CreatedAt: now}
	err = s.db.InTx(ctx, func(tx *store.DB) error {
		if err := tx.InsertDelegation(ctx, row); err != nil {
			return err
		}
		row.FromName, row.ToName = from.Username, to.Username
		if err := delegationRecord(ctx, tx, a.meta(), ActionDelegationCreate, row, map[string]any{"reason": row.Reason}); err != nil {
			return err
		}
		if row.StartsAt.After(now) {
			return nil
		}
		return s.auditStart(ctx, tx, a.meta(), row, now)
	})
	if err != nil {
		return nil, err
	}
	return s.delegation(ctx, a, row.ID)
}

// approverOrNil is the enabled approver id, or nil.
func (s *Service) approverOrNil(ctx context.Context, id int64) (*store.User, error) {
	if id == 0 {
		return nil, nil
	}
	u, err := s.db.UserByID(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case u.Disabled || !slices.Contains(u.Roles, string(authz.Approver)):
		return nil, nil
	}
	return u, nil
}

func (s *Service) delegation(ctx context.Context, a Actor, id int64) (*Delegation, error) {
	r, err := s.db.DelegationByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if r.FromUserID != a.UserID && r.ToUserID != a.UserID && !managesOthers(a) {
		return nil, ErrNotFound
	}
	d := delegationFromRow(*r, a, s.now())
	return &d, nil
}

// RevokeDelegation ends delegation id now, with a's fresh second-factor code: its
// delegator, its delegate or an admin may; one that has ended already is ErrWrongState.
func (s *Service) RevokeDelegation(ctx context.Context, a Actor, code string, id int64) (*Delegation, error) {
	if !authz.Allowed(a.Subject(), authz.ManageDelegations, authz.Target{}) {
		return nil, ErrForbidden
	}
	d, err := s.delegation(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !d.CanRevoke {
		return nil, ErrWrongState
	}
	if err := s.stepUp(ctx, a, code); err != nil {
		return nil, err
	}
	err = s.db.InTx(ctx, func(tx *store.DB) error {
		now := s.now()
		ok, err := tx.RevokeDelegation(ctx, id, a.UserID, now)
		if err != nil {
			return err
		}
		if !ok {
			return ErrWrongState
		}
		r, err := tx.DelegationByID(ctx, id)
		if err != nil {
			return err
		}
		return delegationRecord(ctx, tx, a.meta(), ActionDelegationRevoke, r, map[string]any{"was": d.State})
	})
	if err != nil {
		return nil, err
	}
	return s.delegation(ctx, a, id)
}

// auditStart writes a delegation's start, once whoever notices it first (the creation,
// the expiry job, a use).
func (s *Service) auditStart(ctx context.Context, tx *store.DB, m audit.Meta, r *store.Delegation, now time.Time) error {
	ok, err := tx.ClaimDelegationStart(ctx, r.ID, now)
	if err != nil || !ok {
		return err
	}
	return delegationRecord(ctx, tx, m, ActionDelegationStart, r, nil)
}

// delegationRecord appends an audit event on a delegation: who, to whom, when, and extra.
func delegationRecord(ctx context.Context, tx *store.DB, m audit.Meta, action string, r *store.Delegation, extra map[string]any) error {
	details := map[string]any{"from_user_id": r.FromUserID, "delegator": r.FromName, "to_user_id": r.ToUserID, "delegate": r.ToName,
		"starts_at": r.StartsAt.UTC().Format(time.RFC3339), "ends_at": r.EndsAt.UTC().Format(time.RFC3339)}
	for k, v := range extra {
		details[k] = v
	}
	return audit.Record(ctx, tx, m, audit.Entry{Action: action, TargetType: TargetDelegation, TargetID: strconv.FormatInt(r.ID, 10),
		Outcome: audit.Success, Details: details})
}
