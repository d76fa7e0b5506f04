package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// Setting is one section of run-time settings: plain JSON and a sealed secret blob
// (ciphertext produced by the caller).
type Setting struct {
	Section   string
	Value     string
	Secret    string
	UpdatedAt time.Time
}

type settingRow struct {
	Section   string `gorm:"primaryKey"`
	Value     string
	Secret    string
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func (settingRow) TableName() string { return "settings" }

// ListSettings returns every stored section.
func (db *DB) ListSettings(ctx context.Context) ([]Setting, error) {
	var rows []settingRow
	if err := db.gorm.WithContext(ctx).Order("section").Find(&rows).Error; err != nil {
		return nil, translate("list settings", err)
	}
	out := make([]Setting, len(rows))
	for i, r := range rows {
		out[i] = Setting{Section: r.Section, Value: r.Value, Secret: r.Secret, UpdatedAt: r.UpdatedAt.UTC()}
	}
	return out, nil
}

// SettingBySection returns one section; ErrNotFound when it was never saved.
func (db *DB) SettingBySection(ctx context.Context, section string) (*Setting, error) {
	var rows []settingRow
	if err := db.gorm.WithContext(ctx).Where("section = ?", section).Limit(1).Find(&rows).Error; err != nil {
		return nil, translate("get setting", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("store: get setting %s: %w", section, ErrNotFound)
	}
	r := rows[0]
	return &Setting{Section: r.Section, Value: r.Value, Secret: r.Secret, UpdatedAt: r.UpdatedAt.UTC()}, nil
}

// SaveSetting inserts or replaces a section.
func (db *DB) SaveSetting(ctx context.Context, s *Setting) error {
	now, err := db.Now(ctx)
	if err != nil {
		return err
	}
	row := settingRow{Section: s.Section, Value: s.Value, Secret: s.Secret, UpdatedAt: now}
	err = db.gorm.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "section"}},
		DoUpdates: clause.AssignmentColumns([]string{"value", "secret", "updated_at"}),
	}).Create(&row).Error
	if err != nil {
		return translate("save setting", err)
	}
	s.UpdatedAt = now
	return nil
}
