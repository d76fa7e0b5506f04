package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// APIToken is a bearer token for the JSON API. Only a hash of the token is
// stored; Prefix is the first few characters, shown to users to tell tokens apart.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	TokenHash  string
	Prefix     string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

type apiTokenRow struct {
	ID         int64 `gorm:"primaryKey"`
	UserID     int64
	Name       string
	TokenHash  string
	Prefix     string
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

func (apiTokenRow) TableName() string { return "api_tokens" }

func (r apiTokenRow) token() APIToken {
	return APIToken{
		ID: r.ID, UserID: r.UserID, Name: r.Name, TokenHash: r.TokenHash, Prefix: r.Prefix,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: utcPtr(r.ExpiresAt),
		LastUsedAt: utcPtr(r.LastUsedAt), RevokedAt: utcPtr(r.RevokedAt),
	}
}

// CreateAPIToken inserts t and sets t.ID (and t.CreatedAt from the database
// clock when zero). A duplicate TokenHash gives ErrConflict; an unknown user
// gives an error from the foreign key.
func (db *DB) CreateAPIToken(ctx context.Context, t *APIToken) error {
	if t.TokenHash == "" {
		return errors.New("store: create api token: empty token hash")
	}
	if t.CreatedAt.IsZero() {
		now, err := db.Now(ctx)
		if err != nil {
			return err
		}
		t.CreatedAt = now
	}
	row := apiTokenRow{
		UserID: t.UserID, Name: t.Name, TokenHash: t.TokenHash, Prefix: t.Prefix,
		CreatedAt: utc(t.CreatedAt), ExpiresAt: utcPtr(t.ExpiresAt),
		LastUsedAt: utcPtr(t.LastUsedAt), RevokedAt: utcPtr(t.RevokedAt),
	}
	if err := db.gorm.WithContext(ctx).Create(&row).Error; err != nil {
		return translate("create api token", err)
	}
	*t = row.token()
	return nil
}

// APITokenByHash finds a token by its hash, including revoked and expired
// ones: the caller decides (and audits) why a token is refused.
func (db *DB) APITokenByHash(ctx context.Context, hash string) (*APIToken, error) {
	var rows []apiTokenRow
	if err := db.gorm.WithContext(ctx).Where("token_hash = ?", hash).Limit(1).Find(&rows).Error; err != nil {
		return nil, translate("get api token", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("store: get api token: %w", ErrNotFound)
	}
	t := rows[0].token()
	return &t, nil
}

// ListAPITokens returns a user's tokens, newest first, revoked ones included.
func (db *DB) ListAPITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	var rows []apiTokenRow
	if err := db.gorm.WithContext(ctx).Where("user_id = ?", userID).
		Order("id DESC").Find(&rows).Error; err != nil {
		return nil, translate("list api tokens", err)
	}
	out := make([]APIToken, len(rows))
	for i, r := range rows {
		out[i] = r.token()
	}
	return out, nil
}

// RevokeAPIToken revokes token id of userID (the user id guards against
// revoking someone else's token by id). Revoking an already revoked token is
// a no-op that keeps the first revocation time; ErrNotFound when the user has
// no such token.
func (db *DB) RevokeAPIToken(ctx context.Context, userID, id int64, at time.Time) error {
	res := db.gorm.WithContext(ctx).Model(&apiTokenRow{}).
		Where("id = ? AND user_id = ? AND revoked_at IS NULL", id, userID).
		Update("revoked_at", utc(at))
	if res.Error != nil {
		return translate("revoke api token", res.Error)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	var n int64
	if err := db.gorm.WithContext(ctx).Model(&apiTokenRow{}).
		Where("id = ? AND user_id = ?", id, userID).Count(&n).Error; err != nil {
		return translate("revoke api token", err)
	}
	if n == 0 {
		return fmt.Errorf("store: revoke api token %d: %w", id, ErrNotFound)
	}
	return nil
}

// TouchAPIToken records the token's last use.
func (db *DB) TouchAPIToken(ctx context.Context, id int64, at time.Time) error {
	res := db.gorm.WithContext(ctx).Model(&apiTokenRow{}).Where("id = ?", id).
		Update("last_used_at", utc(at))
	if res.Error != nil {
		return translate("touch api token", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: touch api token %d: %w", id, ErrNotFound)
	}
	return nil
}
