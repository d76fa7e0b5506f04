// Package bss is Purser's client of the Huawei Cloud BSS API. Upstream is the interface
// the rest of Purser uses, in domain types; Client implements it over the official SDK
// (v2) and the SDK's signer (legacy v1.0). SDK types never leave this package.
package bss

import (
	"context"

	"github.com/purser-finance/purser/internal/money"
)

// Upstream has one method per operation of UPSTREAM-API.md. Every error is an *Error.
type Upstream interface {
	// Ping is a cheap read for readiness checks.
	Ping(ctx context.Context) error

	// Enterprise multi-account. The four marked (both) go to v2 or legacy by Config.Generation.
	ListSubAccounts(ctx context.Context, q SubAccountQuery) (SubAccountPage, error) // (both)
	ListOrganizations(ctx context.Context, q OrgQuery) (OrgTree, error)
	TransferableAmounts(ctx context.Context, bt BalanceType, p Page) (AmountPage, error)                  // (both)
	RecoverableAmounts(ctx context.Context, sub SubAccountID, bt BalanceType, p Page) (AmountPage, error) // (both)
	Transfer(ctx context.Context, m Movement) error                                                       // (both)
	Recover(ctx context.Context, m Movement) error                                                        // (both)
	TransferableCoupons(ctx context.Context, p Page) (CouponPage, error)
	RecoverableCoupons(ctx context.Context, sub SubAccountID, p Page) (CouponPage, error)
	AllocateCoupon(ctx context.Context, a CouponAllocation) (SubCouponID, error)
	RecoverCoupon(ctx context.Context, r CouponRecovery) (recovered money.Amount, err error)

	// The signing account's own money.
	AccountBalances(ctx context.Context) (Balances, error)
	StoredValueCards(ctx context.Context, q CardQuery) (CardPage, error)

	// Yearly/monthly resources of the signing account, and their orders.
	Resources(ctx context.Context, q ResourceQuery) (ResourcePage, error)
	Renew(ctx context.Context, r RenewRequest) (OrderResult, error)
	Unsubscribe(ctx context.Context, r UnsubscribeRequest) (OrderResult, error)
	ToOnDemand(ctx context.Context, r ToOnDemandRequest) ([]ResourceFailure, error)
	SetAutoRenew(ctx context.Context, r AutoRenewRequest) error
	CancelAutoRenew(ctx context.Context, id ResourceID) error
	Orders(ctx context.Context, q OrderQuery) (OrderPage, error)
	Order(ctx context.Context, id OrderID, p Page) (OrderDetail, error)
	OrderResources(ctx context.Context, id OrderID, p Page) (OrderResourcePage, error) // legacy only

	// Resource packages.
	ResourcePackages(ctx context.Context, q PackageQuery) (PackagePage, error)
	ResourcePackageUsages(ctx context.Context, freeResourceIDs []string) ([]PackageUsage, error)

	// Catalogues, in the user's language.
	ServiceTypes(ctx context.Context, q CatalogQuery) ([]ServiceType, int, error)
	ResourceTypes(ctx context.Context, q CatalogQuery) ([]ResourceType, int, error)
	ServiceResources(ctx context.Context, serviceType string, q CatalogQuery) ([]ServiceResource, int, error)
	UsageTypes(ctx context.Context, resourceType string, q CatalogQuery) ([]UsageType, int, error)
}
