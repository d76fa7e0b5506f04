package store

import (
	"context"
	"time"
)

// Delegations of approvals (migration 00071): who lets whom approve on their behalf, and
// when. The rule is the approval use case's; the store keeps the rows, and the claims
// that make the audit of a start and of an end happen once (ClaimDelegationStart/End).

// Delegation is one row of delegations, with the names of the people it names.
type Delegation struct {
	ID             int64 `gorm:"primaryKey"`
	FromUserID     int64
	ToUserID       int64
	StartsAt       time.Time
	EndsAt         time.Time
	Reason         string
	CreatedBy      int64
	CreatedAt      time.Time
	RevokedAt      *time.Time
	RevokedBy      *int64
	StartAuditedAt *time.Time
	EndAuditedAt   *time.Time
	// Read with the row (the users' names), never written.
	FromName    string `gorm:"->;-:migration"`
	ToName      string `gorm:"->;-:migration"`
	CreatedName string `gorm:"->;-:migration"`
}

// TableName is gorm's table.
func (Delegation) TableName() string { return "delegations" }

// InsertDelegation inserts d and sets its ID.
func (db *DB) InsertDelegation(ctx context.Context, d *Delegation) error {
	d.StartsAt, d.EndsAt, d.CreatedAt = utc(d.StartsAt), utc(d.EndsAt), utc(d.CreatedAt)
	return translate("insert delegation", db.gorm.WithContext(ctx).
		Select("from_user_id", "to_user_id", "starts_at", "ends_at", "reason", "created_by", "created_at").Create(d).Error)
}

// DelegationFilter selects delegations for Delegations, newest first. Zero fields select
// all; Involving: those from or to this user; ActiveAt: those running at that time (begun,
// not ended, not revoked); EndedBy: those not revoked whose end is at or before it and
// not yet audited; StartedBy: those not revoked whose start is at or before it and not
// yet audited.
type DelegationFilter struct {
	ID         int64
	Involving  int64
	ToUserID   int64
	FromUserID int64
	ActiveAt   *time.Time
	EndedBy    *time.Time
	StartedBy  *time.Time
	Limit      int
}

// Delegations lists the delegations f selects, newest first, with the names.
func (db *DB) Delegations(ctx context.Context, f DelegationFilter) ([]Delegation, error) {
	g := db.gorm.WithContext(ctx).Table("delegations d").
		Select("d.*, fu.username AS from_name, tu.username AS to_name, cu.username AS created_name").
		Joins("JOIN users fu ON fu.id = d.from_user_id").Joins("JOIN users tu ON tu.id = d.to_user_id").
		Joins("JOIN users cu ON cu.id = d.created_by")
	if f.ID != 0 {
		g = g.Where("d.id = ?", f.ID)
	}
	if f.Involving != 0 {
		g = g.Where("(d.from_user_id = ? OR d.to_user_id = ?)", f.Involving, f.Involving)
	}
	if f.ToUserID != 0 {
		g = g.Where("d.to_user_id = ?", f.ToUserID)
	}
	if f.FromUserID != 0 {
		g = g.Where("d.from_user_id = ?", f.FromUserID)
	}
	if f.ActiveAt != nil {
		at := utc(*f.ActiveAt)
		g = g.Where("d.revoked_at IS NULL AND d.starts_at <= ? AND d.ends_at > ?", at, at)
	}
	if f.EndedBy != nil {
		g = g.Where("d.revoked_at IS NULL AND d.end_audited_at IS NULL AND d.ends_at <= ?", utc(*f.EndedBy))
	}
	if f.StartedBy != nil {
		g = g.Where("d.revoked_at IS NULL AND d.start_audited_at IS NULL AND d.starts_at <= ?", utc(*f.StartedBy))
	}
	var out []Delegation
	err := g.Order("d.starts_at DESC, d.id DESC").Limit(clampLimit(f.Limit, 500)).Scan(&out).Error
	return out, translate("delegations", err)
}

// DelegationByID reads one delegation with the names.
func (db *DB) DelegationByID(ctx context.Context, id int64) (*Delegation, error) {
	ds, err := db.Delegations(ctx, DelegationFilter{ID: id, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, translate("delegation by id", ErrNotFound)
	}
	return &ds[0], nil
}

// RevokeDelegation ends a delegation that has not ended yet (conditional: false when it
// was revoked or had ended already), and marks its end audited: the revocation's own
// event is its end.
func (db *DB) RevokeDelegation(ctx context.Context, id, by int64, at time.Time) (bool, error) {
	res := db.gorm.WithContext(ctx).Model(&Delegation{}).
		Where("id = ? AND revoked_at IS NULL AND ends_at > ? AND end_audited_at IS NULL", id, utc(at)).
		Updates(map[string]any{"revoked_at": utc(at), "revoked_by": by, "end_audited_at": utc(at)})
	return res.RowsAffected == 1, translate("revoke delegation", res.Error)
}

// ClaimDelegationStart marks a delegation's start audited, once: true for the one caller
// that gets to write the event (in the same transaction).
func (db *DB) ClaimDelegationStart(ctx context.Context, id int64, at time.Time) (bool, error) {
	res := db.gorm.WithContext(ctx).Model(&Delegation{}).
		Where("id = ? AND start_audited_at IS NULL AND revoked_at IS NULL", id).Update("start_audited_at", utc(at))
	return res.RowsAffected == 1, translate("claim delegation start", res.Error)
}

// ClaimDelegationEnd marks a delegation's end audited, once (see ClaimDelegationStart).
func (db *DB) ClaimDelegationEnd(ctx context.Context, id int64, at time.Time) (bool, error) {
	res := db.gorm.WithContext(ctx).Model(&Delegation{}).
		Where("id = ? AND end_audited_at IS NULL AND revoked_at IS NULL AND ends_at <= ?", id, utc(at)).Update("end_audited_at", utc(at))
	return res.RowsAffected == 1, translate("claim delegation end", res.Error)
}
