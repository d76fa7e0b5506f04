package approval

import (
	"context"
	"errors"
	"slices"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/store"
)

// Who may approve what, now: the one rule that Approve, Reject, their batch versions, the
// inbox, its count, the notifications and the "who can approve" lists all apply. It is
// split in two so that a list checks many operations against one person without reading
// that person's groups again for each: approverFactsOf reads what is known of the person,
// decide applies the rule to one operation or batch. Delegation extends both (whom a
// person may act for, and deciding on their behalf); nothing else decides eligibility.

// Reasons an approver is not eligible (eligibility.Reason).
const (
	ReasonSelf       = "self_approval"   // their own request: never, whatever their groups
	ReasonRole       = "no_role"         // no role grants approving
	ReasonScope      = "out_of_scope"    // outside their organisation scope
	ReasonDecided    = "already_decided" // they decided on it already
	ReasonComplete   = "complete"        // every level has its approvals
	ReasonNotInGroup = "not_in_group"    // not in the group of any open level
	ReasonGroupScope = "group_scope"     // in the group, but its units do not cover the operation
	ReasonLaterLevel = "later_level"     // eligible for a level still waiting for an earlier one
	// ReasonDelegator: they hold the requester's delegation, so deciding would be the
	// requester's own approval (delegation.go); refused on click as a self-approval.
	ReasonDelegator = "delegators_request"
)

// approverFacts is what decides about one person: who they are and the groups they are a
// member of, with each group's units (empty: every unit).
type approverFacts struct {
	actor  Actor
	groups map[int64][]string
}

// approverFactsOf reads a's groups.
func (s *Service) approverFactsOf(ctx context.Context, db *store.DB, a Actor) (approverFacts, error) {
	f := approverFacts{actor: a, groups: map[int64][]string{}}
	if a.UserID == 0 {
		return f, nil
	}
	gs, err := db.ApproverGroupsOf(ctx, a.UserID)
	if err != nil {
		return f, err
	}
	for _, g := range gs {
		f.groups[g.ID] = g.Units
	}
	return f, nil
}

// approvalTarget is what is decided on: an operation, or a batch with the organisation
// paths of all its rows, its route, the snapshot approvals sign and the decisions so far.
type approvalTarget struct {
	requestedBy int64
	orgPaths    [][]string
	route       Route
	snapshot    string
	decisions   []store.ApprovalRow
}

func opTarget(o *store.Operation, decisions []store.ApprovalRow) approvalTarget {
	return approvalTarget{requestedBy: o.RequestedBy, orgPaths: [][]string{splitPath(o.OrgPath)}, route: opRoute(o),
		snapshot: o.SnapshotHash, decisions: decisions}
}

func batchTarget(b *store.OperationBatch, paths []string, decisions []store.ApprovalRow) approvalTarget {
	t := approvalTarget{requestedBy: b.RequestedBy, route: batchRoute(b), snapshot: b.SnapshotHash, decisions: decisions}
	for _, p := range paths {
		t.orgPaths = append(t.orgPaths, splitPath(p))
	}
	return t
}

// approvedAt counts the distinct approvers of each level (index 0 = level 1) whose
// approval signed the target's snapshot.
func (t approvalTarget) approvedAt() []int {
	n := make([]int, len(t.route.Levels))
	seen := map[[2]int64]bool{}
	for _, d := range t.decisions {
		lv := max(d.Level, 1)
		key := [2]int64{int64(lv), d.UserID}
		if d.Decision != DecisionApprove || d.SnapshotHash != t.snapshot || lv > len(n) || seen[key] {
			continue
		}
		seen[key] = true
		n[lv-1]++
	}
	return n
}

// openLevels are the levels (1-based) that still wait for approvals and may take them
// now: every incomplete level, or only the first of them when the levels go in order.
// later are the incomplete levels that must wait for an earlier one.
func (t approvalTarget) openLevels() (open, later []int) {
	n := t.approvedAt()
	for i, l := range t.route.Levels {
		if n[i] >= l.Count {
			continue
		}
		if t.route.Sequential && len(open) > 0 {
			later = append(later, i+1)
			continue
		}
		open = append(open, i+1)
	}
	return open, later
}

// complete reports whether every level has its approvals.
func (t approvalTarget) complete() bool {
	open, _ := t.openLevels()
	return len(open) == 0
}

// eligibility is the answer for one person and target: the level their approval would
// count for, or why they may not approve.
type eligibility struct {
	Level  int
	OK     bool
	Reason string
}

// err is the refusal an approval or rejection gets for a reason.
func (e eligibility) err() error {
	switch e.Reason {
	case "":
		return nil
	case ReasonSelf:
		return ErrSelfApproval
	case ReasonRole:
		return ErrForbidden
	case ReasonScope:
		return ErrOutOfScope
	case ReasonDecided:
		return ErrAlreadyDecided
	case ReasonComplete:
		return ErrWrongState
	case ReasonLaterLevel:
		return ErrLevelNotReached
	}
	return ErrNotEligible
}

// basics are the rules that hold whatever the levels: never one's own request (this comes
// first and nothing, no group, overrides it), a role that approves, the organisation
// scope (of every row of a batch: an approver scoped to one unit approves no money for
// another's accounts by way of a batch), no earlier decision.
func (f approverFacts) basics(t approvalTarget) string {
	a := f.actor
	if a.UserID == 0 || a.UserID == t.requestedBy {
		return ReasonSelf
	}
	sub := a.Subject()
	if !authz.Allowed(sub, authz.ApproveOperation, authz.Target{OwnerID: t.requestedBy}) {
		return ReasonRole
	}
	for _, p := range t.orgPaths {
		if !authz.Allowed(sub, authz.ApproveOperation, authz.Target{OrgPath: p, OwnerID: t.requestedBy}) {
			return ReasonScope
		}
	}
	for _, d := range t.decisions {
		if d.UserID == a.UserID {
			return ReasonDecided
		}
	}
	return ""
}

// groupAllows reports whether level (1-based) accepts f's approval: any approver, or a
// member of its group whose units cover every organisation path of the target (an
// operation outside every unit is not covered by a group limited to units). member tells
// a member refused by the group's units apart from someone outside it.
func (f approverFacts) groupAllows(t approvalTarget, level int) (ok, member bool) {
	gid := t.route.Levels[level-1].GroupID
	if gid == 0 {
		return true, true
	}
	units, in := f.groups[gid]
	if !in {
		return false, false
	}
	if len(units) == 0 {
		return true, true
	}
	for _, p := range t.orgPaths {
		covered := false
		for _, u := range units {
			covered = covered || slices.Contains(p, u)
		}
		if !covered {
			return false, true
		}
	}
	return true, true
}

// decide is whether f may approve t now, and at which level: the lowest open level of a
// group that accepts them, else the lowest open level of any approver. Preferring the
// group's level keeps a member of a scarce group from using up a level anyone could have
// given, in a route whose levels go in any order.
func (f approverFacts) decide(t approvalTarget) eligibility {
	if r := f.basics(t); r != "" {
		return eligibility{Reason: r}
	}
	open, later := t.openLevels()
	if len(open) == 0 {
		return eligibility{Reason: ReasonComplete}
	}
	why, anyLevel := ReasonNotInGroup, 0
	for _, lv := range open {
		ok, member := f.groupAllows(t, lv)
		switch {
		case ok && t.route.Levels[lv-1].GroupID != 0:
			return eligibility{Level: lv, OK: true}
		case ok && anyLevel == 0:
			anyLevel = lv
		case !ok && member:
			why = ReasonGroupScope
		}
	}
	if anyLevel != 0 {
		return eligibility{Level: anyLevel, OK: true}
	}
	for _, lv := range later {
		if ok, _ := f.groupAllows(t, lv); ok {
			return eligibility{Reason: ReasonLaterLevel}
		}
	}
	return eligibility{Reason: why}
}

// eligibleApprover is decide for one person read now: what every decision asks first,
// and again under its lock.
func (s *Service) eligibleApprover(ctx context.Context, db *store.DB, a Actor, t approvalTarget) (eligibility, error) {
	f, err := s.approverFactsOf(ctx, db, a)
	if err != nil {
		return eligibility{}, err
	}
	return f.decide(t), nil
}

// Errors of the matrix's eligibility.
var (
	ErrNotEligible     = errors.New("approval: the approval rule needs approvers from groups this user is not in (for this unit)")
	ErrLevelNotReached = errors.New("approval: this user approves at a later level, which waits for the earlier one")
)

// candidate is one person the lists consider: their facts as an approver.
type candidate struct {
	user  store.User
	facts approverFacts
}

// candidates are every enabled user with their groups, read at once.
func (s *Service) candidates(ctx context.Context, db *store.DB) ([]candidate, error) {
	users, err := db.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	groups, err := db.ApproverGroups(ctx)
	if err != nil {
		return nil, err
	}
	of := map[int64]map[int64][]string{}
	for _, g := range groups {
		for _, m := range g.Members {
			if of[m] == nil {
				of[m] = map[int64][]string{}
			}
			of[m][g.ID] = g.Units
		}
	}
	var out []candidate
	for _, u := range users {
		if u.Disabled {
			continue
		}
		a := Actor{UserID: u.ID, Username: u.Username, Scopes: u.Scopes}
		for _, r := range u.Roles {
			a.Roles = append(a.Roles, authz.Role(r))
		}
		g := of[u.ID]
		if g == nil {
			g = map[int64][]string{}
		}
		out = append(out, candidate{user: u, facts: approverFacts{actor: a, groups: g}})
	}
	return out, nil
}

// candidatesFor are the candidates for t: everyone but the delegates of its requester,
// whose decision on it would be the requester's own (checkDelegatorsRequest refuses it).
func (s *Service) candidatesFor(ctx context.Context, db *store.DB, t approvalTarget) ([]candidate, error) {
	cs, err := s.candidates(ctx, db)
	if err != nil || t.requestedBy == 0 {
		return cs, err
	}
	now := s.now()
	ds, err := db.Delegations(ctx, store.DelegationFilter{FromUserID: t.requestedBy, ActiveAt: &now})
	if err != nil || len(ds) == 0 {
		return cs, err
	}
	return slices.DeleteFunc(cs, func(c candidate) bool {
		return slices.ContainsFunc(ds, func(d store.Delegation) bool { return d.ToUserID == c.user.ID })
	}), nil
}

// approversNow lists the users who may approve t now (its notifications' recipients).
func (s *Service) approversNow(ctx context.Context, db *store.DB, t approvalTarget) ([]int64, error) {
	cs, err := s.candidatesFor(ctx, db, t)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, c := range cs {
		if c.facts.decide(t).OK {
			ids = append(ids, c.user.ID)
		}
	}
	return ids, nil
}

// approversAt lists, per level, the usernames of who may approve at it: now for an open
// level, once the earlier ones are complete for a later one; nobody for a complete level.
func (s *Service) approversAt(ctx context.Context, db *store.DB, t approvalTarget) ([][]string, error) {
	cs, err := s.candidatesFor(ctx, db, t)
	if err != nil {
		return nil, err
	}
	out := make([][]string, len(t.route.Levels))
	open, later := t.openLevels()
	waiting := append(slices.Clone(open), later...)
	for _, c := range cs {
		if c.facts.basics(t) != "" {
			continue
		}
		for _, lv := range waiting {
			if ok, _ := c.facts.groupAllows(t, lv); ok {
				out[lv-1] = append(out[lv-1], c.user.Username)
			}
		}
	}
	return out, nil
}

// approverNotes are note(id) for everyone who may approve t now: at its first level, and
// again at each later level of an ordered route once the earlier one is complete.
func (s *Service) approverNotes(ctx context.Context, db *store.DB, t approvalTarget, note func(userID int64) notify.Note) ([]notify.Note, error) {
	ids, err := s.approversNow(ctx, db, t)
	if err != nil {
		return nil, err
	}
	out := make([]notify.Note, 0, len(ids))
	for _, id := range ids {
		out = append(out, note(id))
	}
	return out, nil
}
