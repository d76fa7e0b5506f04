package store

import (
	"context"
	"fmt"
)

// CachedResourceRef is what the operation forms check about a resource.
type CachedResourceRef struct {
	ResourceID string
	AccountID  string
	IsMain     bool
	Status     int
}

// ResourcesByIDs reads cached resources by id (any account).
func (db *DB) ResourcesByIDs(ctx context.Context, ids []string) (map[string]CachedResourceRef, error) {
	out := map[string]CachedResourceRef{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []CachedResourceRef
	err := db.gorm.WithContext(ctx).Raw(`SELECT resource_id, account_id, is_main, status FROM resources WHERE resource_id IN ?`, ids).Scan(&rows).Error
	if err != nil {
		return nil, translate("resources by ids", err)
	}
	for _, r := range rows {
		out[r.ResourceID] = r
	}
	return out, nil
}

// CachedCouponBalance reads the cached balance of a master coupon (subAccountID and
// subCouponID "") or of a sub-coupon.
func (db *DB) CachedCouponBalance(ctx context.Context, subAccountID, couponID, subCouponID string) (string, error) {
	var bal []string
	err := db.gorm.WithContext(ctx).Raw(`SELECT balance FROM coupons WHERE sub_account_id = ? AND coupon_id = ? AND sub_coupon_id = ?`,
		subAccountID, couponID, subCouponID).Scan(&bal).Error
	if err != nil {
		return "", translate("coupon balance", err)
	}
	if len(bal) == 0 {
		return "", fmt.Errorf("store: coupon balance: %w", ErrNotFound)
	}
	return bal[0], nil
}
