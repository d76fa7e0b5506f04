package approval

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
)

// Delegations at the moment of a decision (the rules are delegation.go's), and the
// periodic audit of their starts and ends.

// delegatedBy lists the delegations running at `at` whose delegate is approverID, oldest
// start first: the delegators whose seat approverID may fill besides their own. With the
// approval matrix, eligibleApprover accepts approverID also through one of these whose
// delegator is eligible, under the same rules.
func (s *Service) delegatedBy(ctx context.Context, db *store.DB, approverID int64, at time.Time) ([]store.Delegation, error) {
	rows, err := db.Delegations(ctx, store.DelegationFilter{ToUserID: approverID, ActiveAt: &at})
	slices.Reverse(rows)
	return rows, err
}

// holdsDelegationOf says whether a holds, now, a delegation from requestedBy: then a's
// decision on requestedBy's request is refused (checkDelegatorsRequest), so the pages
// offer none.
func (s *Service) holdsDelegationOf(ctx context.Context, a Actor, requestedBy int64) (bool, error) {
	if a.UserID == 0 {
		return false, nil
	}
	ds, err := s.delegatedBy(ctx, s.db, a.UserID, s.now())
	return slices.ContainsFunc(ds, func(d store.Delegation) bool { return d.FromUserID == requestedBy }), err
}

// checkDelegatorsRequest refuses a's decision on a request of someone whose delegation a
// holds now (ErrDelegatorsRequest), audited as denied like a self-approval.
func (s *Service) checkDelegatorsRequest(ctx context.Context, a Actor, requestedBy int64, action, targetType string, targetID int64) error {
	if a.UserID == 0 {
		return nil
	}
	ds, err := s.delegatedBy(ctx, s.db, a.UserID, s.now())
	if err != nil {
		return err
	}
	for _, d := range ds {
		if d.FromUserID != requestedBy {
			continue
		}
		if err := s.db.InTx(ctx, func(tx *store.DB) error {
			return audit.Record(ctx, tx, a.meta(), audit.Entry{Action: action, TargetType: targetType, TargetID: strconv.FormatInt(targetID, 10),
				Outcome: audit.Denied, Details: map[string]any{"reason": "delegator's request", "delegation_id": d.ID, "delegator": d.FromName}})
		}); err != nil {
			return err
		}
		return ErrDelegatorsRequest
	}
	return nil
}

// delegationUse is the delegation an approval is given under (nil: the approver's own).
type delegationUse struct{ d *store.Delegation }

// onBehalf picks, in the decision's transaction, the delegation a's approval of a request
// (by requestedBy, in orgPath; decided are its decisions so far) is given under: the
// oldest running one whose delegator could approve it and has no approval on it yet, in
// person or through a delegate. nil: a approves as themself. A delegation of the
// requester's that began since the check before the second factor refuses it here. The
// start of the one picked is audited now if nothing did yet.
func (s *Service) onBehalf(ctx context.Context, tx *store.DB, a Actor, requestedBy int64, orgPath []string, decided []store.ApprovalRow, now time.Time) (*delegationUse, error) {
	ds, err := s.delegatedBy(ctx, tx, a.UserID, now)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		if d.FromUserID == requestedBy {
			return nil, ErrDelegatorsRequest
		}
	}
	for i := range ds {
		d := &ds[i]
		if slices.ContainsFunc(decided, func(ap store.ApprovalRow) bool {
			return ap.UserID == d.FromUserID || (ap.OnBehalfOf != nil && *ap.OnBehalfOf == d.FromUserID)
		}) {
			continue
		}
		u, err := tx.UserByID(ctx, d.FromUserID)
		if err != nil {
			return nil, err
		}
		sub := authz.Subject{UserID: u.ID, Scopes: u.Scopes}
		for _, r := range u.Roles {
			sub.Roles = append(sub.Roles, authz.Role(r))
		}
		if u.Disabled || !authz.Allowed(sub, authz.ApproveOperation, authz.Target{OrgPath: orgPath, OwnerID: requestedBy}) {
			continue
		}
		m := a.meta()
		m.ActorID, m.ActorName = nil, audit.SystemActor
		if err := s.auditStart(ctx, tx, m, d, now); err != nil {
			return nil, err
		}
		return &delegationUse{d: d}, nil
	}
	return nil, nil
}

// sign names the delegator on the approval.
func (u *delegationUse) sign(ap *store.ApprovalRow) {
	if u == nil {
		return
	}
	from, id := u.d.FromUserID, u.d.ID
	ap.OnBehalfOf, ap.OnBehalfOfName, ap.DelegationID = &from, u.d.FromName, &id
}

// describe names the delegator in the approval's audit details.
func (u *delegationUse) describe(details map[string]any) {
	if u == nil {
		return
	}
	details["on_behalf_of"], details["on_behalf_of_name"], details["delegation_id"] = u.d.FromUserID, u.d.FromName, u.d.ID
}

// record writes the use of the delegation on its own trail, beside the approval's event.
func (u *delegationUse) record(ctx context.Context, tx *store.DB, m audit.Meta, targetType string, targetID int64) error {
	if u == nil {
		return nil
	}
	return delegationRecord(ctx, tx, m, ActionDelegationUse, u.d, map[string]any{"target_type": targetType, "target_id": targetID})
}

// exceptDelegators leaves a's delegators' requests out of a's inbox while their
// delegation runs: a may not decide on them.
func (s *Service) exceptDelegators(ctx context.Context, a Actor, f *store.OperationFilter) error {
	ds, err := s.delegatedBy(ctx, s.db, a.UserID, s.now())
	for _, d := range ds {
		f.ExceptRequesters = append(f.ExceptRequesters, d.FromUserID)
	}
	return err
}

// sweepDelegations audits the starts and the ends (expiries) that have come, each once
// across replicas; it runs with the expiry job.
func (s *Service) sweepDelegations(ctx context.Context, now time.Time) error {
	m := audit.System("delegation")
	started, err := s.db.Delegations(ctx, store.DelegationFilter{StartedBy: &now})
	if err != nil {
		return err
	}
	for i := range started {
		if err := s.db.InTx(ctx, func(tx *store.DB) error { return s.auditStart(ctx, tx, m, &started[i], now) }); err != nil {
			return err
		}
	}
	ended, err := s.db.Delegations(ctx, store.DelegationFilter{EndedBy: &now})
	if err != nil {
		return err
	}
	for i := range ended {
		if err := s.db.InTx(ctx, func(tx *store.DB) error {
			ok, err := tx.ClaimDelegationEnd(ctx, ended[i].ID, now)
			if err != nil || !ok {
				return err
			}
			return delegationRecord(ctx, tx, m, ActionDelegationEnd, &ended[i], map[string]any{"reason": "expired"})
		}); err != nil {
			return err
		}
	}
	return nil
}
