package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// SessionWithUser returns the session and, when the session belongs to a user that
// exists, that user with its roles and scopes exactly as UserByID loads it (nil
// otherwise). Every page request reads both; on Postgres this is one round trip instead
// of two. ErrNotFound when there is no such session.
func (db *DB) SessionWithUser(ctx context.Context, id string) (*Session, *User, error) {
	if db.isSQLite() {
		return db.sessionThenUser(ctx, id)
	}
	q := `SELECT s.id, s.user_id, s.data, s.ip, s.user_agent, s.created_at, s.last_seen_at, s.expires_at,
		u.id, u.username, u.display_name, u.email, u.language, u.password_hash, u.totp_secret, u.disabled, u.last_login_at, u.created_at, u.updated_at,
		COALESCE((SELECT json_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '[]')::text,
		COALESCE((SELECT json_agg(sc.org_id ORDER BY sc.org_id) FROM user_scopes sc WHERE sc.user_id = u.id), '[]')::text
		FROM sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.id = ?`
	rows, err := db.gorm.WithContext(ctx).Raw(q, id).Rows()
	if err != nil {
		return nil, nil, translate("get session and user", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, nil, translate("get session and user", err)
		}
		return nil, nil, fmt.Errorf("store: get session: %w", ErrNotFound)
	}
	var (
		s                                                          sessionRow
		uid                                                        sql.NullInt64
		username, displayName, email, language, passwordHash, totp sql.NullString
		disabled                                                   sql.NullBool
		lastLogin                                                  *time.Time
		created, updated                                           sql.NullTime
		rolesJSON, scopesJSON                                      string
	)
	if err := rows.Scan(&s.ID, &s.UserID, &s.Data, &s.IP, &s.UserAgent, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt,
		&uid, &username, &displayName, &email, &language, &passwordHash, &totp, &disabled, &lastLogin, &created, &updated,
		&rolesJSON, &scopesJSON); err != nil {
		return nil, nil, translate("get session and user", err)
	}
	if err := rows.Close(); err != nil {
		return nil, nil, translate("get session and user", err)
	}
	sess := s.session()
	if !uid.Valid {
		return &sess, nil, nil
	}
	var roles, scopes []string
	if err := json.Unmarshal([]byte(rolesJSON), &roles); err != nil {
		return nil, nil, fmt.Errorf("store: get session and user: roles: %w", err)
	}
	if err := json.Unmarshal([]byte(scopesJSON), &scopes); err != nil {
		return nil, nil, fmt.Errorf("store: get session and user: scopes: %w", err)
	}
	u := userRow{ID: uid.Int64, Username: username.String, DisplayName: displayName.String, Email: email.String, Language: language.String,
		PasswordHash: passwordHash.String, TOTPSecret: totp.String, Disabled: disabled.Bool, LastLoginAt: lastLogin,
		CreatedAt: created.Time, UpdatedAt: updated.Time}.user(roles, scopes)
	return &sess, &u, nil
}

// sessionThenUser is SessionWithUser in two queries (SQLite: no round trip to save).
func (db *DB) sessionThenUser(ctx context.Context, id string) (*Session, *User, error) {
	s, err := db.SessionByID(ctx, id)
	if err != nil || s.UserID == nil {
		return s, nil, err
	}
	u, err := db.UserByID(ctx, *s.UserID)
	if errors.Is(err, ErrNotFound) {
		return s, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return s, u, nil
}
