package store

import "context"

// BatchRowAmount is the amount of one row of a batch.
type BatchRowAmount struct {
	BatchID  int64
	Amount   *string
	Currency string
}

// BatchRowAmounts reads the amounts of the rows of batches ids that lie within scopes
// (org unit ids; empty: no restriction), for totals added up exactly in decimal by the
// caller (SQLite keeps these amounts as text).
func (db *DB) BatchRowAmounts(ctx context.Context, ids []int64, scopes []string) ([]BatchRowAmount, error) {
	var out []BatchRowAmount
	if len(ids) == 0 {
		return out, nil
	}
	c := db.operationQuery(ctx, OperationFilter{Scopes: scopes})
	c.add("batch_id IN ?", ids)
	err := db.gorm.WithContext(ctx).Model(&Operation{}).Select("batch_id, amount, currency").
		Where(c.sql(), c.args...).Order("batch_id, batch_line").Scan(&out).Error
	return out, translate("batch row amounts", err)
}
