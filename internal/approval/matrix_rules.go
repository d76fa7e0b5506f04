package approval

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// The rules of the matrix: admins create, edit and delete them with a fresh
// second-factor code. A change that lowers the approvals needed anywhere is not applied:
// it waits as a pending change for another admin (matrix_changes.go).

// Bounds of a rule.
const (
	MaxLevels     = 3
	MaxLevelCount = 10
)

// RuleInput is a rule as an admin submits it: ID 0 creates one; otherwise Version is the
// version the form showed. Min and Max are amounts as typed ("" = open).
type RuleInput struct {
	ID         int64
	Version    int
	Kind       Kind
	OrgUnitID  string
	Min, Max   string
	Levels     []Level
	Sequential bool
}

// RuleResult is what became of a submitted change: applied (Rule, nil after a delete), or
// held for a second admin (Pending) because it lowers the approvals needed.
type RuleResult struct {
	Rule    *Rule
	Pending *MatrixChange
}

// ApprovalRules lists the matrix's rules by kind and id (admins only).
func (s *Service) ApprovalRules(ctx context.Context, a Actor) ([]Rule, error) {
	if err := s.requireMatrixAdmin(a); err != nil {
		return nil, err
	}
	return s.rules(ctx, "")
}

// ApprovalRule reads one rule (admins only).
func (s *Service) ApprovalRule(ctx context.Context, a Actor, id int64) (*Rule, error) {
	if err := s.requireMatrixAdmin(a); err != nil {
		return nil, err
	}
	return s.ruleByID(ctx, s.db, id)
}

func (s *Service) ruleByID(ctx context.Context, db *store.DB, id int64) (*Rule, error) {
	r, err := db.ApprovalRuleByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	out := ruleFromRow(*r)
	return &out, nil
}

// SaveApprovalRule creates (in.ID 0) or replaces a rule with a fresh second-factor code
// (admins only). Problems are a *ValidationError per field ("kind", "org_unit_id",
// "min", "max", "levels"); a rule changed since in.Version is ErrStale. A change that
// lowers the approvals needed is held for a second admin (RuleResult.Pending).
func (s *Service) SaveApprovalRule(ctx context.Context, a Actor, code string, in RuleInput) (RuleResult, error) {
	if err := s.requireMatrixAdmin(a); err != nil {
		return RuleResult{}, err
	}
	var before *Rule
	if in.ID != 0 {
		r, err := s.ruleByID(ctx, s.db, in.ID)
		if err != nil {
			return RuleResult{}, err
		}
		if r.Version != in.Version {
			return RuleResult{}, ErrStale
		}
		before = r
	}
	after, err := s.validRule(ctx, in)
	if err != nil {
		return RuleResult{}, err
	}
	action := ActionRuleCreate
	if before != nil {
		action = ActionRuleUpdate
	}
	return s.changeRule(ctx, a, code, action, before, after)
}

// DeleteApprovalRule deletes rule id at version with a fresh second-factor code (admins
// only); held for a second admin when the rules left need fewer approvals somewhere.
func (s *Service) DeleteApprovalRule(ctx context.Context, a Actor, code string, id int64, version int) (RuleResult, error) {
	if err := s.requireMatrixAdmin(a); err != nil {
		return RuleResult{}, err
	}
	before, err := s.ruleByID(ctx, s.db, id)
	if err != nil {
		return RuleResult{}, err
	}
	if before.Version != version {
		return RuleResult{}, ErrStale
	}
	return s.changeRule(ctx, a, code, ActionRuleDelete, before, nil)
}

// changeRule applies a change of the matrix (before → after; nil: none), or holds it when
// it lowers the approvals needed, after the second factor.
func (s *Service) changeRule(ctx context.Context, a Actor, code, action string, before, after *Rule) (RuleResult, error) {
	lp, err := s.lowering(ctx, before, after)
	if err != nil {
		return RuleResult{}, err
	}
	if err := s.stepUp(ctx, a, code); err != nil {
		return RuleResult{}, err
	}
	if lp != nil {
		ch, err := s.propose(ctx, a, action, before, after, lp)
		return RuleResult{Pending: ch}, err
	}
	var out *Rule
	err = s.db.InTx(ctx, func(tx *store.DB) error {
		out, err = applyRule(ctx, tx, a.UserID, action, before, after, s.now())
		if err != nil {
			return err
		}
		return recordRule(ctx, tx, a.meta(), action, before, out, nil)
	})
	return RuleResult{Rule: out}, err
}

// lowering compares the matrix before and after a change of one rule, for the kinds the
// rule had and has.
func (s *Service) lowering(ctx context.Context, before, after *Rule) (*LowerPoint, error) {
	var kinds []Kind
	for _, r := range []*Rule{before, after} {
		if r != nil && !slices.Contains(kinds, r.Kind) {
			kinds = append(kinds, r.Kind)
		}
	}
	all, err := s.rules(ctx, "")
	if err != nil {
		return nil, err
	}
	now := slices.DeleteFunc(slices.Clone(all), func(r Rule) bool { return before != nil && r.ID == before.ID })
	if before != nil {
		now = append(now, *before) // as the form saw it
	}
	next := slices.DeleteFunc(slices.Clone(now), func(r Rule) bool { return before != nil && r.ID == before.ID })
	if after != nil {
		next = append(next, *after)
	}
	var pols []Policy
	for _, k := range kinds {
		p, err := s.policy(ctx, k)
		if err != nil {
			return nil, err
		}
		pols = append(pols, p)
	}
	paths, err := s.comparePaths(ctx, now, next)
	if err != nil {
		return nil, err
	}
	return lowers(now, next, pols, paths), nil
}

// applyRule writes a change (create, update at before's version, delete) and returns the
// rule as it is now (nil after a delete). A rule changed since is ErrStale; a second rule
// on the same cell a *ValidationError.
func applyRule(ctx context.Context, tx *store.DB, by int64, action string, before, after *Rule, now timeT) (*Rule, error) {
	if action == ActionRuleDelete {
		ok, err := tx.DeleteApprovalRule(ctx, before.ID, before.Version)
		if err == nil && !ok {
			err = ErrStale
		}
		return nil, err
	}
	row := &store.ApprovalRule{Kind: string(after.Kind), OrgUnitID: after.OrgUnitID, MinAmount: textOrNil(after.Min),
		MaxAmount: textOrNil(after.Max), Levels: levelsJSON(after.Levels), Sequential: after.Sequential, UpdatedBy: &by, UpdatedAt: now}
	var err error
	if before == nil {
		row.CreatedBy, row.CreatedAt = &by, now
		err = tx.InsertApprovalRule(ctx, row)
	} else {
		row.ID = before.ID
		var ok bool
		if ok, err = tx.UpdateApprovalRule(ctx, row, before.Version); err == nil && !ok {
			err = ErrStale
		}
	}
	if errors.Is(err, store.ErrConflict) {
		return nil, &ValidationError{Fields: map[string]string{"_": "matrix.err.rule_exists"}}
	}
	if err != nil {
		return nil, err
	}
	out := ruleFromRow(*row)
	return &out, nil
}

// recordRule audits an applied change with the rule before and after; change is the
// pending change a second admin approved (nil: applied at once).
func recordRule(ctx context.Context, tx *store.DB, m audit.Meta, action string, before, after *Rule, change *MatrixChange) error {
	id := int64(0)
	for _, r := range []*Rule{after, before} {
		if r != nil && id == 0 {
			id = r.ID
		}
	}
	d := map[string]any{"before": ruleDetails(before), "after": ruleDetails(after)}
	if change != nil {
		d["change_id"], d["proposed_by"] = change.ID, change.ProposedByName
	}
	return audit.Record(ctx, tx, m, audit.Entry{Action: action, TargetType: TargetRule, TargetID: strconv.FormatInt(id, 10),
		Outcome: audit.Success, Details: d})
}

// validRule checks in and returns the rule it describes.
func (s *Service) validRule(ctx context.Context, in RuleInput) (*Rule, error) {
	ve := &ValidationError{}
	r := &Rule{ID: in.ID, Version: in.Version, Kind: in.Kind, OrgUnitID: strings.TrimSpace(in.OrgUnitID), Sequential: in.Sequential}
	if !in.Kind.Valid() {
		ve.add("kind", "op.err.kind_invalid", nil)
	}
	if r.OrgUnitID != "" {
		known, err := s.knownUnits(ctx)
		if err != nil {
			return nil, err
		}
		if !known[r.OrgUnitID] {
			ve.add("org_unit_id", "matrix.err.unit_unknown", nil)
		}
	}
	for field, text := range map[string]string{"min": in.Min, "max": in.Max} {
		if text = strings.TrimSpace(text); text == "" {
			continue
		}
		amt, err := money.Parse(text, money.DefaultCurrency)
		if err != nil {
			ve.add(field, amountError(err), nil)
			continue
		}
		if field == "min" {
			r.Min = &amt
		} else {
			r.Max = &amt
		}
	}
	if (r.Min != nil || r.Max != nil) && in.Kind.Valid() && !in.Kind.MovesMoney() {
		ve.add("min", "matrix.err.band_no_amount", nil)
	}
	if r.Min != nil && r.Max != nil && r.Min.Cmp(*r.Max) >= 0 {
		ve.add("max", "matrix.err.band_order", nil)
	}
	if err := s.validLevels(ctx, s.db, in.Levels, ve); err != nil {
		return nil, err
	}
	r.Levels = in.Levels
	return r, ve.orNil()
}

// validLevels checks a rule's levels: one to MaxLevels, each of one to MaxLevelCount
// approvers, from any approver or from a group that exists and has that many members.
func (s *Service) validLevels(ctx context.Context, db *store.DB, levels []Level, ve *ValidationError) error {
	if len(levels) == 0 || len(levels) > MaxLevels {
		ve.add("levels", "matrix.err.levels_count", map[string]any{"max": MaxLevels})
		return nil
	}
	groups, err := db.ApproverGroups(ctx)
	if err != nil {
		return err
	}
	size := map[int64]int{}
	for _, g := range groups {
		size[g.ID] = len(g.Members)
	}
	for _, l := range levels {
		n, ok := size[l.GroupID]
		switch {
		case l.Count < 1 || l.Count > MaxLevelCount:
			ve.add("levels", "matrix.err.level_count", map[string]any{"max": MaxLevelCount})
		case l.GroupID != 0 && !ok:
			ve.add("levels", "matrix.err.group_unknown", nil)
		case l.GroupID != 0 && l.Count > n:
			ve.add("levels", "matrix.err.group_too_small", map[string]any{"count": l.Count, "members": n})
		}
	}
	return nil
}
