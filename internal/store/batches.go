package store

import (
	"context"
	"time"
)

// OperationBatch is one row of operation_batches.
type OperationBatch struct {
	ID                int64 `gorm:"primaryKey"`
	Kind              string
	State             string
	RequestedBy       int64
	RequestedByName   string
	Reason            string
	RowsCount         int
	Total             string
	Currency          string
	SnapshotHash      string
	RequiredApprovals int
	LimitNote         string // as Operation.LimitNote
	// The approval route fixed at request time, as on Operation.
	ApprovalRuleID      *int64
	ApprovalRuleVersion int
	ApprovalLevels      string
	ApprovalSequential  bool
	ExpiresAt           time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// TableName is gorm's table.
func (OperationBatch) TableName() string { return "operation_batches" }

// InsertBatch inserts a batch and sets its ID.
func (db *DB) InsertBatch(ctx context.Context, b *OperationBatch) error {
	b.ExpiresAt, b.CreatedAt, b.UpdatedAt = utc(b.ExpiresAt), utc(b.CreatedAt), utc(b.UpdatedAt)
	return translate("insert batch", db.gorm.WithContext(ctx).Create(b).Error)
}

// BatchByID reads a batch.
func (db *DB) BatchByID(ctx context.Context, id int64) (*OperationBatch, error) {
	var b OperationBatch
	if err := db.gorm.WithContext(ctx).Where("id = ?", id).Take(&b).Error; err != nil {
		return nil, translate("batch by id", err)
	}
	return &b, nil
}

// DueBatchIDs lists pending batches whose expires_at is before at.
func (db *DB) DueBatchIDs(ctx context.Context, at time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := db.gorm.WithContext(ctx).Model(&OperationBatch{}).Where("state = 'pending' AND expires_at < ?", utc(at)).
		Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, translate("due batches", err)
}

// LockBatch locks a batch's row until the end of the transaction (Postgres; SQLite
// transactions are serialised already), so that work deciding on the batch as a whole —
// "was this the last row to settle?" — sees every other row's committed state.
func (db *DB) LockBatch(ctx context.Context, batchID int64) error {
	if db.dialect != DialectPostgres {
		return nil
	}
	var id int64
	err := db.gorm.WithContext(ctx).Raw(`SELECT id FROM operation_batches WHERE id = ? FOR UPDATE`, batchID).Scan(&id).Error
	return translate("lock batch", err)
}

// BatchStateCounts counts a batch's operations by state.
func (db *DB) BatchStateCounts(ctx context.Context, batchID int64) (map[string]int, error) {
	var rows []struct {
		State string
		N     int
	}
	err := db.gorm.WithContext(ctx).Model(&Operation{}).Select("state, COUNT(*) AS n").
		Where("batch_id = ?", batchID).Group("state").Scan(&rows).Error
	if err != nil {
		return nil, translate("batch counts", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, nil
}

// BatchOperations lists a batch's operations in line order.
func (db *DB) BatchOperations(ctx context.Context, batchID int64) ([]Operation, error) {
	var out []Operation
	err := db.gorm.WithContext(ctx).Where("batch_id = ?", batchID).Order("batch_line").Find(&out).Error
	return out, translate("batch operations", err)
}
