package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// ApprovalPolicy is one kind's approval rule.
type ApprovalPolicy struct {
	Kind              string `gorm:"primaryKey"`
	NeedsApproval     bool
	TwoApproversAbove *string
	ExpirySeconds     int64
	UpdatedAt         time.Time
}

// TableName is gorm's table.
func (ApprovalPolicy) TableName() string { return "approval_policies" }

// Policies lists the approval policies by kind.
func (db *DB) Policies(ctx context.Context) ([]ApprovalPolicy, error) {
	var out []ApprovalPolicy
	err := db.gorm.WithContext(ctx).Order("kind").Find(&out).Error
	return out, translate("policies", err)
}

// PolicyByKind reads one kind's policy.
func (db *DB) PolicyByKind(ctx context.Context, kind string) (*ApprovalPolicy, error) {
	var p ApprovalPolicy
	if err := db.gorm.WithContext(ctx).Where("kind = ?", kind).Take(&p).Error; err != nil {
		return nil, translate("policy", err)
	}
	return &p, nil
}

// SavePolicy writes one kind's policy.
func (db *DB) SavePolicy(ctx context.Context, p *ApprovalPolicy) error {
	p.UpdatedAt = utc(p.UpdatedAt)
	err := db.gorm.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "kind"}},
		DoUpdates: clause.AssignmentColumns([]string{"needs_approval", "two_approvers_above", "expiry_seconds", "updated_at"}),
	}).Create(p).Error
	return translate("save policy", err)
}
