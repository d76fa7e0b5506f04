package store

import (
	"context"
	"time"
)

// Approval rules (issue 15): per kind × organisation unit × amount band, the levels of
// approval an operation needs. Every change is a conditional update on the rule's
// version. Changes that lower the approvals needed wait as approval_rule_changes rows
// until a second admin decides them (DecideRuleChange, conditional on pending).

// ApprovalRule is one row of approval_rules. OrgUnitID "" is every unit; MinAmount and
// MaxAmount (two-decimal strings, nil: unbounded) are the band [min, max); Levels is the
// JSON the use case writes.
type ApprovalRule struct {
	ID         int64 `gorm:"primaryKey"`
	Kind       string
	OrgUnitID  string
	MinAmount  *string
	MaxAmount  *string
	Levels     string
	Sequential bool
	Version    int
	CreatedBy  *int64
	CreatedAt  time.Time
	UpdatedBy  *int64
	UpdatedAt  time.Time
}

// TableName is gorm's table.
func (ApprovalRule) TableName() string { return "approval_rules" }

// ApprovalRules lists the rules of kind ("" = every kind), by kind and id.
func (db *DB) ApprovalRules(ctx context.Context, kind string) ([]ApprovalRule, error) {
	q := db.gorm.WithContext(ctx).Order("kind").Order("id")
	if kind != "" {
		q = q.Where("kind = ?", kind)
	}
	var out []ApprovalRule
	return out, translate("approval rules", q.Find(&out).Error)
}

// ApprovalRuleByID reads one rule.
func (db *DB) ApprovalRuleByID(ctx context.Context, id int64) (*ApprovalRule, error) {
	var r ApprovalRule
	if err := db.gorm.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, translate("approval rule", err)
	}
	return &r, nil
}

// InsertApprovalRule inserts r at version 1 and sets its ID; a rule on the same kind,
// unit and band is ErrConflict.
func (db *DB) InsertApprovalRule(ctx context.Context, r *ApprovalRule) error {
	r.CreatedAt, r.UpdatedAt, r.Version = utc(r.CreatedAt), utc(r.UpdatedAt), 1
	return translate("insert approval rule", db.gorm.WithContext(ctx).Create(r).Error)
}

// UpdateApprovalRule replaces rule r.ID with r if its version is still base and moves
// the version on; false when someone changed or deleted it first. ErrConflict when the
// new cell is another rule's.
func (db *DB) UpdateApprovalRule(ctx context.Context, r *ApprovalRule, base int) (bool, error) {
	r.UpdatedAt = utc(r.UpdatedAt)
	res := db.gorm.WithContext(ctx).Model(&ApprovalRule{}).Where("id = ? AND version = ?", r.ID, base).Updates(map[string]any{
		"kind": r.Kind, "org_unit_id": r.OrgUnitID, "min_amount": r.MinAmount, "max_amount": r.MaxAmount, "levels": r.Levels,
		"sequential": r.Sequential, "updated_by": r.UpdatedBy, "updated_at": r.UpdatedAt, "version": base + 1})
	if err := translate("update approval rule", res.Error); err != nil || res.RowsAffected == 0 {
		return false, err
	}
	r.Version = base + 1
	return true, nil
}

// DeleteApprovalRule deletes rule id if its version is still base; false otherwise.
func (db *DB) DeleteApprovalRule(ctx context.Context, id int64, base int) (bool, error) {
	res := db.gorm.WithContext(ctx).Where("id = ? AND version = ?", id, base).Delete(&ApprovalRule{})
	return res.RowsAffected == 1, translate("delete approval rule", res.Error)
}

// RulesNaming counts the rules whose levels name group id.
func (db *DB) RulesNaming(ctx context.Context, groupID int64) (int64, error) {
	var n int64
	err := db.gorm.WithContext(ctx).Model(&ApprovalRule{}).Where("levels LIKE ?", levelsNaming(groupID)).Count(&n).Error
	return n, translate("rules naming a group", err)
}

// The states of a rule change.
const (
	RuleChangePending   = "pending"
	RuleChangeApplied   = "applied"
	RuleChangeRejected  = "rejected"
	RuleChangeWithdrawn = "withdrawn"
)

// ApprovalRuleChange is one row of approval_rule_changes: a change of the matrix that
// lowers the approvals needed, held for a second admin. Before and After are the rule as
// JSON ("" for a create's before and a delete's after).
type ApprovalRuleChange struct {
	ID             int64 `gorm:"primaryKey"`
	Action         string
	RuleID         *int64
	BaseVersion    int
	Before         string
	After          string
	Lowered        string
	State          string
	ProposedBy     int64
	ProposedByName string
	ProposedAt     time.Time
	DecidedBy      *int64
	DecidedByName  string
	DecidedAt      *time.Time
	Comment        string
}

// TableName is gorm's table.
func (ApprovalRuleChange) TableName() string { return "approval_rule_changes" }

// InsertRuleChange inserts a pending change and sets its ID.
func (db *DB) InsertRuleChange(ctx context.Context, c *ApprovalRuleChange) error {
	c.ProposedAt, c.State = utc(c.ProposedAt), RuleChangePending
	return translate("insert rule change", db.gorm.WithContext(ctx).Create(c).Error)
}

// RuleChanges lists the changes in one of states (none: every state), newest first.
func (db *DB) RuleChanges(ctx context.Context, states []string, limit int) ([]ApprovalRuleChange, error) {
	q := db.gorm.WithContext(ctx).Order("id DESC").Limit(clampLimit(limit, defaultListLimit))
	if len(states) > 0 {
		q = q.Where("state IN ?", states)
	}
	var out []ApprovalRuleChange
	return out, translate("rule changes", q.Find(&out).Error)
}

// RuleChangeByID reads one change.
func (db *DB) RuleChangeByID(ctx context.Context, id int64) (*ApprovalRuleChange, error) {
	var c ApprovalRuleChange
	if err := db.gorm.WithContext(ctx).Where("id = ?", id).Take(&c).Error; err != nil {
		return nil, translate("rule change", err)
	}
	return &c, nil
}

// DecideRuleChange ends pending change id in state (applied, rejected, withdrawn) by
// userID, with ruleID (the rule an applied create made; nil keeps it); false when it is no
// longer pending, so two admins cannot both decide it.
func (db *DB) DecideRuleChange(ctx context.Context, id int64, state string, userID int64, username, comment string, ruleID *int64, at time.Time) (bool, error) {
	set := map[string]any{"state": state, "decided_by": userID, "decided_by_name": username, "decided_at": utc(at), "comment": comment}
	if ruleID != nil {
		set["rule_id"] = *ruleID
	}
	res := db.gorm.WithContext(ctx).Model(&ApprovalRuleChange{}).Where("id = ? AND state = ?", id, RuleChangePending).Updates(set)
	return res.RowsAffected == 1, translate("decide rule change", res.Error)
}
