package readmodel

import (
	"context"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
)

// The billing lists: coupons, stored-value cards, resources, resource packages and the
// catalogue. Offset pages (their sizes are modest); the scope is the store's to apply.

// exportPage is the page size used to walk a list for an export.
const exportPage = 500

// CouponPage is a page of coupons with the sub-accounts holding them.
type CouponPage struct {
	Page[store.Coupon]
	Holders map[string]*store.SubAccount
}

// Coupons lists the coupons in scope that match f.
func (r *Reader) Coupons(ctx context.Context, scope authz.QueryScope, f store.CouponFilter) (CouponPage, error) {
	rows, total, err := r.db.ListCoupons(ctx, scope, f)
	if err != nil {
		return CouponPage{}, err
	}
	h, err := holdersOf(ctx, r, rows, func(c store.Coupon) string { return c.SubAccountID })
	return CouponPage{Page[store.Coupon]{rows, total}, h}, err
}

// EachCoupon calls fn for every coupon in scope that matches f (offset and limit ignored).
func (r *Reader) EachCoupon(ctx context.Context, scope authz.QueryScope, f store.CouponFilter, fn func(store.Coupon) error) error {
	return walk(func(off int) ([]store.Coupon, error) {
		f.Offset, f.Limit = off, exportPage
		rows, _, err := r.db.ListCoupons(ctx, scope, f)
		return rows, err
	}, fn)
}

// CardFilter narrows the stored-value cards.
type CardFilter struct {
	Master        string // "" = every master
	HiddenMasters []string
	Status        int // 0: any
	Offset, Limit int
}

// Cards lists the stored-value cards in scope that match f.
func (r *Reader) Cards(ctx context.Context, scope authz.QueryScope, f CardFilter) (Page[store.StoredValueCard], error) {
	rows, total, err := r.db.ListCardsOf(ctx, scope, f.Master, f.Status, f.Offset, f.Limit, f.HiddenMasters...)
	return Page[store.StoredValueCard]{rows, total}, err
}

// EachCard calls fn for every card in scope that matches f (offset and limit ignored).
func (r *Reader) EachCard(ctx context.Context, scope authz.QueryScope, f CardFilter, fn func(store.StoredValueCard) error) error {
	return walk(func(off int) ([]store.StoredValueCard, error) {
		f.Offset, f.Limit = off, exportPage
		p, err := r.Cards(ctx, scope, f)
		return p.Rows, err
	}, fn)
}

// PackageFilter narrows the resource packages.
type PackageFilter struct {
	Master        string // "" = every master
	HiddenMasters []string
	Q             string // product, usage type or service name
	Offset, Limit int
}

// Packages lists the resource-package usages in scope that match f.
func (r *Reader) Packages(ctx context.Context, scope authz.QueryScope, f PackageFilter) (Page[store.PackageUsage], error) {
	rows, total, err := r.db.ListPackageUsagesOf(ctx, scope, f.Master, f.Q, f.Offset, f.Limit, f.HiddenMasters...)
	return Page[store.PackageUsage]{rows, total}, err
}

// EachPackage calls fn for every package usage in scope that matches f (offset and limit
// ignored).
func (r *Reader) EachPackage(ctx context.Context, scope authz.QueryScope, f PackageFilter, fn func(store.PackageUsage) error) error {
	return walk(func(off int) ([]store.PackageUsage, error) {
		f.Offset, f.Limit = off, exportPage
		p, err := r.Packages(ctx, scope, f)
		return p.Rows, err
	}, fn)
}

// CatalogFilter narrows one catalogue.
type CatalogFilter struct {
	Kind, Lang    string
	Parent, Q     string // "" = any
	Offset, Limit int
}

// Catalog lists catalogue entries. The catalogue is the cloud's product catalogue, owned
// by no account: it takes no scope.
func (r *Reader) Catalog(ctx context.Context, f CatalogFilter) (Page[store.CatalogEntry], error) {
	rows, total, err := r.db.ListCatalog(ctx, f.Kind, f.Lang, f.Parent, f.Q, f.Offset, f.Limit)
	return Page[store.CatalogEntry]{rows, total}, err
}

// EachCatalogEntry calls fn for every entry that matches f (offset and limit ignored).
func (r *Reader) EachCatalogEntry(ctx context.Context, f CatalogFilter, fn func(store.CatalogEntry) error) error {
	return walk(func(off int) ([]store.CatalogEntry, error) {
		f.Offset, f.Limit = off, exportPage
		p, err := r.Catalog(ctx, f)
		return p.Rows, err
	}, fn)
}

// ServiceNames names the catalogue's service types in one language (CatalogFilter.Lang:
// "zh_CN" or "en_US"), code → name, for the lists that offer service types by code. The
// catalogue changes only when it is synced: kept like the aggregates (Cache).
func (r *Reader) ServiceNames(ctx context.Context, lang string) (map[string]string, error) {
	return Cached(r.cache, "service-names\x00"+lang, func() (map[string]string, error) {
		names := map[string]string{}
		err := r.EachCatalogEntry(ctx, CatalogFilter{Kind: "service_type", Lang: lang}, func(e store.CatalogEntry) error {
			if names[e.Code] == "" {
				names[e.Code] = e.Name
			}
			return nil
		})
		return names, err
	})
}

// ResourcePage is a page of resources with their holders and the filter's choices, all
// within the scope: the choices lead only to rows the subject may see.
type ResourcePage struct {
	Page[store.Resource]
	// Holders are the sub-accounts owning the rows and the accounts (nil: a master).
	Holders map[string]*store.SubAccount
	// Services and Regions are the distinct service types and regions in scope.
	Services, Regions []string
	// Accounts are the accounts owning resources in scope.
	Accounts []string
}

// Resources lists the resources in scope that match f, with the filter's choices.
func (r *Reader) Resources(ctx context.Context, scope authz.QueryScope, f store.ResourceFilter) (ResourcePage, error) {
	var p ResourcePage
	var err error
	if p.Rows, p.Total, err = r.db.ListResources(ctx, scope, f); err != nil {
		return p, err
	}
	if p.Services, p.Regions, err = r.db.ResourceFacets(ctx, scope); err != nil {
		return p, err
	}
	if p.Accounts, err = r.db.ResourceAccounts(ctx, scope); err != nil {
		return p, err
	}
	p.Holders, err = holdersOf(ctx, r, p.Rows, resourceAccount, p.Accounts...)
	return p, err
}

func resourceAccount(x store.Resource) string { return x.AccountID }

// EachResource calls fn for every resource in scope that matches f (offset and limit
// ignored).
func (r *Reader) EachResource(ctx context.Context, scope authz.QueryScope, f store.ResourceFilter, fn func(store.Resource) error) error {
	return walk(func(off int) ([]store.Resource, error) {
		f.Offset, f.Limit = off, exportPage
		rows, _, err := r.db.ListResources(ctx, scope, f)
		return rows, err
	}, fn)
}

// walk reads pages of exportPage rows from offset 0 until a short page, calling fn on
// each row; the first error stops it.
func walk[T any](page func(offset int) ([]T, error), fn func(T) error) error {
	for off := 0; ; off += exportPage {
		rows, err := page(off)
		if err != nil {
			return err
		}
		for _, x := range rows {
			if err := fn(x); err != nil {
				return err
			}
		}
		if len(rows) < exportPage {
			return nil
		}
	}
}
