package store

import (
	"context"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/authz"
)

// The billing lists read in keyset pages (keyset.go). Each order ends in the table's key,
// so that rows tied on expiry (or status) keep one place. Migration 00060 indexes each
// order.

// expireKey orders by expiry with "never" (NULL) last, on both dialects alike: NULL reads
// as a time past every date, so the key has no NULL and compares as one row value. SQLite
// stores times as text ("2026-01-02 03:04:05.6+00:00"), which sorts as the times do.
func (db *DB) expireKey() keyCol {
	never := "'infinity'::timestamptz"
	if db.isSQLite() {
		never = "'9999-12-31 23:59:59+00:00'"
	}
	return keyCol{col: "COALESCE(expire_time, " + never + ")", mark: "COALESCE(?, " + never + ")", null: true, arg: timeArg}
}

// --- coupons ---

type couponRow struct {
	CouponID      string
	SubCouponID   string
	SubAccountID  string
	PlanName      string
	Balance       string
	EffectiveTime *time.Time
	ExpireTime    *time.Time
	UseLimits     string
	SyncedAt      time.Time
}

func (r couponRow) coupon() Coupon {
	return Coupon{CouponID: r.CouponID, SubCouponID: r.SubCouponID, SubAccountID: r.SubAccountID, PlanName: r.PlanName,
		Balance: amount(r.Balance, ""), Effective: utcPtr(r.EffectiveTime), Expire: utcPtr(r.ExpireTime), UseLimits: r.UseLimits, SyncedAt: r.SyncedAt.UTC()}
}

// couponList is by expiry (soonest first, "never" last), then the coupon's key.
func (db *DB) couponList() keysetList[couponRow, Coupon] {
	return keysetList[couponRow, Coupon]{
		op: "list coupons", from: "coupons",
		cols:  "coupon_id, sub_coupon_id, sub_account_id, plan_name, balance, effective_time, expire_time, use_limits, synced_at",
		order: keyset{name: "coupons", cols: []keyCol{db.expireKey(), {col: "sub_account_id"}, {col: "coupon_id"}, {col: "sub_coupon_id"}}},
		value: couponRow.coupon,
		key: func(c Coupon) []*string {
			return []*string{timeKey(c.Expire), textKey(c.SubAccountID), textKey(c.CouponID), textKey(c.SubCouponID)}
		},
	}
}

// PageCoupons is one page of the coupons in scope matching f, by expiry. The scope
// restricts the sub-accounts' coupons; master coupons belong to no unit and are listed
// whenever asked for (masterWide).
func (db *DB) PageCoupons(ctx context.Context, scope authz.QueryScope, f CouponFilter) (Page[Coupon], error) {
	c, err := db.couponWhere(ctx, scope, f)
	if err != nil {
		return Page[Coupon]{}, err
	}
	return db.couponList().page(ctx, db, c, f.Cursor, clampLimit(f.Limit, defaultListLimit), countExact)
}

// ListCoupons is PageCoupons' rows and total.
func (db *DB) ListCoupons(ctx context.Context, scope authz.QueryScope, f CouponFilter) ([]Coupon, int64, error) {
	p, err := db.PageCoupons(ctx, scope, f)
	return p.Items, p.Total, err
}

// ForEachCoupon calls fn for every coupon in scope matching f (Cursor and Limit ignored),
// in the list's order; fn's error stops the walk and is returned.
func (db *DB) ForEachCoupon(ctx context.Context, scope authz.QueryScope, f CouponFilter, fn func(Coupon) error) error {
	c, err := db.couponWhere(ctx, scope, f)
	if err != nil {
		return err
	}
	return db.couponList().each(ctx, db, c, fn)
}

func (db *DB) couponWhere(ctx context.Context, scope authz.QueryScope, f CouponFilter) (*conds, error) {
	c := &conds{}
	switch {
	case f.SubAccountID != "":
		c.add("sub_account_id = ?", f.SubAccountID)
	case !f.AllHolders:
		c.add("sub_account_id = ''")
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		c.add(`search_text LIKE ? ESCAPE '\'`, likeContains(q))
	}
	if f.MasterAccountID != "" {
		c.add("((sub_account_id = '' AND master_account_id = ?) OR sub_account_id IN (SELECT m.id FROM sub_accounts m WHERE m.master_account_id = ?))",
			f.MasterAccountID, f.MasterAccountID)
	}
	if len(f.HiddenMasters) > 0 {
		c.add("NOT ((sub_account_id = '' AND master_account_id IN ?) OR sub_account_id IN (SELECT h.id FROM sub_accounts h WHERE h.master_account_id IN ?))",
			f.HiddenMasters, f.HiddenMasters)
	}
	masterWide(c, scope)
	err := db.addScope(ctx, c, scope, "(sub_account_id = '' OR sub_account_id IN (SELECT s.id FROM sub_accounts s WHERE %s))", "s.org_id", "s.org_path")
	return c, err
}

// --- stored-value cards ---

type cardRow struct {
	CardID        string
	Name          string
	Status        int
	FaceValue     string
	Balance       string
	EffectiveTime *time.Time
	ExpireTime    *time.Time
	SyncedAt      time.Time
}

func (r cardRow) card() StoredValueCard {
	return StoredValueCard{CardID: r.CardID, Name: r.Name, Status: r.Status, FaceValue: amount(r.FaceValue, ""), Balance: amount(r.Balance, ""),
		Effective: utcPtr(r.EffectiveTime), Expire: utcPtr(r.ExpireTime), SyncedAt: r.SyncedAt.UTC()}
}

// cardList is usable first (status 1, then 2), then by expiry.
func (db *DB) cardList() keysetList[cardRow, StoredValueCard] {
	return keysetList[cardRow, StoredValueCard]{
		op: "list cards", from: "stored_value_cards",
		cols:  "card_id, name, status, face_value, balance, effective_time, expire_time, synced_at",
		order: keyset{name: "cards", cols: []keyCol{{col: "status", arg: intArg}, db.expireKey(), {col: "card_id"}}},
		value: cardRow.card,
		key: func(c StoredValueCard) []*string {
			return []*string{intKey(c.Status), timeKey(c.Expire), textKey(c.CardID)}
		},
	}
}

// PageCards is one page of the stored-value cards in scope matching f. Cards are the
// master's as a whole (masterWide).
func (db *DB) PageCards(ctx context.Context, scope authz.QueryScope, f CardFilter) (Page[StoredValueCard], error) {
	return db.cardList().page(ctx, db, cardWhere(scope, f), f.Cursor, clampLimit(f.Limit, defaultListLimit), countExact)
}

// ForEachCard calls fn for every card in scope matching f (Cursor and Limit ignored).
func (db *DB) ForEachCard(ctx context.Context, scope authz.QueryScope, f CardFilter, fn func(StoredValueCard) error) error {
	return db.cardList().each(ctx, db, cardWhere(scope, f), fn)
}

func cardWhere(scope authz.QueryScope, f CardFilter) *conds {
	c := &conds{}
	masterWide(c, scope)
	if f.Status != 0 {
		c.add("status = ?", f.Status)
	}
	if f.MasterAccountID != "" {
		c.add("master_account_id = ?", f.MasterAccountID)
	}
	hideMasters(c, "master_account_id", f.HiddenMasters)
	return c
}

// --- resources ---

type resourceRow struct {
	AccountID        string
	ResourceID       string
	Name             string
	Region           string
	ServiceType      string
	ServiceTypeName  string
	ResourceType     string
	ResourceTypeName string
	SpecDesc         string
	ParentID         string
	IsMain           bool
	Status           int
	EffectiveTime    *time.Time
	ExpireTime       *time.Time
	ExpirePolicy     int
	SyncedAt         time.Time
}

func (r resourceRow) resource() Resource {
	return Resource{ResourceID: r.ResourceID, AccountID: r.AccountID, Name: r.Name, Region: r.Region, ServiceType: r.ServiceType,
		ServiceTypeName: r.ServiceTypeName, ResourceType: r.ResourceType, ResourceTypeName: r.ResourceTypeName, SpecDesc: r.SpecDesc,
		ParentID: r.ParentID, IsMain: r.IsMain, Status: r.Status, Effective: utcPtr(r.EffectiveTime), Expire: utcPtr(r.ExpireTime),
		ExpirePolicy: r.ExpirePolicy, SyncedAt: r.SyncedAt.UTC()}
}

// resourceList is by expiry, soonest first.
func (db *DB) resourceList() keysetList[resourceRow, Resource] {
	return keysetList[resourceRow, Resource]{
		op: "list resources", from: "resources",
		cols: "account_id, resource_id, name, region, service_type, service_type_name, resource_type, resource_type_name, spec_desc, parent_id, " +
			"is_main, status, effective_time, expire_time, expire_policy, synced_at",
		order: keyset{name: "resources", cols: []keyCol{db.expireKey(), {col: "resource_id"}, {col: "account_id"}}},
		value: resourceRow.resource,
		key: func(r Resource) []*string {
			return []*string{timeKey(r.Expire), textKey(r.ResourceID), textKey(r.AccountID)}
		},
	}
}

// PageResources is one page of the cached resources in scope matching f, by expiry.
func (db *DB) PageResources(ctx context.Context, scope authz.QueryScope, f ResourceFilter) (Page[Resource], error) {
	c, err := db.resourceWhere(ctx, scope, f)
	if err != nil {
		return Page[Resource]{}, err
	}
	return db.resourceList().page(ctx, db, c, f.Cursor, clampLimit(f.Limit, defaultListLimit), countExact)
}

// ListResources is PageResources' rows and total.
func (db *DB) ListResources(ctx context.Context, scope authz.QueryScope, f ResourceFilter) ([]Resource, int64, error) {
	p, err := db.PageResources(ctx, scope, f)
	return p.Items, p.Total, err
}

// ForEachResource calls fn for every resource in scope matching f (Cursor and Limit
// ignored).
func (db *DB) ForEachResource(ctx context.Context, scope authz.QueryScope, f ResourceFilter, fn func(Resource) error) error {
	c, err := db.resourceWhere(ctx, scope, f)
	if err != nil {
		return err
	}
	return db.resourceList().each(ctx, db, c, fn)
}

func (db *DB) resourceWhere(ctx context.Context, scope authz.QueryScope, f ResourceFilter) (*conds, error) {
	c := &conds{}
	if err := db.resourceScope(ctx, c, scope); err != nil {
		return nil, err
	}
	if f.AccountID != "" {
		c.add("account_id = ?", f.AccountID)
	}
	if f.MasterAccountID != "" {
		c.add("(account_id = ? OR account_id IN (SELECT m.id FROM sub_accounts m WHERE m.master_account_id = ?))", f.MasterAccountID, f.MasterAccountID)
	}
	if len(f.HiddenMasters) > 0 {
		c.add("account_id NOT IN ? AND account_id NOT IN (SELECT h.id FROM sub_accounts h WHERE h.master_account_id IN ?)", f.HiddenMasters, f.HiddenMasters)
	}
	if f.ServiceType != "" {
		c.add("service_type = ?", f.ServiceType)
	}
	if f.Region != "" {
		c.add("region = ?", f.Region)
	}
	if f.Status != 0 {
		c.add("status = ?", f.Status)
	}
	if f.ExpiringUntil != nil {
		c.add("expire_time <= ?", utc(*f.ExpiringUntil))
	}
	if f.MainOnly {
		c.add("is_main = ?", true)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		c.add(`search_text LIKE ? ESCAPE '\'`, likeContains(q))
	}
	return c, nil
}

// --- resource packages ---

type packageRow struct {
	FreeResourceID  string
	PackageID       string
	ProductName     string
	ServiceType     string
	ServiceTypeName string
	Region          string
	UsageTypeName   string
	Status          int
	Original        string
	Remaining       string
	MeasureID       int
	EffectiveTime   *time.Time
	ExpireTime      *time.Time
	SyncedAt        time.Time
}

func (r packageRow) usage() PackageUsage {
	return PackageUsage{FreeResourceID: r.FreeResourceID, PackageID: r.PackageID, ProductName: r.ProductName, ServiceType: r.ServiceType,
		ServiceTypeName: r.ServiceTypeName, Region: r.Region, UsageTypeName: r.UsageTypeName, Status: r.Status,
		Original: decimalOf(r.Original), Remaining: decimalOf(r.Remaining), MeasureID: r.MeasureID,
		Effective: utcPtr(r.EffectiveTime), Expire: utcPtr(r.ExpireTime), SyncedAt: r.SyncedAt.UTC()}
}

// packageList is by expiry; the quantities are read as text (NUMERIC on Postgres).
func (db *DB) packageList() keysetList[packageRow, PackageUsage] {
	return keysetList[packageRow, PackageUsage]{
		op: "list package usages", from: "resource_package_usages",
		cols: "free_resource_id, package_id, product_name, service_type, service_type_name, region, usage_type_name, status, " +
			castText(db, "original") + " AS original, " + castText(db, "remaining") + " AS remaining, measure_id, effective_time, expire_time, synced_at",
		order: keyset{name: "packages", cols: []keyCol{db.expireKey(), {col: "free_resource_id"}}},
		value: packageRow.usage,
		key:   func(u PackageUsage) []*string { return []*string{timeKey(u.Expire), textKey(u.FreeResourceID)} },
	}
}

// PagePackageUsages is one page of the resource-package free resources in scope matching
// f, by expiry. Packages are the master's as a whole (masterWide).
func (db *DB) PagePackageUsages(ctx context.Context, scope authz.QueryScope, f PackageFilter) (Page[PackageUsage], error) {
	return db.packageList().page(ctx, db, packageWhere(scope, f), f.Cursor, clampLimit(f.Limit, defaultListLimit), countExact)
}

// ForEachPackageUsage calls fn for every package usage in scope matching f (Cursor and
// Limit ignored).
func (db *DB) ForEachPackageUsage(ctx context.Context, scope authz.QueryScope, f PackageFilter, fn func(PackageUsage) error) error {
	return db.packageList().each(ctx, db, packageWhere(scope, f), fn)
}

func packageWhere(scope authz.QueryScope, f PackageFilter) *conds {
	c := &conds{}
	masterWide(c, scope)
	if f.MasterAccountID != "" {
		c.add("master_account_id = ?", f.MasterAccountID)
	}
	hideMasters(c, "master_account_id", f.HiddenMasters)
	if q := strings.TrimSpace(f.Q); q != "" {
		c.add(`search_text LIKE ? ESCAPE '\'`, likeContains(q))
	}
	return c
}

// --- catalogues ---

type catalogRow struct {
	Kind        string
	Lang        string
	Code        string
	Parent      string
	Name        string
	Description string
	Extra       string
	SyncedAt    time.Time
}

func (r catalogRow) entry() CatalogEntry {
	return CatalogEntry{Kind: r.Kind, Lang: r.Lang, Code: r.Code, Parent: r.Parent, Name: r.Name, Description: r.Description, Extra: r.Extra, SyncedAt: r.SyncedAt.UTC()}
}

// catalogList is by code (one catalogue: the kind is always given).
var catalogList = keysetList[catalogRow, CatalogEntry]{
	op: "list catalogue", from: "catalog_entries",
	cols:  "kind, lang, code, parent, name, description, extra, synced_at",
	order: keyset{name: "catalog", cols: []keyCol{{col: "code"}, {col: "parent"}, {col: "lang"}}},
	value: catalogRow.entry,
	key: func(e CatalogEntry) []*string {
		return []*string{textKey(e.Code), textKey(e.Parent), textKey(e.Lang)}
	},
}

// PageCatalog is one page of one catalogue matching f. The catalogue is the cloud's,
// owned by no account: it takes no scope.
func (db *DB) PageCatalog(ctx context.Context, f CatalogFilter) (Page[CatalogEntry], error) {
	return catalogList.page(ctx, db, catalogWhere(f), f.Cursor, clampLimit(f.Limit, defaultListLimit), countExact)
}

// ForEachCatalogEntry calls fn for every entry matching f (Cursor and Limit ignored).
func (db *DB) ForEachCatalogEntry(ctx context.Context, f CatalogFilter, fn func(CatalogEntry) error) error {
	return catalogList.each(ctx, db, catalogWhere(f), fn)
}

func catalogWhere(f CatalogFilter) *conds {
	c := &conds{}
	c.add("kind = ?", f.Kind)
	if f.Lang != "" {
		c.add("lang = ?", f.Lang)
	}
	if f.Parent != "" {
		c.add("parent = ?", f.Parent)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		c.add(`search_text LIKE ? ESCAPE '\'`, likeContains(q))
	}
	return c
}
