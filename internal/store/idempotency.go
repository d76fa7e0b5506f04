package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// IdempotencyKey remembers a form submission: the same key and request hash return the
// same operation or batch.
type IdempotencyKey struct {
	UserID      int64  `gorm:"primaryKey;autoIncrement:false"`
	IdemKey     string `gorm:"primaryKey"`
	RequestHash string
	OperationID *int64
	BatchID     *int64
	CreatedAt   time.Time
}

// TableName is gorm's table.
func (IdempotencyKey) TableName() string { return "idempotency_keys" }

// ClaimIdempotencyKey inserts k unless (user, key) exists; it reports whether it inserted.
// Concurrent claims of one key serialise on the primary key: exactly one inserts.
func (db *DB) ClaimIdempotencyKey(ctx context.Context, k *IdempotencyKey) (bool, error) {
	k.CreatedAt = utc(k.CreatedAt)
	res := db.gorm.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(k)
	if res.Error != nil {
		return false, translate("claim idempotency key", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// IdempotencyKeyOf reads a key.
func (db *DB) IdempotencyKeyOf(ctx context.Context, userID int64, key string) (*IdempotencyKey, error) {
	var k IdempotencyKey
	if err := db.gorm.WithContext(ctx).Where("user_id = ? AND idem_key = ?", userID, key).Take(&k).Error; err != nil {
		return nil, translate("idempotency key", err)
	}
	return &k, nil
}

// SetIdempotencyTarget records what a claimed key created.
func (db *DB) SetIdempotencyTarget(ctx context.Context, userID int64, key string, opID, batchID *int64) error {
	err := db.gorm.WithContext(ctx).Model(&IdempotencyKey{}).Where("user_id = ? AND idem_key = ?", userID, key).
		Updates(map[string]any{"operation_id": opID, "batch_id": batchID}).Error
	return translate("set idempotency target", err)
}
