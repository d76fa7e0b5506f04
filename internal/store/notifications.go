package store

import (
	"context"
	"time"
)

// NotificationRow is one in-app notification.
type NotificationRow struct {
	ID          int64 `gorm:"primaryKey"`
	UserID      int64
	OperationID *int64
	BatchID     *int64
	Kind        string
	Params      string
	ReadAt      *time.Time
	CreatedAt   time.Time
}

// TableName is gorm's table.
func (NotificationRow) TableName() string { return "notifications" }

// InsertNotifications inserts in-app notifications.
func (db *DB) InsertNotifications(ctx context.Context, rows []*NotificationRow) error {
	if len(rows) == 0 {
		return nil
	}
	for _, r := range rows {
		r.CreatedAt = utc(r.CreatedAt)
	}
	return translate("insert notifications", db.gorm.WithContext(ctx).CreateInBatches(rows, 200).Error)
}

// ListNotifications lists a user's notifications, newest first.
func (db *DB) ListNotifications(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]NotificationRow, error) {
	q := db.gorm.WithContext(ctx).Where("user_id = ?", userID)
	if unreadOnly {
		q = q.Where("read_at IS NULL")
	}
	var out []NotificationRow
	err := q.Order("id DESC").Limit(clampLimit(limit, defaultListLimit)).Find(&out).Error
	return out, translate("list notifications", err)
}

// CountUnreadNotifications counts a user's unread notifications.
func (db *DB) CountUnreadNotifications(ctx context.Context, userID int64) (int64, error) {
	var n int64
	err := db.gorm.WithContext(ctx).Model(&NotificationRow{}).Where("user_id = ? AND read_at IS NULL", userID).Count(&n).Error
	return n, translate("count notifications", err)
}

// MarkNotificationsRead marks a user's notifications read (all when ids is empty).
func (db *DB) MarkNotificationsRead(ctx context.Context, userID int64, ids []int64, at time.Time) error {
	q := db.gorm.WithContext(ctx).Model(&NotificationRow{}).Where("user_id = ? AND read_at IS NULL", userID)
	if len(ids) > 0 {
		q = q.Where("id IN ?", ids)
	}
	return translate("mark notifications read", q.Update("read_at", utc(at)).Error)
}
