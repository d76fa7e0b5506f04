package store

import (
	"context"
	"strconv"
)

// What the approval matrix (issue 15) reads of operations and batches beyond their rows:
// the organisation units a batch's rows are in (a batch's approvers must be eligible for
// every one of them), the batches among the operations of a filter (the inbox counts a
// batch once), and whether a pending route still names a group.

// BatchesByIDs reads batches by id (any order).
func (db *DB) BatchesByIDs(ctx context.Context, ids []int64) ([]OperationBatch, error) {
	var out []OperationBatch
	if len(ids) == 0 {
		return out, nil
	}
	err := db.gorm.WithContext(ctx).Where("id IN ?", ids).Order("id").Find(&out).Error
	return out, translate("batches by ids", err)
}

// BatchOrgPaths lists, per batch, the distinct organisation paths of its rows.
func (db *DB) BatchOrgPaths(ctx context.Context, batchIDs []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(batchIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		BatchID int64
		OrgPath string
	}
	err := db.gorm.WithContext(ctx).Model(&Operation{}).Distinct("batch_id", "org_path").
		Where("batch_id IN ?", batchIDs).Order("batch_id").Order("org_path").Scan(&rows).Error
	if err != nil {
		return nil, translate("batch org paths", err)
	}
	for _, r := range rows {
		out[r.BatchID] = append(out[r.BatchID], r.OrgPath)
	}
	return out, nil
}

// OperationBatchIDs lists the distinct batches among the operations matching f (Limit,
// BeforeID and AfterID ignored), in id order.
func (db *DB) OperationBatchIDs(ctx context.Context, f OperationFilter) ([]int64, error) {
	f.BeforeID, f.AfterID, f.NoBatch = 0, 0, false
	c := db.operationQuery(ctx, f)
	c.add("batch_id IS NOT NULL")
	var ids []int64
	err := db.gorm.WithContext(ctx).Model(&Operation{}).Where(c.sql(), c.args...).Distinct("batch_id").
		Order("batch_id").Pluck("batch_id", &ids).Error
	return ids, translate("operation batch ids", err)
}

// levelsNaming is the LIKE pattern of a levels JSON that names group id: the encoder
// writes group_id last in each level ({"count":1,"group_id":7}), so the closing brace
// keeps group 7 from matching 71.
func levelsNaming(groupID int64) string {
	return `%"group_id":` + strconv.FormatInt(groupID, 10) + `}%`
}

// PendingRoutesNaming counts the pending operations and batches whose approval route
// names group id: the group cannot go while they wait for its members.
func (db *DB) PendingRoutesNaming(ctx context.Context, groupID int64) (int64, error) {
	var ops, batches int64
	pat := levelsNaming(groupID)
	if err := db.gorm.WithContext(ctx).Model(&Operation{}).Where("state = ? AND batch_id IS NULL AND approval_levels LIKE ?", statePending, pat).
		Count(&ops).Error; err != nil {
		return 0, translate("pending routes naming a group", err)
	}
	if err := db.gorm.WithContext(ctx).Model(&OperationBatch{}).Where("state = ? AND approval_levels LIKE ?", statePending, pat).
		Count(&batches).Error; err != nil {
		return 0, translate("pending batch routes naming a group", err)
	}
	return ops + batches, nil
}
