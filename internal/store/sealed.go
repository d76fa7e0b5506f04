package store

import (
	"context"
	"fmt"
)

// SealedColumn names a column that holds secretbox ciphertext, for key rotation. The
// list is closed: rotation can only touch these columns.
type SealedColumn struct {
	Table, Key, Column string
}

// SealedColumns are every column holding values sealed under PORTAL_SECRET_KEY.
var (
	SealedTOTP       = SealedColumn{"users", "id", "totp_secret"}
	SealedUpstreamSK = SealedColumn{"upstream_accounts", "id", "sk"}
	SealedSettings   = SealedColumn{"settings", "section", "secret"}
)

// SealedValue is one non-empty ciphertext and the key of its row.
type SealedValue struct {
	Key   string
	Value string
}

func (c SealedColumn) known() bool {
	return c == SealedTOTP || c == SealedUpstreamSK || c == SealedSettings
}

// SealedValues returns every non-empty value of column c, locking the rows on Postgres
// (call it inside the rotation's transaction).
func (db *DB) SealedValues(ctx context.Context, c SealedColumn) ([]SealedValue, error) {
	if !c.known() {
		return nil, fmt.Errorf("store: %s.%s is not a sealed column", c.Table, c.Column)
	}
	q := fmt.Sprintf(`SELECT CAST(%s AS TEXT) AS "key", %s AS "value" FROM %s WHERE %s <> '' ORDER BY 1`, c.Key, c.Column, c.Table, c.Column)
	if db.dialect == DialectPostgres {
		q += " FOR UPDATE"
	}
	var out []SealedValue
	if err := db.gorm.WithContext(ctx).Raw(q).Scan(&out).Error; err != nil {
		return nil, translate("read sealed values", err)
	}
	return out, nil
}

// ReplaceSealedValue swaps one ciphertext for another, only if the row still holds old.
func (db *DB) ReplaceSealedValue(ctx context.Context, c SealedColumn, key, old, new string) error {
	if !c.known() {
		return fmt.Errorf("store: %s.%s is not a sealed column", c.Table, c.Column)
	}
	res := db.gorm.WithContext(ctx).Exec(fmt.Sprintf(`UPDATE %s SET %s = ? WHERE CAST(%s AS TEXT) = ? AND %s = ?`, c.Table, c.Column, c.Key, c.Column), new, key, old)
	if res.Error != nil {
		return translate("replace sealed value", res.Error)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("store: replace sealed value %s %s: %w", c.Table, key, ErrNotFound)
	}
	return nil
}
