package store

import (
	"context"
	"time"

	"github.com/purser-finance/purser/internal/authz"
)

// Coupons, stored-value cards, resources, resource-package usages and catalogues: lists
// that sync replaces wholesale (rows not in the latest complete read are gone), read in
// keyset pages (cache_lists_pages.go). A replacement writes only what changed
// (replaceSet): a row read as it was cached stays as it is, its synced_at included, which
// so says when the row last changed (no page shows it; the catalogue's age, which decides
// its refresh, is renewed apart).

var couponSpec = upsertSpec{table: "coupons",
	cols:    []string{"coupon_id", "sub_coupon_id", "sub_account_id", "plan_name", "search_text", "balance", "effective_time", "expire_time", "use_limits", "synced_at"},
	key:     []string{"sub_account_id", "coupon_id", "sub_coupon_id"},
	update:  []string{"plan_name", "search_text", "balance", "effective_time", "expire_time", "use_limits", "synced_at"},
	compare: []string{"plan_name", "search_text", "balance", "effective_time", "expire_time", "use_limits"}}

// listSpec is the upsertSpec of a list whose rows hold cols, key first (keyLen columns),
// synced_at among the others: a changed row is rewritten, synced_at with it.
func listSpec(table string, cols []string, keyLen int) upsertSpec {
	u := upsertSpec{table: table, cols: cols, key: cols[:keyLen], update: cols[keyLen:]}
	for _, c := range u.update {
		if c != "synced_at" {
			u.compare = append(u.compare, c)
		}
	}
	return u
}

func couponValues(c Coupon, at time.Time) []any {
	limits := c.UseLimits
	if limits == "" {
		limits = "[]"
	}
	return []any{c.CouponID, c.SubCouponID, c.SubAccountID, c.PlanName, searchText(c.PlanName), c.Balance.String(),
		nullTime(c.Effective), nullTime(c.Expire), limits, utc(at)}
}

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
		if err := tx.replaceSet(ctx, couponSpec, `sub_account_id = '' AND master_account_id IN (?, '')`, []any{master}, rows); err != nil {
			return err
		}
		err := g.Exec(`UPDATE coupons SET master_account_id = ? WHERE sub_account_id = '' AND master_account_id = ''`, master).Error
		return translate("tag master coupons", err)
	})
}

// ReplaceCards replaces master's stored-value cards (usable and used up).
func (db *DB) ReplaceCards(ctx context.Context, master string, cards []StoredValueCard, at time.Time) error {
	rows := make([][]any, len(cards))
	for i, c := range cards {
		rows[i] = []any{c.CardID, c.Name, c.Status, c.FaceValue.String(), c.Balance.String(), nullTime(c.Effective), nullTime(c.Expire), utc(at), master}
	}
	spec := listSpec("stored_value_cards", []string{"card_id", "name", "status", "face_value", "balance", "effective_time", "expire_time", "synced_at", "master_account_id"}, 1)
	return db.InTx(ctx, func(tx *DB) error {
		return tx.replaceSet(ctx, spec, `master_account_id IN (?, '')`, []any{master}, rows)
	})
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
		return tx.replaceSet(ctx, listSpec("resources", resourceCols, 2), `account_id = ?`, []any{accountID}, rows)
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
	spec := listSpec("resource_package_usages", append(append([]string{}, packageCols...), "master_account_id"), 1)
	return db.InTx(ctx, func(tx *DB) error {
		return tx.replaceSet(ctx, spec, `master_account_id IN (?, '')`, []any{master}, rows)
	})
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

// ReplaceCatalog replaces one catalogue (kind) in one language. Its entries' synced_at
// all become at (CatalogSyncedAt, which decides the next refresh, reads it), quietly for
// the entries that did not change.
func (db *DB) ReplaceCatalog(ctx context.Context, kind, lang string, entries []CatalogEntry, at time.Time) error {
	cols := []string{"kind", "lang", "code", "parent", "name", "description", "extra", "search_text", "synced_at"}
	rows := make([][]any, len(entries))
	for i, e := range entries {
		rows[i] = []any{kind, lang, e.Code, e.Parent, e.Name, e.Description, e.Extra, searchText(e.Code, e.Name), utc(at)}
	}
	return db.InTx(ctx, func(tx *DB) error {
		if err := tx.replaceSet(ctx, listSpec("catalog_entries", cols, 4), `kind = ? AND lang = ?`, []any{kind, lang}, rows); err != nil {
			return err
		}
		err := tx.quiet(ctx).Exec(`UPDATE catalog_entries SET synced_at = ? WHERE kind = ? AND lang = ? AND synced_at <> ?`, utc(at), kind, lang, utc(at)).Error
		return translate("renew catalogue", err)
	})
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
