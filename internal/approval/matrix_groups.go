package approval

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
)

// Approver groups: admins manage them behind a step-up, every change audited with
// before and after. A group in use (by a rule, or by the route of a pending request)
// cannot be deleted: its members are the only people who can approve there.

// Audit actions and targets of the matrix.
const (
	ActionGroupCreate = "approver_group.create"
	ActionGroupUpdate = "approver_group.update"
	ActionGroupDelete = "approver_group.delete"
	ActionRuleCreate  = "approval_rule.create"
	ActionRuleUpdate  = "approval_rule.update"
	ActionRuleDelete  = "approval_rule.delete"
	// ActionRulePropose holds a change that lowers the approvals needed for a second
	// admin; ActionRuleReject ends it unapplied (rejected by another admin, withdrawn by
	// its author). An approved one is recorded as the create, update or delete it applies.
	ActionRulePropose = "approval_rule.propose"
	ActionRuleReject  = "approval_rule.reject"

	TargetGroup      = "approver_group"
	TargetRule       = "approval_rule"
	TargetRuleChange = "approval_rule_change"
)

// StepUpProof proves that the actor just passed a second-factor check (auth.StepUp: a
// code now or within the step-up window).
type StepUpProof interface {
	Require(m audit.Meta) error
}

// Group is an approver group as the admin pages show it.
type Group struct {
	ID          int64
	Name        string
	Description string
	Version     int
	Units       []string // organisation units it approves for; empty: every unit
	Members     []GroupMember
	UpdatedAt   time.Time
}

// GroupMember is one member; Approver tells whether their roles let them approve at all.
type GroupMember struct {
	ID       int64
	Username string
	Approver bool
	Disabled bool
}

// GroupInput is a group as an admin submits it: ID 0 creates one; otherwise Version is
// the version the form showed.
type GroupInput struct {
	ID          int64
	Version     int
	Name        string
	Description string
	Units       []string
	Members     []int64
}

// ErrStale: the group, rule or change was changed by someone else since the form showed
// it.
var ErrStale = errors.New("approval: changed by someone else since it was read")

func (s *Service) requireMatrixAdmin(a Actor) error {
	if !authz.Allowed(a.Subject(), authz.ManagePolicy, authz.Target{}) {
		return ErrForbidden
	}
	return nil
}

// ApproverGroups lists the groups by name (admins only).
func (s *Service) ApproverGroups(ctx context.Context, a Actor) ([]Group, error) {
	if err := s.requireMatrixAdmin(a); err != nil {
		return nil, err
	}
	rows, err := s.db.ApproverGroups(ctx)
	if err != nil {
		return nil, err
	}
	users, err := s.usersByID(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Group, len(rows))
	for i, g := range rows {
		out[i] = groupFromRow(g, users)
	}
	return out, nil
}

// ApproverGroup reads one group (admins only).
func (s *Service) ApproverGroup(ctx context.Context, a Actor, id int64) (*Group, error) {
	if err := s.requireMatrixAdmin(a); err != nil {
		return nil, err
	}
	g, err := s.db.ApproverGroupByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	users, err := s.usersByID(ctx)
	if err != nil {
		return nil, err
	}
	out := groupFromRow(*g, users)
	return &out, nil
}

func (s *Service) usersByID(ctx context.Context) (map[int64]store.User, error) {
	us, err := s.db.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]store.User, len(us))
	for _, u := range us {
		out[u.ID] = u
	}
	return out, nil
}

func groupFromRow(g store.ApproverGroup, users map[int64]store.User) Group {
	out := Group{ID: g.ID, Name: g.Name, Description: g.Description, Version: g.Version, Units: g.Units, UpdatedAt: g.UpdatedAt.UTC()}
	for _, id := range g.Members {
		u := users[id]
		out.Members = append(out.Members, GroupMember{ID: id, Username: u.Username, Disabled: u.Disabled,
			Approver: slices.Contains(u.Roles, string(authz.Approver))})
	}
	return out
}

// groupDetails is a group as the audit trail records it.
func groupDetails(g *store.ApproverGroup) any {
	if g == nil {
		return nil
	}
	return map[string]any{"name": g.Name, "description": g.Description, "units": g.Units, "members": g.Members, "version": g.Version}
}

// SaveApproverGroup creates (in.ID 0) or replaces an approver group, behind up (admins
// only). Problems are a *ValidationError ("name", "members", "units"); a group changed
// since in.Version is ErrStale.
func (s *Service) SaveApproverGroup(ctx context.Context, a Actor, up StepUpProof, in GroupInput) (*Group, error) {
	if err := s.requireMatrixAdmin(a); err != nil {
		return nil, err
	}
	var before *store.ApproverGroup
	if in.ID != 0 {
		g, err := s.db.ApproverGroupByID(ctx, in.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, ErrNotFound
		}
		if err != nil {
			return nil, err
		}
		if g.Version != in.Version {
			return nil, ErrStale
		}
		before = g
	}
	row, err := s.validGroup(ctx, in)
	if err != nil {
		return nil, err
	}
	if up == nil || up.Require(a.meta()) != nil {
		return nil, ErrStepUp
	}
	now := s.now()
	uid := a.UserID
	row.UpdatedBy, row.UpdatedAt = &uid, now
	err = s.db.InTx(ctx, func(tx *store.DB) error {
		action := ActionGroupCreate
		if before == nil {
			row.CreatedBy, row.CreatedAt = &uid, now
			if err := tx.InsertApproverGroup(ctx, row); err != nil {
				return nameTaken(err)
			}
		} else {
			action = ActionGroupUpdate
			ok, err := tx.UpdateApproverGroup(ctx, row, in.Version)
			if err != nil {
				return nameTaken(err)
			}
			if !ok {
				return ErrStale
			}
		}
		return audit.Record(ctx, tx, a.meta(), audit.Entry{Action: action, TargetType: TargetGroup, TargetID: strconv.FormatInt(row.ID, 10),
			Outcome: audit.Success, Details: map[string]any{"before": groupDetails(before), "after": groupDetails(row)}})
	})
	if err != nil {
		return nil, err
	}
	return s.ApproverGroup(ctx, a, row.ID)
}

func nameTaken(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return &ValidationError{Fields: map[string]string{"name": "matrix.err.name_taken"}}
	}
	return err
}

// validGroup checks in and returns the row to write.
func (s *Service) validGroup(ctx context.Context, in GroupInput) (*store.ApproverGroup, error) {
	ve := &ValidationError{}
	name := strings.TrimSpace(in.Name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		ve.add("name", "matrix.err.name_required", nil)
	case n > 80:
		ve.add("name", "matrix.err.name_long", nil)
	}
	row := &store.ApproverGroup{ID: in.ID, Name: name, Description: strings.TrimSpace(in.Description), Units: []string{}, Members: []int64{}}
	if utf8.RuneCountInString(row.Description) > 500 {
		ve.add("description", "matrix.err.description_long", nil)
	}
	users, err := s.usersByID(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range in.Members {
		if _, ok := users[m]; !ok {
			ve.add("members", "matrix.err.member_unknown", nil)
		} else if !slices.Contains(row.Members, m) {
			row.Members = append(row.Members, m)
		}
	}
	known, err := s.knownUnits(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range in.Units {
		if !known[u] {
			ve.add("units", "matrix.err.unit_unknown", nil)
		} else if !slices.Contains(row.Units, u) {
			row.Units = append(row.Units, u)
		}
	}
	slices.Sort(row.Members)
	slices.Sort(row.Units)
	return row, ve.orNil()
}

// knownUnits are the organisation units of the synced tree.
func (s *Service) knownUnits(ctx context.Context) (map[string]bool, error) {
	orgs, err := s.db.Organizations(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(orgs))
	for _, o := range orgs {
		out[o.ID] = true
	}
	return out, nil
}

// DeleteApproverGroup deletes group id at version, behind up (admins only). A group that
// a rule names, or the route of a pending request, stays (a *ValidationError on "_").
func (s *Service) DeleteApproverGroup(ctx context.Context, a Actor, up StepUpProof, id int64, version int) error {
	if err := s.requireMatrixAdmin(a); err != nil {
		return err
	}
	g, err := s.db.ApproverGroupByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	if g.Version != version {
		return ErrStale
	}
	if err := groupInUse(ctx, s.db, id); err != nil {
		return err
	}
	if up == nil || up.Require(a.meta()) != nil {
		return ErrStepUp
	}
	return s.db.InTx(ctx, func(tx *store.DB) error {
		if err := groupInUse(ctx, tx, id); err != nil {
			return err
		}
		ok, err := tx.DeleteApproverGroup(ctx, id, version)
		if err != nil {
			return err
		}
		if !ok {
			return ErrStale
		}
		return audit.Record(ctx, tx, a.meta(), audit.Entry{Action: ActionGroupDelete, TargetType: TargetGroup, TargetID: strconv.FormatInt(id, 10),
			Outcome: audit.Success, Details: map[string]any{"before": groupDetails(g), "after": nil}})
	})
}

// groupInUse refuses the deletion of a group that a rule or a pending route names.
func groupInUse(ctx context.Context, db *store.DB, id int64) error {
	rules, err := db.RulesNaming(ctx, id)
	if err != nil {
		return err
	}
	pending, err := db.PendingRoutesNaming(ctx, id)
	if err != nil {
		return err
	}
	if rules > 0 || pending > 0 {
		return &ValidationError{Fields: map[string]string{"_": "matrix.err.group_in_use"},
			Params: map[string]map[string]any{"_": {"rules": rules, "pending": pending}}}
	}
	return nil
}
