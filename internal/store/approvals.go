package store

import (
	"context"
	"time"
)

// ApprovalRow is one decision on an operation (OperationID) or a batch (BatchID).
type ApprovalRow struct {
	ID           int64 `gorm:"primaryKey"`
	OperationID  *int64
	BatchID      *int64
	UserID       int64
	Username     string
	Decision     string
	Comment      string
	SecondFactor string
	SnapshotHash string
	// OnBehalfOf is the delegator a delegate approved for (their id and name, and the
	// delegation used); nil when the approver acted for themself.
	OnBehalfOf     *int64
	OnBehalfOfName string
	DelegationID   *int64
	// Level is the level of the operation's approval route the decision counted for (1
	// on rows decided before the matrix, and on rejections).
	Level int
	At    time.Time
}

// TableName is gorm's table.
func (ApprovalRow) TableName() string { return "approvals" }

// InsertApproval records a decision; a second decision of the same user on the same
// operation or batch is ErrConflict (unique constraint).
func (db *DB) InsertApproval(ctx context.Context, a *ApprovalRow) error {
	a.At = utc(a.At)
	return translate("insert approval", db.gorm.WithContext(ctx).Create(a).Error)
}

// InsertApprovals records many decisions (a batch approval copied to its operations).
func (db *DB) InsertApprovals(ctx context.Context, rows []*ApprovalRow) error {
	for _, a := range rows {
		a.At = utc(a.At)
	}
	return translate("insert approvals", db.gorm.WithContext(ctx).CreateInBatches(rows, 200).Error)
}

// ApprovalsOf lists the decisions on operations (by operation id), oldest first.
func (db *DB) ApprovalsOf(ctx context.Context, opIDs []int64) (map[int64][]ApprovalRow, error) {
	out := map[int64][]ApprovalRow{}
	if len(opIDs) == 0 {
		return out, nil
	}
	var rows []ApprovalRow
	if err := db.gorm.WithContext(ctx).Where("operation_id IN ?", opIDs).Order("id").Find(&rows).Error; err != nil {
		return nil, translate("approvals of", err)
	}
	for _, r := range rows {
		out[*r.OperationID] = append(out[*r.OperationID], r)
	}
	return out, nil
}

// BatchApprovals lists the decisions on a batch, oldest first.
func (db *DB) BatchApprovals(ctx context.Context, batchID int64) ([]ApprovalRow, error) {
	var rows []ApprovalRow
	err := db.gorm.WithContext(ctx).Where("batch_id = ?", batchID).Order("id").Find(&rows).Error
	return rows, translate("batch approvals", err)
}

// CountApprovers counts distinct approving users of an operation (or batch when batch)
// whose approval signed snapshotHash.
func (db *DB) CountApprovers(ctx context.Context, id int64, batch bool, snapshotHash string) (int, error) {
	col := "operation_id"
	if batch {
		col = "batch_id"
	}
	var n int64
	err := db.gorm.WithContext(ctx).Model(&ApprovalRow{}).
		Where(col+" = ? AND decision = 'approve' AND snapshot_hash = ?", id, snapshotHash).
		Distinct("user_id").Count(&n).Error
	return int(n), translate("count approvers", err)
}
