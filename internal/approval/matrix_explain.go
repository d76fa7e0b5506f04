package approval

import (
	"context"
	"errors"
	"strings"

	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// ExplainQuery asks the matrix about a hypothetical request: its kind, where it is (a
// sub-account, or else an organisation unit; neither: outside every unit) and its amount
// as typed ("" = none).
type ExplainQuery struct {
	Kind         Kind
	SubAccountID string
	OrgUnitID    string
	Amount       string
}

// Explanation is the matrix's answer to an ExplainQuery: the organisation path it was
// resolved on (root first), the resolution with every rule's verdict, and per level who
// could approve such a request today.
type Explanation struct {
	OrgPath    []string
	Resolution Resolution
	Approvers  [][]string
}

// Explain answers q as Create would resolve it now (admins only). Problems are a
// *ValidationError ("kind", "sub_account_id", "org_unit_id", "amount").
func (s *Service) Explain(ctx context.Context, a Actor, q ExplainQuery) (Explanation, error) {
	if err := s.requireMatrixAdmin(a); err != nil {
		return Explanation{}, err
	}
	ve := &ValidationError{}
	if !q.Kind.Valid() {
		ve.add("kind", "op.err.kind_invalid", nil)
	}
	var path []string
	switch sub, unit := strings.TrimSpace(q.SubAccountID), strings.TrimSpace(q.OrgUnitID); {
	case sub != "":
		sa, err := s.db.SubAccountByID(ctx, sub)
		switch {
		case errors.Is(err, store.ErrNotFound):
			ve.add("sub_account_id", "op.err.sub_account_not_found", map[string]any{"id": sub})
		case err != nil:
			return Explanation{}, err
		default:
			path = sa.OrgPath
		}
	case unit != "":
		o, err := s.db.OrganizationByID(ctx, unit)
		switch {
		case errors.Is(err, store.ErrNotFound):
			ve.add("org_unit_id", "matrix.err.unit_unknown", nil)
		case err != nil:
			return Explanation{}, err
		default:
			path = o.Path
		}
	}
	var amount *money.Amount
	if t := strings.TrimSpace(q.Amount); t != "" {
		amt, err := money.Parse(t, money.DefaultCurrency)
		if err != nil {
			ve.add("amount", amountError(err), nil)
		}
		amount = &amt
	} else if q.Kind.MovesMoney() {
		ve.add("amount", "op.err.amount_required", nil)
	}
	if err := ve.orNil(); err != nil {
		return Explanation{}, err
	}
	res, err := s.ResolveRule(ctx, q.Kind, path, amount)
	if err != nil {
		return Explanation{}, err
	}
	t := approvalTarget{orgPaths: [][]string{path}, route: res.Route}
	who, err := s.approversAt(ctx, s.db, t)
	if err != nil {
		return Explanation{}, err
	}
	return Explanation{OrgPath: path, Resolution: res, Approvers: who}, nil
}
