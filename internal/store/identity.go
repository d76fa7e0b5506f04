package store

import (
	"context"
	"fmt"
	"time"
)

// Invitation is a one-time link with which a user sets their own password. Only a
// hash of its token is stored.
type Invitation struct {
	ID        int64
	UserID    int64
	TokenHash string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

type invitationRow struct {
	ID        int64 `gorm:"primaryKey"`
	UserID    int64
	TokenHash string
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt time.Time
	UsedAt    *time.Time
}

func (invitationRow) TableName() string { return "user_invitations" }

// CreateInvitation stores an invitation; earlier unused invitations of the same user are
// withdrawn (marked used) in the same statement sequence, so only the newest link works.
func (db *DB) CreateInvitation(ctx context.Context, inv *Invitation) error {
	now, err := db.Now(ctx)
	if err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *DB) error {
		if err := tx.gorm.WithContext(ctx).Model(&invitationRow{}).
			Where("user_id = ? AND used_at IS NULL", inv.UserID).Update("used_at", now).Error; err != nil {
			return translate("withdraw invitations", err)
		}
		row := invitationRow{UserID: inv.UserID, TokenHash: inv.TokenHash, CreatedAt: now, ExpiresAt: utc(inv.ExpiresAt)}
		if err := tx.gorm.WithContext(ctx).Create(&row).Error; err != nil {
			return translate("create invitation", err)
		}
		inv.ID, inv.CreatedAt = row.ID, now
		return nil
	})
}

// UseInvitation marks the unused, unexpired invitation with tokenHash as used (a
// conditional update: two concurrent uses cannot both succeed) and returns it.
// ErrNotFound when there is no such usable invitation.
func (db *DB) UseInvitation(ctx context.Context, tokenHash string, now time.Time) (*Invitation, error) {
	var rows []invitationRow
	if err := db.gorm.WithContext(ctx).Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", tokenHash, utc(now)).
		Limit(1).Find(&rows).Error; err != nil {
		return nil, translate("get invitation", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("store: use invitation: %w", ErrNotFound)
	}
	res := db.gorm.WithContext(ctx).Model(&invitationRow{}).Where("id = ? AND used_at IS NULL", rows[0].ID).Update("used_at", utc(now))
	if res.Error != nil {
		return nil, translate("use invitation", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, fmt.Errorf("store: use invitation: %w", ErrNotFound)
	}
	r := rows[0]
	t := utc(now)
	return &Invitation{ID: r.ID, UserID: r.UserID, TokenHash: r.TokenHash, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), UsedAt: &t}, nil
}

type recoveryCodeRow struct {
	ID        int64 `gorm:"primaryKey"`
	UserID    int64
	CodeHash  string
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	UsedAt    *time.Time
}

func (recoveryCodeRow) TableName() string { return "recovery_codes" }

// ReplaceRecoveryCodes deletes a user's recovery codes and stores new hashes.
func (db *DB) ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes []string) error {
	now, err := db.Now(ctx)
	if err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *DB) error {
		if err := tx.gorm.WithContext(ctx).Where("user_id = ?", userID).Delete(&recoveryCodeRow{}).Error; err != nil {
			return translate("delete recovery codes", err)
		}
		if len(hashes) == 0 {
			return nil
		}
		rows := make([]recoveryCodeRow, len(hashes))
		for i, h := range hashes {
			rows[i] = recoveryCodeRow{UserID: userID, CodeHash: h, CreatedAt: now}
		}
		return translate("create recovery codes", tx.gorm.WithContext(ctx).Create(&rows).Error)
	})
}

// UseRecoveryCode marks an unused code of the user as used; false when there is none
// with that hash (wrong or already used). The update is conditional, so a code works once.
func (db *DB) UseRecoveryCode(ctx context.Context, userID int64, hash string, now time.Time) (bool, error) {
	res := db.gorm.WithContext(ctx).Model(&recoveryCodeRow{}).
		Where("user_id = ? AND code_hash = ? AND used_at IS NULL", userID, hash).Update("used_at", utc(now))
	if res.Error != nil {
		return false, translate("use recovery code", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// CountRecoveryCodes returns how many unused recovery codes a user has left.
func (db *DB) CountRecoveryCodes(ctx context.Context, userID int64) (int64, error) {
	var n int64
	if err := db.gorm.WithContext(ctx).Model(&recoveryCodeRow{}).Where("user_id = ? AND used_at IS NULL", userID).
		Count(&n).Error; err != nil {
		return 0, translate("count recovery codes", err)
	}
	return n, nil
}

// Identity links an OpenID Connect subject to a local user.
type Identity struct {
	Issuer    string
	Subject   string
	UserID    int64
	Email     string
	CreatedAt time.Time
}

type identityRow struct {
	Issuer    string `gorm:"primaryKey"`
	Subject   string `gorm:"primaryKey"`
	UserID    int64
	Email     string
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
}

func (identityRow) TableName() string { return "user_identities" }

// IdentityBySubject finds the user linked to (issuer, subject).
func (db *DB) IdentityBySubject(ctx context.Context, issuer, subject string) (*Identity, error) {
	var rows []identityRow
	if err := db.gorm.WithContext(ctx).Where("issuer = ? AND subject = ?", issuer, subject).Limit(1).Find(&rows).Error; err != nil {
		return nil, translate("get identity", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("store: get identity: %w", ErrNotFound)
	}
	r := rows[0]
	return &Identity{Issuer: r.Issuer, Subject: r.Subject, UserID: r.UserID, Email: r.Email, CreatedAt: r.CreatedAt.UTC()}, nil
}

// CreateIdentity links a subject to a user; ErrConflict when the subject is linked already.
func (db *DB) CreateIdentity(ctx context.Context, id *Identity) error {
	now, err := db.Now(ctx)
	if err != nil {
		return err
	}
	row := identityRow{Issuer: id.Issuer, Subject: id.Subject, UserID: id.UserID, Email: id.Email, CreatedAt: now}
	if err := db.gorm.WithContext(ctx).Create(&row).Error; err != nil {
		return translate("create identity", err)
	}
	id.CreatedAt = now
	return nil
}
