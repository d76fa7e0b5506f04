package store

import (
	"context"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/authz"
)

// Coupons, stored-value cards, resources, resource-package usages and catalogues: lists
// that sync replaces wholesale (rows not in the latest complete read are gone) and pages
// read with offset paging (they are small next to the sub-account list).

var (
	couponCols   = []string{"coupon_id", "sub_coupon_id", "sub_account_id", "plan_name", "search_text", "balance", "effective_time", "expire_time", "use_limits", "synced_at"}
	couponKey    = []string{"sub_account_id", "coupon_id", "sub_coupon_id"}
	couponUpdate = []string{"plan_name", "search_text", "balance", "effective_time", "expire_time", "use_limits", "synced_at"}
)

func couponValues(c Coupon, at time.Time) []any {
	limits := c.UseLimits
	if limits == "" {
		limits = "[]"
	}
	return []any{c.CouponID, c.SubCouponID, c.SubAccountID, c.PlanName, searchText(c.PlanName), c.Balance.String(),
		nullTime(c.Effective), nullTime(c.Expire), limits, utc(at)}
}

// expireOrder sorts by expiry with "never" last on both dialects (SQLite puts NULL first).
const expireOrder = "(expire_time IS NULL), expire_time"

// ReplaceMasterCoupons replaces master's transferable coupons (and untagged ones cached
// before several masters were supported). A sub-account's coupons carry no master of
// their own: the sub-account's row says which it is.
func (db *DB) ReplaceMasterCoupons(ctx context.Context, master string, coupons []Coupon, at time.Time) error {
	rows := make([][]any, len(coupons))
	for i, c := range coupons {
		c.SubAccountID, c.SubCouponID = "", ""
		rows[i] = couponValues(c, at)
	}
	return db.InTx(ctx, func(tx *DB) error {
		g := tx.gorm.WithContext(ctx)
		if err := g.Exec(`DELETE FROM coupons WHERE sub_account_id = '' AND master_account_id IN (?, '')`, master).Error; err != nil {
			return translate("clear master coupons", err)
		}
		if err := tx.upsert(ctx, "coupons", couponCols, couponKey, couponUpdate, rows); err != nil {
			return err
		}
		err := g.Exec(`UPDATE coupons SET master_account_id = ? WHERE sub_account_id = '' AND master_account_id = ''`, master).Error
		return translate("tag master coupons", err)
	})
}

// ListCoupons lists coupons by expiry (soonest first, "never" last). The scope restricts
// the sub-accounts' coupons; master coupons belong to no unit and are listed whenever
// asked for (masterWide).
func (db *DB) ListCoupons(ctx context.Context, scope authz.QueryScope, f CouponFilter) ([]Coupon, int64, error) {
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
	if err := db.addScope(ctx, c, scope, "(sub_account_id = '' OR sub_account_id IN (SELECT s.id FROM sub_accounts s WHERE %s))", "s.org_id", "s.org_path"); err != nil {
		return nil, 0, err
	}
	var rows []struct {
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
	q := "SELECT coupon_id, sub_coupon_id, sub_account_id, plan_name, balance, effective_time, expire_time, use_limits, synced_at FROM coupons WHERE " +
		c.sql() + " ORDER BY " + expireOrder + ", sub_account_id, coupon_id, sub_coupon_id LIMIT ? OFFSET ?"
	if err := db.gorm.WithContext(ctx).Raw(q, append(c.args, clampLimit(f.Limit, defaultListLimit), clampOffset(f.Offset))...).Scan(&rows).Error; err != nil {
		return nil, 0, translate("list coupons", err)
	}
	total, err := db.count(ctx, "count coupons", "SELECT COUNT(*) FROM coupons WHERE "+c.sql(), c.args...)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Coupon, len(rows))
	for i, r := range rows {
		out[i] = Coupon{CouponID: r.CouponID, SubCouponID: r.SubCouponID, SubAccountID: r.SubAccountID, PlanName: r.PlanName,
			Balance: amount(r.Balance, ""), Effective: utcPtr(r.EffectiveTime), Expire: utcPtr(r.ExpireTime), UseLimits: r.UseLimits, SyncedAt: r.SyncedAt.UTC()}
	}
	return out, total, nil
}

// ReplaceCards replaces master's stored-value cards (usable and used up).
func (db *DB) ReplaceCards(ctx context.Context, master string, cards []StoredValueCard, at time.Time) error {
	rows := make([][]any, len(cards))
	for i, c := range cards {
		rows[i] = []any{c.CardID, c.Name, c.Status, c.FaceValue.String(), c.Balance.String(), nullTime(c.Effective), nullTime(c.Expire), utc(at), master}
	}
	return db.InTx(ctx, func(tx *DB) error {
		if err := tx.gorm.WithContext(ctx).Exec(`DELETE FROM stored_value_cards WHERE master_account_id IN (?, '')`, master).Error; err != nil {
			return translate("clear cards", err)
		}
		return tx.upsert(ctx, "stored_value_cards", []string{"card_id", "name", "status", "face_value", "balance", "effective_time", "expire_time", "synced_at", "master_account_id"},
			[]string{"card_id"}, []string{"name", "status", "face_value", "balance", "effective_time", "expire_time", "synced_at", "master_account_id"}, rows)
	})
}

// ListCards lists every stored-value card (status 0: any) usable first, then by expiry.
func (db *DB) ListCards(ctx context.Context, status, offset, limit int) ([]StoredValueCard, int64, error) {
	return db.ListCardsOf(ctx, authz.Everything, "", status, offset, limit)
}

// ListCardsOf is ListCards for one master's cards ("" = every master) within scope (cards
// are the master's as a whole: masterWide), without the hidden masters' cards.
func (db *DB) ListCardsOf(ctx context.Context, scope authz.QueryScope, master string, status, offset, limit int, hidden ...string) ([]StoredValueCard, int64, error) {
	c := &conds{}
	masterWide(c, scope)
	if status != 0 {
		c.add("status = ?", status)
	}
	if master != "" {
		c.add("master_account_id = ?", master)
	}
	hideMasters(c, "master_account_id", hidden)
	var rows []struct {
		CardID        string
		Name          string
		Status        int
		FaceValue     string
		Balance       string
		EffectiveTime *time.Time
		ExpireTime    *time.Time
		SyncedAt      time.Time
	}
	q := "SELECT card_id, name, status, face_value, balance, effective_time, expire_time, synced_at FROM stored_value_cards WHERE " +
		c.sql() + " ORDER BY status, " + expireOrder + ", card_id LIMIT ? OFFSET ?"
	if err := db.gorm.WithContext(ctx).Raw(q, append(c.args, clampLimit(limit, defaultListLimit), clampOffset(offset))...).Scan(&rows).Error; err != nil {
		return nil, 0, translate("list cards", err)
	}
	total, err := db.count(ctx, "count cards", "SELECT COUNT(*) FROM stored_value_cards WHERE "+c.sql(), c.args...)
	if err != nil {
		return nil, 0, err
	}
	out := make([]StoredValueCard, len(rows))
	for i, r := range rows {
		out[i] = StoredValueCard{CardID: r.CardID, Name: r.Name, Status: r.Status, FaceValue: amount(r.FaceValue, ""), Balance: amount(r.Balance, ""),
			Effective: utcPtr(r.EffectiveTime), Expire: utcPtr(r.ExpireTime), SyncedAt: r.SyncedAt.UTC()}
	}
	return out, total, nil
}

var resourceCols = []string{"account_id", "resource_id", "name", "search_text", "region", "service_type", "service_type_name", "resource_type",
	"resource_type_name", "spec_desc", "parent_id", "is_main", "status", "effective_time", "expire_time", "expire_policy", "synced_at"}

// ReplaceResources replaces the cached yearly/monthly resources of one account.
func (db *DB) ReplaceResources(ctx context.Context, accountID string, resources []Resource, at time.Time) error {
	rows := make([][]any, len(resources))
	for i, r := range resources {
		rows[i] = []any{accountID, r.ResourceID, r.Name, searchText(r.Name, r.ResourceID), r.Region, r.ServiceType, r.ServiceTypeName, r.ResourceType,
			r.ResourceTypeName, r.SpecDesc, r.ParentID, r.IsMain, r.Status, nullTime(r.Effective), nullTime(r.Expire), r.ExpirePolicy, utc(at)}
	}
	return db.InTx(ctx, func(tx *DB) error {
		if err := tx.gorm.WithContext(ctx).Exec(`DELETE FROM resources WHERE account_id = ?`, accountID).Error; err != nil {
			return translate("clear resources", err)
		}
		return tx.upsert(ctx, "resources", resourceCols, []string{"account_id", "resource_id"}, resourceCols[2:], rows)
	})
}

// RemoveSubResourcesExcept removes the cached resources of master's sub-accounts (by the
// sub-accounts' cached master) except those of the accounts in keep: the sub-accounts
// whose credential was removed or disabled. The master's own rows are never touched.
func (db *DB) RemoveSubResourcesExcept(ctx context.Context, master string, keep []string) (int64, error) {
	q := `DELETE FROM resources WHERE account_id <> ? AND account_id IN (SELECT s.id FROM sub_accounts s WHERE s.master_account_id = ?)`
	args := []any{master, master}
	if len(keep) > 0 {
		q += ` AND account_id NOT IN ?`
		args = append(args, keep)
	}
	res := db.gorm.WithContext(ctx).Exec(q, args...)
	return res.RowsAffected, translate("remove sub-account resources", res.Error)
}

// resourceScope limits resources to those of sub-accounts in scope. A master's own
// resources belong to no unit: a limited scope does not see them.
func (db *DB) resourceScope(ctx context.Context, c *conds, scope authz.QueryScope) error {
	return db.addScope(ctx, c, scope, "account_id IN (SELECT s.id FROM sub_accounts s WHERE %s)", "s.org_id", "s.org_path")
}

// ListResources lists cached resources in scope by expiry, soonest first; the total
// counts them all.
func (db *DB) ListResources(ctx context.Context, scope authz.QueryScope, f ResourceFilter) ([]Resource, int64, error) {
	c := &conds{}
	if err := db.resourceScope(ctx, c, scope); err != nil {
		return nil, 0, err
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
	var rows []struct {
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
	q := "SELECT account_id, resource_id, name, region, service_type, service_type_name, resource_type, resource_type_name, spec_desc, parent_id, is_main, status, effective_time, expire_time, expire_policy, synced_at FROM resources WHERE " +
		c.sql() + " ORDER BY " + expireOrder + ", resource_id, account_id LIMIT ? OFFSET ?"
	if err := db.gorm.WithContext(ctx).Raw(q, append(c.args, clampLimit(f.Limit, defaultListLimit), clampOffset(f.Offset))...).Scan(&rows).Error; err != nil {
		return nil, 0, translate("list resources", err)
	}
	total, err := db.count(ctx, "count resources", "SELECT COUNT(*) FROM resources WHERE "+c.sql(), c.args...)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Resource, len(rows))
	for i, r := range rows {
		out[i] = Resource{ResourceID: r.ResourceID, AccountID: r.AccountID, Name: r.Name, Region: r.Region, ServiceType: r.ServiceType,
			ServiceTypeName: r.ServiceTypeName, ResourceType: r.ResourceType, ResourceTypeName: r.ResourceTypeName, SpecDesc: r.SpecDesc,
			ParentID: r.ParentID, IsMain: r.IsMain, Status: r.Status, Effective: utcPtr(r.EffectiveTime), Expire: utcPtr(r.ExpireTime),
			ExpirePolicy: r.ExpirePolicy, SyncedAt: r.SyncedAt.UTC()}
	}
	return out, total, nil
}

// ResourceAccounts lists the distinct accounts owning cached resources in scope (the
// masters and the sub-accounts synced with their own credentials): the resources page's
// account filter.
func (db *DB) ResourceAccounts(ctx context.Context, scope authz.QueryScope) ([]string, error) {
	c := &conds{}
	if err := db.resourceScope(ctx, c, scope); err != nil {
		return nil, err
	}
	var ids []string
	err := db.gorm.WithContext(ctx).Raw(`SELECT DISTINCT account_id FROM resources WHERE `+c.sql()+` ORDER BY account_id`, c.args...).Scan(&ids).Error
	return nonNil(ids), translate("resource accounts", err)
}

// ResourceFacets lists the distinct service types and regions of the cached resources in
// scope: the filter offers only choices that lead to rows the subject may see.
func (db *DB) ResourceFacets(ctx context.Context, scope authz.QueryScope) (serviceTypes, regions []string, err error) {
	c := &conds{}
	if err := db.resourceScope(ctx, c, scope); err != nil {
		return nil, nil, err
	}
	g := db.gorm.WithContext(ctx)
	if err := g.Raw(`SELECT DISTINCT service_type FROM resources WHERE service_type <> '' AND `+c.sql()+` ORDER BY service_type`, c.args...).Scan(&serviceTypes).Error; err != nil {
		return nil, nil, translate("resource service types", err)
	}
	if err := g.Raw(`SELECT DISTINCT region FROM resources WHERE region <> '' AND `+c.sql()+` ORDER BY region`, c.args...).Scan(&regions).Error; err != nil {
		return nil, nil, translate("resource regions", err)
	}
	return nonNil(serviceTypes), nonNil(regions), nil
}

var packageCols = []string{"free_resource_id", "package_id", "product_name", "search_text", "service_type", "service_type_name", "region",
	"usage_type_name", "status", "original", "remaining", "measure_id", "effective_time", "expire_time", "synced_at"}

// ReplacePackageUsages replaces master's cached resource-package free resources and usage.
func (db *DB) ReplacePackageUsages(ctx context.Context, master string, usages []PackageUsage, at time.Time) error {
	rows := make([][]any, len(usages))
	for i, u := range usages {
		rows[i] = []any{u.FreeResourceID, u.PackageID, u.ProductName, searchText(u.ProductName, u.UsageTypeName, u.ServiceTypeName), u.ServiceType,
			u.ServiceTypeName, u.Region, u.UsageTypeName, u.Status, u.Original.String(), u.Remaining.String(), u.MeasureID,
			nullTime(u.Effective), nullTime(u.Expire), utc(at), master}
	}
	return db.InTx(ctx, func(tx *DB) error {
		if err := tx.gorm.WithContext(ctx).Exec(`DELETE FROM resource_package_usages WHERE master_account_id IN (?, '')`, master).Error; err != nil {
			return translate("clear package usages", err)
		}
		cols := append(append([]string{}, packageCols...), "master_account_id")
		return tx.upsert(ctx, "resource_package_usages", cols, []string{"free_resource_id"}, cols[1:], rows)
	})
}

// ListPackageUsages lists every resource-package free resource by expiry; q matches the
// product, usage type or service name.
func (db *DB) ListPackageUsages(ctx context.Context, q string, offset, limit int) ([]PackageUsage, int64, error) {
	return db.ListPackageUsagesOf(ctx, authz.Everything, "", q, offset, limit)
}

// ListPackageUsagesOf is ListPackageUsages for one master's packages ("" = every master)
// within scope (packages are the master's as a whole: masterWide), without the hidden
// masters' packages.
func (db *DB) ListPackageUsagesOf(ctx context.Context, scope authz.QueryScope, master, q string, offset, limit int, hidden ...string) ([]PackageUsage, int64, error) {
	c := &conds{}
	masterWide(c, scope)
	if master != "" {
		c.add("master_account_id = ?", master)
	}
	hideMasters(c, "master_account_id", hidden)
	if q = strings.TrimSpace(q); q != "" {
		c.add(`search_text LIKE ? ESCAPE '\'`, likeContains(q))
	}
	var rows []struct {
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
	sq := "SELECT free_resource_id, package_id, product_name, service_type, service_type_name, region, usage_type_name, status, " +
		castText(db, "original") + " AS original, " + castText(db, "remaining") + " AS remaining, measure_id, effective_time, expire_time, synced_at FROM resource_package_usages WHERE " +
		c.sql() + " ORDER BY " + expireOrder + ", free_resource_id LIMIT ? OFFSET ?"
	if err := db.gorm.WithContext(ctx).Raw(sq, append(c.args, clampLimit(limit, defaultListLimit), clampOffset(offset))...).Scan(&rows).Error; err != nil {
		return nil, 0, translate("list package usages", err)
	}
	total, err := db.count(ctx, "count package usages", "SELECT COUNT(*) FROM resource_package_usages WHERE "+c.sql(), c.args...)
	if err != nil {
		return nil, 0, err
	}
	out := make([]PackageUsage, len(rows))
	for i, r := range rows {
		out[i] = PackageUsage{FreeResourceID: r.FreeResourceID, PackageID: r.PackageID, ProductName: r.ProductName, ServiceType: r.ServiceType,
			ServiceTypeName: r.ServiceTypeName, Region: r.Region, UsageTypeName: r.UsageTypeName, Status: r.Status,
			Original: decimalOf(r.Original), Remaining: decimalOf(r.Remaining), MeasureID: r.MeasureID,
			Effective: utcPtr(r.EffectiveTime), Expire: utcPtr(r.ExpireTime), SyncedAt: r.SyncedAt.UTC()}
	}
	return out, total, nil
}

func castText(db *DB, col string) string {
	if db.isSQLite() {
		return col
	}
	return col + "::text"
}

// Catalogue kinds.
const (
	CatalogServiceType     = "service_type"
	CatalogResourceType    = "resource_type"
	CatalogUsageType       = "usage_type"
	CatalogServiceResource = "service_resource"
)

// ReplaceCatalog replaces one catalogue (kind) in one language.
func (db *DB) ReplaceCatalog(ctx context.Context, kind, lang string, entries []CatalogEntry, at time.Time) error {
	cols := []string{"kind", "lang", "code", "parent", "name", "description", "extra", "search_text", "synced_at"}
	rows := make([][]any, len(entries))
	for i, e := range entries {
		rows[i] = []any{kind, lang, e.Code, e.Parent, e.Name, e.Description, e.Extra, searchText(e.Code, e.Name), utc(at)}
	}
	return db.InTx(ctx, func(tx *DB) error {
		if err := tx.gorm.WithContext(ctx).Exec(`DELETE FROM catalog_entries WHERE kind = ? AND lang = ?`, kind, lang).Error; err != nil {
			return translate("clear catalogue", err)
		}
		return tx.upsert(ctx, "catalog_entries", cols, []string{"kind", "lang", "code", "parent"}, cols[4:], rows)
	})
}

// ListCatalog lists one catalogue in one language by code; parent and q ("" = any)
// narrow it (q matches code or name).
func (db *DB) ListCatalog(ctx context.Context, kind, lang, parent, q string, offset, limit int) ([]CatalogEntry, int64, error) {
	c := &conds{}
	c.add("kind = ?", kind)
	if lang != "" {
		c.add("lang = ?", lang)
	}
	if parent != "" {
		c.add("parent = ?", parent)
	}
	if q = strings.TrimSpace(q); q != "" {
		c.add(`search_text LIKE ? ESCAPE '\'`, likeContains(q))
	}
	var rows []struct {
		Kind        string
		Lang        string
		Code        string
		Parent      string
		Name        string
		Description string
		Extra       string
		SyncedAt    time.Time
	}
	sq := "SELECT kind, lang, code, parent, name, description, extra, synced_at FROM catalog_entries WHERE " + c.sql() + " ORDER BY code, parent, lang LIMIT ? OFFSET ?"
	if err := db.gorm.WithContext(ctx).Raw(sq, append(c.args, clampLimit(limit, defaultListLimit), clampOffset(offset))...).Scan(&rows).Error; err != nil {
		return nil, 0, translate("list catalogue", err)
	}
	total, err := db.count(ctx, "count catalogue", "SELECT COUNT(*) FROM catalog_entries WHERE "+c.sql(), c.args...)
	if err != nil {
		return nil, 0, err
	}
	out := make([]CatalogEntry, len(rows))
	for i, r := range rows {
		out[i] = CatalogEntry{Kind: r.Kind, Lang: r.Lang, Code: r.Code, Parent: r.Parent, Name: r.Name, Description: r.Description, Extra: r.Extra, SyncedAt: r.SyncedAt.UTC()}
	}
	return out, total, nil
}

// CatalogSyncedAt is when the catalogues were last replaced (nil: never).
func (db *DB) CatalogSyncedAt(ctx context.Context) (*time.Time, error) {
	var ts []time.Time
	if err := db.gorm.WithContext(ctx).Raw(`SELECT synced_at FROM catalog_entries ORDER BY synced_at DESC LIMIT 1`).Scan(&ts).Error; err != nil {
		return nil, translate("catalogue age", err)
	}
	if len(ts) == 0 {
		return nil, nil
	}
	t := ts[0].UTC()
	return &t, nil
}
