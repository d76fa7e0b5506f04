package store

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm/clause"
)

// Limits on drafting money movements (migration 00070): the defaults and modes, the
// requesters' own limits and the sub-accounts' caps on transfers in. The rule that
// applies them is the approval use case's; amounts are two-decimal strings, nil for
// "no limit".

// DraftLimits is the one row of defaults and modes.
type DraftLimits struct {
	ID             int `gorm:"primaryKey"`
	Daily          *string
	Monthly        *string
	DailyMode      string
	MonthlyMode    string
	SubAccountMode string
	UpdatedAt      time.Time
}

// TableName is gorm's table.
func (DraftLimits) TableName() string { return "draft_limits" }

// UserDraftLimit is one requester's own limits (nil: the default applies).
type UserDraftLimit struct {
	UserID    int64 `gorm:"primaryKey"`
	Daily     *string
	Monthly   *string
	UpdatedAt time.Time
	// Username is read with the row (not a column of it).
	Username string `gorm:"->;-:migration"`
}

// TableName is gorm's table.
func (UserDraftLimit) TableName() string { return "user_draft_limits" }

// SubAccountInflowCap is the monthly cap on transfers into one sub-account.
type SubAccountInflowCap struct {
	SubAccountID string `gorm:"primaryKey"`
	Monthly      string
	UpdatedAt    time.Time
	// Name is the sub-account's cached name, read with the row ("" when not cached).
	Name string `gorm:"->;-:migration"`
}

// TableName is gorm's table.
func (SubAccountInflowCap) TableName() string { return "sub_account_inflow_caps" }

// DraftLimitDefaults reads the defaults and modes.
func (db *DB) DraftLimitDefaults(ctx context.Context) (*DraftLimits, error) {
	var l DraftLimits
	if err := db.gorm.WithContext(ctx).Where("id = 1").Take(&l).Error; err != nil {
		return nil, translate("draft limits", err)
	}
	return &l, nil
}

// SaveDraftLimitDefaults writes the defaults and modes.
func (db *DB) SaveDraftLimitDefaults(ctx context.Context, l *DraftLimits) error {
	l.ID, l.UpdatedAt = 1, utc(l.UpdatedAt)
	err := db.gorm.WithContext(ctx).Model(&DraftLimits{}).Where("id = 1").Updates(map[string]any{
		"daily": l.Daily, "monthly": l.Monthly, "daily_mode": l.DailyMode, "monthly_mode": l.MonthlyMode,
		"sub_account_mode": l.SubAccountMode, "updated_at": l.UpdatedAt}).Error
	return translate("save draft limits", err)
}

// UserDraftLimitByID reads one requester's own limits (ErrNotFound: none).
func (db *DB) UserDraftLimitByID(ctx context.Context, userID int64) (*UserDraftLimit, error) {
	var l UserDraftLimit
	if err := db.gorm.WithContext(ctx).Where("user_id = ?", userID).Take(&l).Error; err != nil {
		return nil, translate("user draft limit", err)
	}
	return &l, nil
}

// UserDraftLimits lists every requester's own limits, by username.
func (db *DB) UserDraftLimits(ctx context.Context) ([]UserDraftLimit, error) {
	var out []UserDraftLimit
	err := db.gorm.WithContext(ctx).Table("user_draft_limits l").
		Select("l.user_id, l.daily, l.monthly, l.updated_at, u.username").
		Joins("JOIN users u ON u.id = l.user_id").Order("u.username").Scan(&out).Error
	return out, translate("user draft limits", err)
}

// SaveUserDraftLimit writes a requester's own limits; both nil removes them.
func (db *DB) SaveUserDraftLimit(ctx context.Context, l *UserDraftLimit) error {
	g := db.gorm.WithContext(ctx)
	if l.Daily == nil && l.Monthly == nil {
		return translate("delete user draft limit", g.Where("user_id = ?", l.UserID).Delete(&UserDraftLimit{}).Error)
	}
	l.UpdatedAt = utc(l.UpdatedAt)
	err := g.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"daily", "monthly", "updated_at"})}).
		Select("user_id", "daily", "monthly", "updated_at").Create(l).Error
	return translate("save user draft limit", err)
}

// InflowCapByID reads one sub-account's cap (ErrNotFound: none).
func (db *DB) InflowCapByID(ctx context.Context, subAccountID string) (*SubAccountInflowCap, error) {
	var c SubAccountInflowCap
	if err := db.gorm.WithContext(ctx).Where("sub_account_id = ?", subAccountID).Take(&c).Error; err != nil {
		return nil, translate("inflow cap", err)
	}
	return &c, nil
}

// InflowCaps lists every sub-account's cap, by sub-account id.
func (db *DB) InflowCaps(ctx context.Context) ([]SubAccountInflowCap, error) {
	var out []SubAccountInflowCap
	err := db.gorm.WithContext(ctx).Table("sub_account_inflow_caps c").
		Select("c.sub_account_id, c.monthly, c.updated_at, COALESCE(s.name, '') AS name").
		Joins("LEFT JOIN sub_accounts s ON s.id = c.sub_account_id").Order("c.sub_account_id").Scan(&out).Error
	return out, translate("inflow caps", err)
}

// SaveInflowCap writes a sub-account's cap; monthly "" removes it.
func (db *DB) SaveInflowCap(ctx context.Context, c *SubAccountInflowCap) error {
	g := db.gorm.WithContext(ctx)
	if c.Monthly == "" {
		return translate("delete inflow cap", g.Where("sub_account_id = ?", c.SubAccountID).Delete(&SubAccountInflowCap{}).Error)
	}
	c.UpdatedAt = utc(c.UpdatedAt)
	err := g.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "sub_account_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"monthly", "updated_at"})}).
		Select("sub_account_id", "monthly", "updated_at").Create(c).Error
	return translate("save inflow cap", err)
}

// DraftedQuery selects the operations a limit counts: of kinds, created in [From, To),
// not in one of ExceptStates, requested by RequestedBy or (SubAccountID) moving money
// into that sub-account.
type DraftedQuery struct {
	Kinds        []string
	RequestedBy  int64
	SubAccountID string
	ExceptStates []string
	From, To     time.Time
}

// DraftedTotal is the sum of the amounts q selects, exact: Postgres adds its NUMERIC
// column; SQLite, whose amounts are text, hands them over to be added as decimals.
func (db *DB) DraftedTotal(ctx context.Context, q DraftedQuery) (decimal.Decimal, error) {
	g := db.gorm.WithContext(ctx).Model(&Operation{}).
		Where("kind IN ? AND created_at >= ? AND created_at < ? AND amount IS NOT NULL", q.Kinds, utc(q.From), utc(q.To))
	if len(q.ExceptStates) > 0 {
		g = g.Where("state NOT IN ?", q.ExceptStates)
	}
	if q.RequestedBy != 0 {
		g = g.Where("requested_by = ?", q.RequestedBy)
	}
	if q.SubAccountID != "" {
		g = g.Where("sub_account_id = ?", q.SubAccountID)
	}
	if db.dialect == DialectPostgres {
		var s string
		if err := g.Select("COALESCE(SUM(amount), 0)::text").Scan(&s).Error; err != nil {
			return decimal.Zero, translate("drafted total", err)
		}
		return decimal.NewFromString(s)
	}
	var amounts []string
	if err := g.Pluck("amount", &amounts).Error; err != nil {
		return decimal.Zero, translate("drafted total", err)
	}
	total := decimal.Zero
	for _, a := range amounts {
		d, err := decimal.NewFromString(a)
		if err != nil {
			return decimal.Zero, fmt.Errorf("store: drafted total: amount %q: %w", a, err)
		}
		total = total.Add(d)
	}
	return total, nil
}

// limitLockSpace is the high half of the draft limit lock keys ("purser" + 0x0005…):
// apart from the funds locks, so that a limit's lock never stands in for a figure's.
const limitLockSpace int64 = 0x7075727365750000

// LockDraftLimit serialises, until the transaction ends, the drafts counted by one limit
// (key names it: a requester, or a sub-account's transfers in), so that two drafts checked
// at once cannot both fit under what is left. It must be called inside a transaction.
// Postgres takes a transaction advisory lock; SQLite's transactions begin IMMEDIATE, so
// writers are already one at a time.
func (db *DB) LockDraftLimit(ctx context.Context, key string) error {
	if !db.inTx {
		return fmt.Errorf("store: LockDraftLimit outside a transaction")
	}
	if db.dialect != DialectPostgres {
		return nil
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	err := db.gorm.WithContext(ctx).Exec("SELECT pg_advisory_xact_lock(?)", limitLockSpace|int64(h.Sum32())).Error
	return translate("lock draft limit", err)
}
