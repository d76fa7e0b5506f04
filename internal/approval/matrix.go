package approval

import (
	"encoding/json"
	"time"

	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/store"
)

// The approval matrix (issue 15): rules per kind × organisation unit × amount band that
// say how many approvals an operation needs, at which levels, from which approver
// groups, and whether the levels go in order.
//
// Design, as built:
//
//   - A rule names a kind, an organisation unit ("" = every unit; a unit's rule covers
//     the units below it) and an amount band [min, max) (either side open; a rule with a
//     band never matches an operation without an amount). Its levels each need Count
//     distinct approvers from a group (or from any approver); Sequential rules take the
//     levels in order (level 2 cannot approve before level 1 is complete), the others in
//     any order. One rule per kind, unit and band (the database refuses a second).
//   - Resolution (Resolve): among the kind's rules whose unit is on the operation's
//     organisation path and whose band holds its amount, the deepest unit wins; then the
//     narrowest band (a bounded band is narrower than an open one; two bounded ones by
//     width; two open-ended ones by the higher minimum); a remaining tie goes to the
//     stricter rule (more approvals), then the older one. No rule: the kind's approval
//     policy is the root rule (one level of one approval from any approver, two from
//     its threshold, none when it needs no approval), so without rules nothing changes.
//   - The rule that applied (id and version) and its levels are fixed onto the operation
//     when it is requested (its route): later matrix changes never move a pending
//     request. Group membership and scopes are read when someone approves.
//   - A batch is one decision: its route is the strictest of the rules resolved for each
//     organisation path among its rows at the batch's total (most approvals, then most
//     levels, then in order), and a group member approves it only if the group's units
//     cover every row.
//   - Eligibility (eligibility.go) is one function that the decisions, the inbox, the
//     notifications and the "who can approve" lists share. An approval counts for the
//     lowest open level of a group its approver is in (else the lowest open level of any
//     approver) and is recorded with that level; one person approves once, for one level.
//   - Changing the matrix needs a fresh second-factor code; a change that lowers the
//     approvals needed for any kind, unit and amount (found by evaluating the matrix
//     before and after at every known unit and every band edge) waits as a pending
//     change until another admin approves it, also with a fresh code. Groups change
//     behind the step-up the other identity changes use. Every change is audited with
//     before and after.

// Level is one level of an approval route: Count distinct approvers from GroupID (0: any
// approver). Count comes first so that the JSON ends each level with its group id, which
// the store's "does a route name this group" search relies on.
type Level struct {
	Count   int   `json:"count"`
	GroupID int64 `json:"group_id,omitempty"`
}

// Rule is one rule of the approval matrix.
type Rule struct {
	ID         int64
	Version    int
	Kind       Kind
	OrgUnitID  string        // "" = every unit
	Min, Max   *money.Amount // the band [Min, Max); nil = open on that side
	Levels     []Level
	Sequential bool
	UpdatedAt  time.Time
}

// Required is how many approvals the rule needs in all.
func (r Rule) Required() int { return required(r.Levels) }

// Route is the approval route fixed on an operation or batch when it was requested.
type Route struct {
	RuleID      int64 // 0: the kind's approval policy
	RuleVersion int
	Levels      []Level
	Sequential  bool
}

// Required is how many approvals the route needs in all.
func (r Route) Required() int { return required(r.Levels) }

func required(ls []Level) int {
	n := 0
	for _, l := range ls {
		n += l.Count
	}
	return n
}

func (r Rule) route() Route {
	return Route{RuleID: r.ID, RuleVersion: r.Version, Levels: r.Levels, Sequential: r.Sequential}
}

// levelsJSON is the stored form of levels ("" for none).
func levelsJSON(ls []Level) string {
	if len(ls) == 0 {
		return ""
	}
	b, _ := json.Marshal(ls)
	return string(b)
}

// routeOf reads a stored route; rows requested before the matrix have no levels and
// need required approvals from any approver, in one level.
func routeOf(ruleID *int64, version int, levels string, sequential bool, requiredApprovals int) Route {
	r := Route{RuleVersion: version, Sequential: sequential}
	if ruleID != nil {
		r.RuleID = *ruleID
	}
	if levels != "" && json.Unmarshal([]byte(levels), &r.Levels) == nil {
		return r
	}
	if requiredApprovals > 0 {
		r.Levels = []Level{{Count: requiredApprovals}}
	}
	return r
}

func opRoute(o *store.Operation) Route {
	return routeOf(o.ApprovalRuleID, o.ApprovalRuleVersion, o.ApprovalLevels, o.ApprovalSequential, o.RequiredApprovals)
}

func batchRoute(b *store.OperationBatch) Route {
	return routeOf(b.ApprovalRuleID, b.ApprovalRuleVersion, b.ApprovalLevels, b.ApprovalSequential, b.RequiredApprovals)
}

// fixRoute writes route onto an operation row about to be inserted.
func fixRoute(o *store.Operation, r Route) {
	o.RequiredApprovals, o.ApprovalLevels, o.ApprovalSequential, o.ApprovalRuleVersion = r.Required(), levelsJSON(r.Levels), r.Sequential, r.RuleVersion
	if r.RuleID != 0 {
		id := r.RuleID
		o.ApprovalRuleID = &id
	}
}

// fixBatchRoute writes route onto a batch row about to be inserted.
func fixBatchRoute(b *store.OperationBatch, r Route) {
	b.RequiredApprovals, b.ApprovalLevels, b.ApprovalSequential, b.ApprovalRuleVersion = r.Required(), levelsJSON(r.Levels), r.Sequential, r.RuleVersion
	if r.RuleID != 0 {
		id := r.RuleID
		b.ApprovalRuleID = &id
	}
}

// routeDetails is a route as the audit trail records it.
func routeDetails(r Route) map[string]any {
	d := map[string]any{"levels": r.Levels, "sequential": r.Sequential, "rule": "policy"}
	if r.RuleID != 0 {
		d["rule"] = map[string]any{"id": r.RuleID, "version": r.RuleVersion}
	}
	return d
}

func ruleFromRow(r store.ApprovalRule) Rule {
	out := Rule{ID: r.ID, Version: r.Version, Kind: Kind(r.Kind), OrgUnitID: r.OrgUnitID, Sequential: r.Sequential, UpdatedAt: r.UpdatedAt.UTC()}
	_ = json.Unmarshal([]byte(r.Levels), &out.Levels)
	out.Min, out.Max = amountOrNil(r.MinAmount), amountOrNil(r.MaxAmount)
	return out
}

func amountOrNil(s *string) *money.Amount {
	if s == nil {
		return nil
	}
	a, err := money.FromUpstream(*s, money.DefaultCurrency)
	if err != nil {
		return nil
	}
	return &a
}

func textOrNil(a *money.Amount) *string {
	if a == nil {
		return nil
	}
	s := a.String()
	return &s
}

// ruleDetails is a rule as the audit trail records it (nil: none, before a create or
// after a delete).
func ruleDetails(r *Rule) any {
	if r == nil {
		return nil
	}
	d := map[string]any{"id": r.ID, "version": r.Version, "kind": r.Kind, "org_unit_id": r.OrgUnitID,
		"levels": r.Levels, "sequential": r.Sequential, "required": r.Required()}
	if r.Min != nil {
		d["min_amount"] = r.Min.String()
	}
	if r.Max != nil {
		d["max_amount"] = r.Max.String()
	}
	return d
}
