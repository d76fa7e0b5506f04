package readmodel

import (
	"context"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
)

// The billing lists: coupons, stored-value cards, resources, resource packages and the
// catalogue, in keyset pages both ways (the filter's Cursor); the scope is the store's to
// apply. The walks (exports) read every match in the lists' order.

// CouponPage is a page of coupons with the sub-accounts holding them.
type CouponPage struct {
	store.Page[store.Coupon]
	Holders map[string]*store.SubAccount
}

// Coupons lists the coupons in scope that match f.
func (r *Reader) Coupons(ctx context.Context, scope authz.QueryScope, f store.CouponFilter) (CouponPage, error) {
	p, err := r.db.PageCoupons(ctx, scope, f)
	if err != nil {
		return CouponPage{}, err
	}
	h, err := holdersOf(ctx, r, p.Items, func(c store.Coupon) string { return c.SubAccountID })
	return CouponPage{p, h}, err
}

// EachCoupon calls fn for every coupon in scope that matches f (cursor and limit ignored).
func (r *Reader) EachCoupon(ctx context.Context, scope authz.QueryScope, f store.CouponFilter, fn func(store.Coupon) error) error {
	return r.db.ForEachCoupon(ctx, scope, f, fn)
}

// Cards lists the stored-value cards in scope that match f.
func (r *Reader) Cards(ctx context.Context, scope authz.QueryScope, f store.CardFilter) (store.Page[store.StoredValueCard], error) {
	return r.db.PageCards(ctx, scope, f)
}

// EachCard calls fn for every card in scope that matches f (cursor and limit ignored).
func (r *Reader) EachCard(ctx context.Context, scope authz.QueryScope, f store.CardFilter, fn func(store.StoredValueCard) error) error {
	return r.db.ForEachCard(ctx, scope, f, fn)
}

// Packages lists the resource-package usages in scope that match f.
func (r *Reader) Packages(ctx context.Context, scope authz.QueryScope, f store.PackageFilter) (store.Page[store.PackageUsage], error) {
	return r.db.PagePackageUsages(ctx, scope, f)
}

// EachPackage calls fn for every package usage in scope that matches f (cursor and limit
// ignored).
func (r *Reader) EachPackage(ctx context.Context, scope authz.QueryScope, f store.PackageFilter, fn func(store.PackageUsage) error) error {
	return r.db.ForEachPackageUsage(ctx, scope, f, fn)
}

// Catalog lists catalogue entries. The catalogue is the cloud's product catalogue, owned
// by no account: it takes no scope.
func (r *Reader) Catalog(ctx context.Context, f store.CatalogFilter) (store.Page[store.CatalogEntry], error) {
	return r.db.PageCatalog(ctx, f)
}

// EachCatalogEntry calls fn for every entry that matches f (cursor and limit ignored).
func (r *Reader) EachCatalogEntry(ctx context.Context, f store.CatalogFilter, fn func(store.CatalogEntry) error) error {
	return r.db.ForEachCatalogEntry(ctx, f, fn)
}

// ServiceNames names the catalogue's service types in one language (store.CatalogFilter's
// Lang: "zh_CN" or "en_US"), code → name, for the lists that offer service types by code.
// The catalogue changes only when it is synced: kept like the aggregates (Cache).
func (r *Reader) ServiceNames(ctx context.Context, lang string) (map[string]string, error) {
	return Cached(r.cache, "service-names\x00"+lang, func() (map[string]string, error) {
		names := map[string]string{}
		err := r.EachCatalogEntry(ctx, store.CatalogFilter{Kind: store.CatalogServiceType, Lang: lang}, func(e store.CatalogEntry) error {
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
	store.Page[store.Resource]
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
	if p.Page, err = r.db.PageResources(ctx, scope, f); err != nil {
		return p, err
	}
	if p.Services, p.Regions, err = r.db.ResourceFacets(ctx, scope); err != nil {
		return p, err
	}
	if p.Accounts, err = r.db.ResourceAccounts(ctx, scope); err != nil {
		return p, err
	}
	p.Holders, err = holdersOf(ctx, r, p.Items, resourceAccount, p.Accounts...)
	return p, err
}

func resourceAccount(x store.Resource) string { return x.AccountID }

// EachResource calls fn for every resource in scope that matches f (cursor and limit
// ignored).
func (r *Reader) EachResource(ctx context.Context, scope authz.QueryScope, f store.ResourceFilter, fn func(store.Resource) error) error {
	return r.db.ForEachResource(ctx, scope, f, fn)
}
