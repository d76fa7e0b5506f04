package store

import (
	"context"
	"fmt"
	"time"
)

// Kinds of upstream account.
const (
	UpstreamMaster = "master"
	UpstreamSub    = "sub"
)

// UpstreamAccount is one set of upstream credentials: a master account, or a
// sub-account's own credentials for resource operations (MasterID set). SK is the
// ciphertext sealed by the caller; List never fills it.
type UpstreamAccount struct {
	ID         int64
	Name       string
	Kind       string
	MasterID   *int64
	Endpoint   string
	Region     string
	AK         string
	SK         string // ciphertext; "" in lists
	DomainID   string
	Generation string
	Enabled    bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

type upstreamAccountRow struct {
	ID         int64 `gorm:"primaryKey"`
	Name       string
	Kind       string
	MasterID   *int64
	Endpoint   string
	Region     string
	AK         string `gorm:"column:ak"`
	SK         string `gorm:"column:sk"`
	DomainID   string
	Generation string
	Enabled    bool
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt  time.Time `gorm:"autoUpdateTime:false"`
}

func (upstreamAccountRow) TableName() string { return "upstream_accounts" }

func (r upstreamAccountRow) account() UpstreamAccount {
	return UpstreamAccount{
		ID: r.ID, Name: r.Name, Kind: r.Kind, MasterID: r.MasterID, Endpoint: r.Endpoint, Region: r.Region,
		AK: r.AK, SK: r.SK, DomainID: r.DomainID, Generation: r.Generation, Enabled: r.Enabled,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

// CreateUpstreamAccount inserts a and sets its id and times. A taken name (or a second
// master with the same domain id) gives ErrConflict.
func (db *DB) CreateUpstreamAccount(ctx context.Context, a *UpstreamAccount) error {
	now, err := db.Now(ctx)
	if err != nil {
		return err
	}
	row := upstreamAccountRow{
		Name: a.Name, Kind: a.Kind, MasterID: a.MasterID, Endpoint: a.Endpoint, Region: a.Region, AK: a.AK, SK: a.SK,
		DomainID: a.DomainID, Generation: a.Generation, Enabled: a.Enabled, CreatedAt: now, UpdatedAt: now,
	}
	if err := db.gorm.WithContext(ctx).Create(&row).Error; err != nil {
		return translate("create upstream account", err)
	}
	*a = row.account()
	return nil
}

// UpstreamAccountByID returns one account with its sealed SK.
func (db *DB) UpstreamAccountByID(ctx context.Context, id int64) (*UpstreamAccount, error) {
	var rows []upstreamAccountRow
	if err := db.gorm.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return nil, translate("get upstream account", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("store: get upstream account %d: %w", id, ErrNotFound)
	}
	a := rows[0].account()
	return &a, nil
}

// ListUpstreamAccounts returns every account, masters first then by name, without SKs.
func (db *DB) ListUpstreamAccounts(ctx context.Context) ([]UpstreamAccount, error) {
	var rows []upstreamAccountRow
	if err := db.gorm.WithContext(ctx).
		Select("id, name, kind, master_id, endpoint, region, ak, domain_id, generation, enabled, created_at, updated_at, CASE WHEN sk = '' THEN '' ELSE '*' END AS sk").
		Order("CASE WHEN kind = 'master' THEN 0 ELSE 1 END, name").Find(&rows).Error; err != nil {
		return nil, translate("list upstream accounts", err)
	}
	out := make([]UpstreamAccount, len(rows))
	for i, r := range rows {
		out[i] = r.account()
	}
	return out, nil
}

// UpdateUpstreamAccount stores every field of a (SK included: the caller passes the old
// ciphertext to keep it) and bumps updated_at.
func (db *DB) UpdateUpstreamAccount(ctx context.Context, a *UpstreamAccount) error {
	now, err := db.Now(ctx)
	if err != nil {
		return err
	}
	res := db.gorm.WithContext(ctx).Model(&upstreamAccountRow{}).Where("id = ?", a.ID).Updates(map[string]any{
		"name": a.Name, "master_id": a.MasterID, "endpoint": a.Endpoint, "region": a.Region, "ak": a.AK, "sk": a.SK,
		"domain_id": a.DomainID, "generation": a.Generation, "enabled": a.Enabled, "updated_at": now,
	})
	if res.Error != nil {
		return translate("update upstream account", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: update upstream account %d: %w", a.ID, ErrNotFound)
	}
	a.UpdatedAt = now
	return nil
}

// DeleteUpstreamAccount removes an account (and, for a master, its sub-account credentials).
func (db *DB) DeleteUpstreamAccount(ctx context.Context, id int64) error {
	res := db.gorm.WithContext(ctx).Where("id = ?", id).Delete(&upstreamAccountRow{})
	if res.Error != nil {
		return translate("delete upstream account", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store: delete upstream account %d: %w", id, ErrNotFound)
	}
	return nil
}

// CountUpstreamAccounts counts the accounts of a kind ("" = all).
func (db *DB) CountUpstreamAccounts(ctx context.Context, kind string) (int64, error) {
	q := db.gorm.WithContext(ctx).Model(&upstreamAccountRow{})
	if kind != "" {
		q = q.Where("kind = ?", kind)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, translate("count upstream accounts", err)
	}
	return n, nil
}
