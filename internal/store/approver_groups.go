package store

import (
	"context"
	"time"
)

// Approver groups (issue 15): named sets of users that approval rules name, each
// optionally limited to organisation units. Members and units are replaced as a whole
// with the group's row, under its version (a conditional update), so two admins editing
// one group cannot both win.

// ApproverGroup is one row of approver_groups with its units and members.
type ApproverGroup struct {
	ID          int64 `gorm:"primaryKey"`
	Name        string
	Description string
	Version     int
	CreatedBy   *int64
	CreatedAt   time.Time
	UpdatedBy   *int64
	UpdatedAt   time.Time
	// Units are the organisation units the group approves for (empty: every unit);
	// Members its users' ids. Both sorted.
	Units   []string `gorm:"-"`
	Members []int64  `gorm:"-"`
}

// TableName is gorm's table.
func (ApproverGroup) TableName() string { return "approver_groups" }

type approverGroupUnit struct {
	GroupID   int64
	OrgUnitID string
}

func (approverGroupUnit) TableName() string { return "approver_group_units" }

type approverGroupMember struct {
	GroupID int64
	UserID  int64
}

func (approverGroupMember) TableName() string { return "approver_group_members" }

// ApproverGroups lists every group by name, with units and members.
func (db *DB) ApproverGroups(ctx context.Context) ([]ApproverGroup, error) {
	var out []ApproverGroup
	if err := db.gorm.WithContext(ctx).Order("name").Order("id").Find(&out).Error; err != nil {
		return nil, translate("approver groups", err)
	}
	return db.withUnitsMembers(ctx, out)
}

// ApproverGroupsOf lists the groups userID is a member of, with units and members.
func (db *DB) ApproverGroupsOf(ctx context.Context, userID int64) ([]ApproverGroup, error) {
	var out []ApproverGroup
	err := db.gorm.WithContext(ctx).Where("id IN (SELECT group_id FROM approver_group_members WHERE user_id = ?)", userID).
		Order("id").Find(&out).Error
	if err != nil {
		return nil, translate("approver groups of a user", err)
	}
	return db.withUnitsMembers(ctx, out)
}

// ApproverGroupByID reads one group with units and members.
func (db *DB) ApproverGroupByID(ctx context.Context, id int64) (*ApproverGroup, error) {
	var g ApproverGroup
	if err := db.gorm.WithContext(ctx).Where("id = ?", id).Take(&g).Error; err != nil {
		return nil, translate("approver group", err)
	}
	gs, err := db.withUnitsMembers(ctx, []ApproverGroup{g})
	if err != nil {
		return nil, err
	}
	return &gs[0], nil
}

func (db *DB) withUnitsMembers(ctx context.Context, gs []ApproverGroup) ([]ApproverGroup, error) {
	if len(gs) == 0 {
		return gs, nil
	}
	ids := make([]int64, len(gs))
	at := make(map[int64]int, len(gs))
	for i, g := range gs {
		ids[i], at[g.ID] = g.ID, i
		gs[i].Units, gs[i].Members = []string{}, []int64{}
	}
	var units []approverGroupUnit
	if err := db.gorm.WithContext(ctx).Where("group_id IN ?", ids).Order("org_unit_id").Find(&units).Error; err != nil {
		return nil, translate("approver group units", err)
	}
	for _, u := range units {
		gs[at[u.GroupID]].Units = append(gs[at[u.GroupID]].Units, u.OrgUnitID)
	}
	var members []approverGroupMember
	if err := db.gorm.WithContext(ctx).Where("group_id IN ?", ids).Order("user_id").Find(&members).Error; err != nil {
		return nil, translate("approver group members", err)
	}
	for _, m := range members {
		gs[at[m.GroupID]].Members = append(gs[at[m.GroupID]].Members, m.UserID)
	}
	return gs, nil
}

// InsertApproverGroup inserts g with its units and members and sets its ID; a name
// already taken (in any case) is ErrConflict.
func (db *DB) InsertApproverGroup(ctx context.Context, g *ApproverGroup) error {
	return db.InTx(ctx, func(tx *DB) error {
		g.CreatedAt, g.UpdatedAt, g.Version = utc(g.CreatedAt), utc(g.UpdatedAt), 1
		if err := translate("insert approver group", tx.gorm.WithContext(ctx).Create(g).Error); err != nil {
			return err
		}
		return tx.replaceUnitsMembers(ctx, g)
	})
}

// UpdateApproverGroup replaces g's name, description, units and members if its version
// is still base, and moves the version on; false when someone changed it first.
func (db *DB) UpdateApproverGroup(ctx context.Context, g *ApproverGroup, base int) (bool, error) {
	ok := false
	err := db.InTx(ctx, func(tx *DB) error {
		g.UpdatedAt = utc(g.UpdatedAt)
		res := tx.gorm.WithContext(ctx).Model(&ApproverGroup{}).Where("id = ? AND version = ?", g.ID, base).Updates(map[string]any{
			"name": g.Name, "description": g.Description, "updated_by": g.UpdatedBy, "updated_at": g.UpdatedAt, "version": base + 1})
		if err := translate("update approver group", res.Error); err != nil || res.RowsAffected == 0 {
			return err
		}
		ok, g.Version = true, base+1
		for _, t := range []any{&approverGroupUnit{}, &approverGroupMember{}} {
			if err := tx.gorm.WithContext(ctx).Where("group_id = ?", g.ID).Delete(t).Error; err != nil {
				return translate("clear approver group", err)
			}
		}
		return tx.replaceUnitsMembers(ctx, g)
	})
	return ok, err
}

func (db *DB) replaceUnitsMembers(ctx context.Context, g *ApproverGroup) error {
	if len(g.Units) > 0 {
		rows := make([]approverGroupUnit, len(g.Units))
		for i, u := range g.Units {
			rows[i] = approverGroupUnit{GroupID: g.ID, OrgUnitID: u}
		}
		if err := db.gorm.WithContext(ctx).Create(&rows).Error; err != nil {
			return translate("approver group units", err)
		}
	}
	if len(g.Members) > 0 {
		rows := make([]approverGroupMember, len(g.Members))
		for i, m := range g.Members {
			rows[i] = approverGroupMember{GroupID: g.ID, UserID: m}
		}
		if err := db.gorm.WithContext(ctx).Create(&rows).Error; err != nil {
			return translate("approver group members", err)
		}
	}
	return nil
}

// DeleteApproverGroup deletes group id (its units and members with it) if its version is
// still base; false when it changed or is gone.
func (db *DB) DeleteApproverGroup(ctx context.Context, id int64, base int) (bool, error) {
	res := db.gorm.WithContext(ctx).Where("id = ? AND version = ?", id, base).Delete(&ApproverGroup{})
	return res.RowsAffected == 1, translate("delete approver group", res.Error)
}
