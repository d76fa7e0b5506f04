package notify

import (
	"context"
	"encoding/json"
	"time"
)

// Notification is one in-app notice to a user.
type Notification struct {
	ID          int64             `json:"id"`
	UserID      int64             `json:"user_id"`
	OperationID *int64            `json:"operation_id,omitempty"`
	BatchID     *int64            `json:"batch_id,omitempty"`
	Kind        string            `json:"kind"` // i18n id, e.g. "notify.op.approved"
	Params      map[string]string `json:"params"`
	ReadAt      *time.Time        `json:"read_at,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
}

// List returns userID's notifications, newest first (only unread ones when unreadOnly),
// at most limit: the notifications page.
func (n *Notifier) List(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]Notification, error) {
	rows, err := n.db.ListNotifications(ctx, userID, unreadOnly, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Notification, 0, len(rows))
	for _, r := range rows {
		nt := Notification{ID: r.ID, UserID: r.UserID, OperationID: r.OperationID, BatchID: r.BatchID, Kind: r.Kind, ReadAt: r.ReadAt, CreatedAt: r.CreatedAt.UTC()}
		_ = json.Unmarshal([]byte(r.Params), &nt.Params)
		out = append(out, nt)
	}
	return out, nil
}

// MarkRead marks userID's notifications ids read (every unread one when ids is empty);
// another user's ids are left alone.
func (n *Notifier) MarkRead(ctx context.Context, userID int64, ids []int64) error {
	return n.db.MarkNotificationsRead(ctx, userID, ids, n.now())
}

// CountUnread counts userID's unread notifications: the badge in the page frame.
func (n *Notifier) CountUnread(ctx context.Context, userID int64) (int, error) {
	c, err := n.db.CountUnreadNotifications(ctx, userID)
	return int(c), err
}

// now is the notifier's clock, UTC, microseconds.
func (n *Notifier) now() time.Time {
	if n.clock != nil {
		return n.clock().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}
