package approval

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// policy is kind's rule, or the default when none is stored.
func (s *Service) policy(ctx context.Context, kind Kind) (Policy, error) {
	p, err := s.db.PolicyByKind(ctx, string(kind))
	if errors.Is(err, store.ErrNotFound) {
		return DefaultPolicy(kind), nil
	}
	if err != nil {
		return Policy{}, err
	}
	return policyFromRow(*p), nil
}

func policyFromRow(p store.ApprovalPolicy) Policy {
	out := Policy{Kind: Kind(p.Kind), NeedsApproval: p.NeedsApproval, Expiry: time.Duration(p.ExpirySeconds) * time.Second, UpdatedAt: p.UpdatedAt.UTC()}
	if p.TwoApproversAbove != nil {
		if a, err := money.FromUpstream(*p.TwoApproversAbove, money.DefaultCurrency); err == nil {
			out.TwoApproversAbove = &a
		}
	}
	return out
}

// Policies lists the approval rule of every kind that has one stored; a kind without a
// row uses the defaults of policy (approval needed, 72 hours, two approvers from the
// CONTRACTS threshold for money kinds).
func (s *Service) Policies(ctx context.Context) ([]Policy, error) {
	rows, err := s.db.Policies(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Policy, 0, len(rows))
	for _, r := range rows {
		out = append(out, policyFromRow(r))
	}
	return out, nil
}

// SetPolicy replaces the approval rule of one kind (admins only: ErrForbidden otherwise).
// The audit event records the rule before and after, so that loosening a control is
// visible. New rules apply to operations requested afterwards.
func (s *Service) SetPolicy(ctx context.Context, a Actor, p Policy) error {
	if !authz.Allowed(a.Subject(), authz.ManagePolicy, authz.Target{}) {
		return ErrForbidden
	}
	ve := &ValidationError{}
	if !slices.Contains(PolicyKinds, p.Kind) {
		ve.add("kind", "op.err.kind_invalid", nil)
	}
	if p.Expiry < time.Minute || p.Expiry > 365*24*time.Hour {
		ve.add("expiry", "op.err.expiry_range", nil)
	}
	if p.TwoApproversAbove != nil && !p.TwoApproversAbove.IsPositive() {
		ve.add("two_approvers_above", "op.err.amount_positive", nil)
	}
	if err := ve.orNil(); err != nil {
		return err
	}
	row := &store.ApprovalPolicy{Kind: string(p.Kind), NeedsApproval: p.NeedsApproval, ExpirySeconds: int64(p.Expiry / time.Second), UpdatedAt: s.now()}
	if p.TwoApproversAbove != nil {
		v := p.TwoApproversAbove.String()
		row.TwoApproversAbove = &v
	}
	before, err := s.policy(ctx, p.Kind)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *store.DB) error {
		if err := tx.SavePolicy(ctx, row); err != nil {
			return err
		}
		return audit.Record(ctx, tx, a.meta(), audit.Entry{Action: ActionPolicy, TargetType: "approval_policy", TargetID: row.Kind,
			Outcome: audit.Success, Details: map[string]any{
				"before": policyDetails(before),
				"after":  policyDetails(policyFromRow(*row)),
			}})
	})
}

// policyDetails is a policy as the audit trail records it (before/after of a change).
func policyDetails(p Policy) map[string]any {
	two := ""
	if p.TwoApproversAbove != nil {
		two = p.TwoApproversAbove.String()
	}
	return map[string]any{"needs_approval": p.NeedsApproval, "two_approvers_above": two,
		"expiry_seconds": int64(p.Expiry / time.Second)}
}
