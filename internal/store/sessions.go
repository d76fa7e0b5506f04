package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// Session is a server-side web session. ID is a hash of the cookie token
// computed by the caller: the raw token is never stored, so a leaked database
// does not yield usable cookies.
type Session struct {
	ID         string
	UserID     *int64 // nil before login
	Data       []byte
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

type sessionRow struct {
	ID         string `gorm:"primaryKey"`
	UserID     *int64
	Data       []byte
	IP         string `gorm:"column:ip"`
	UserAgent  string
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

func (sessionRow) TableName() string { return "sessions" }

func (r sessionRow) session() Session {
	return Session{
		ID: r.ID, UserID: r.UserID, Data: r.Data, IP: r.IP, UserAgent: r.UserAgent,
		CreatedAt: r.CreatedAt.UTC(), LastSeenAt: r.LastSeenAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
	}
}

// SaveSession inserts or replaces the session with s.ID. created_at is kept
// from the first save; a zero CreatedAt or LastSeenAt is set to the database
// clock (and written back into s).
func (db *DB) SaveSession(ctx context.Context, s *Session) error {
	if s.ID == "" {
		return errors.New("store: save session: empty id")
	}
	if s.ExpiresAt.IsZero() {
		return errors.New("store: save session: zero ExpiresAt")
	}
	if s.CreatedAt.IsZero() || s.LastSeenAt.IsZero() {
		now, err := db.Now(ctx)
		if err != nil {
			return err
		}
		if s.CreatedAt.IsZero() {
			s.CreatedAt = now
		}
		if s.LastSeenAt.IsZero() {
			s.LastSeenAt = now
		}
	}
	data := s.Data
	if data == nil {
		data = []byte{} // NOT NULL column; nil would bind NULL
	}
	row := sessionRow{
		ID: s.ID, UserID: s.UserID, Data: data, IP: s.IP, UserAgent: s.UserAgent,
		CreatedAt: utc(s.CreatedAt), LastSeenAt: utc(s.LastSeenAt), ExpiresAt: utc(s.ExpiresAt),
	}
	err := db.gorm.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"user_id", "data", "ip", "user_agent", "last_seen_at", "expires_at"}),
	}).Create(&row).Error
	if err != nil {
		return translate("save session", err)
	}
	return nil
}

// SessionByID returns the session, expired or not (the caller checks ExpiresAt).
func (db *DB) SessionByID(ctx context.Context, id string) (*Session, error) {
	var rows []sessionRow
	if err := db.gorm.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return nil, translate("get session", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("store: get session: %w", ErrNotFound)
	}
	s := rows[0].session()
	return &s, nil
}

// DeleteSession removes a session; deleting an absent one is not an error
// (logout must be idempotent).
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	if err := db.gorm.WithContext(ctx).Where("id = ?", id).Delete(&sessionRow{}).Error; err != nil {
		return translate("delete session", err)
	}
	return nil
}

// DeleteUserSessions ends every session of a user (password change,
// disabling, "log out everywhere") and returns how many there were.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) (int64, error) {
	res := db.gorm.WithContext(ctx).Where("user_id = ?", userID).Delete(&sessionRow{})
	if res.Error != nil {
		return 0, translate("delete user sessions", res.Error)
	}
	return res.RowsAffected, nil
}

// ListUserSessions returns a user's sessions, most recently seen first.
func (db *DB) ListUserSessions(ctx context.Context, userID int64) ([]Session, error) {
	var rows []sessionRow
	if err := db.gorm.WithContext(ctx).Where("user_id = ?", userID).
		Order("last_seen_at DESC, id").Find(&rows).Error; err != nil {
		return nil, translate("list user sessions", err)
	}
	out := make([]Session, len(rows))
	for i, r := range rows {
		out[i] = r.session()
	}
	return out, nil
}

// DeleteExpiredSessions removes sessions with expires_at <= now (served by the
// expires_at index) and returns how many.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res := db.gorm.WithContext(ctx).Where("expires_at <= ?", utc(now)).Delete(&sessionRow{})
	if res.Error != nil {
		return 0, translate("delete expired sessions", res.Error)
	}
	return res.RowsAffected, nil
}
