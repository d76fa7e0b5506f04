package readweb

import (
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// Routes are the read side: the dashboard, the synced cache's pages, exports and JSON
// API. Exports are audited (export.download), refreshes too (sync.request), and a
// threshold change with the change itself.
func (a *Area) Routes() []webcore.Route {
	return []webcore.Route{
		{Method: "GET", Path: "/", Action: authz.ViewDashboard, Handle: a.dashboardPage},
		{Method: "GET", Path: "/sub-accounts", Action: authz.ViewSubAccounts, Handle: a.subAccountList},
		{Method: "GET", Path: "/sub-accounts/units", Action: authz.ViewSubAccounts, Handle: a.orgSuggest},
		{Method: "GET", Path: "/sub-accounts/export", Action: authz.ExportData, Handle: a.exportList("sub-accounts", a.exportSubAccounts)},
		{Method: "GET", Path: "/sub-accounts/:id", Action: authz.ViewSubAccounts, Handle: a.subAccountDetail},
		{Method: "POST", Path: "/sub-accounts/:id/threshold", Action: authz.SetThreshold, Handle: a.setThreshold},
		{Method: "GET", Path: "/coupons", Action: authz.ViewBilling, Handle: a.couponList},
		{Method: "GET", Path: "/coupons/export", Action: authz.ExportData, Handle: a.exportList("coupons", a.exportCoupons)},
		{Method: "GET", Path: "/cards", Action: authz.ViewBilling, Handle: a.cardList},
		{Method: "GET", Path: "/cards/export", Action: authz.ExportData, Handle: a.exportList("cards", a.exportCards)},
		{Method: "GET", Path: "/resources", Action: authz.ViewBilling, Handle: a.resourceList},
		{Method: "GET", Path: "/resources/export", Action: authz.ExportData, Handle: a.exportList("resources", a.exportResources)},
		{Method: "GET", Path: "/packages", Action: authz.ViewBilling, Handle: a.packageList},
		{Method: "GET", Path: "/packages/export", Action: authz.ExportData, Handle: a.exportList("packages", a.exportPackages)},
		{Method: "GET", Path: "/catalog", Action: authz.ViewBilling, Handle: a.catalogList},
		{Method: "GET", Path: "/catalog/export", Action: authz.ExportData, Handle: a.exportList("catalog", a.exportCatalog)},
		{Method: "POST", Path: "/sync", Action: authz.RunSync, Handle: a.syncNow},

		// JSON API.
		{Method: "GET", Path: "/api/v1/sub-accounts", Action: authz.ViewSubAccounts, Handle: a.apiSubAccounts},
		{Method: "GET", Path: "/api/v1/sub-accounts/:id", Action: authz.ViewSubAccounts, Handle: a.apiSubAccount},
		{Method: "GET", Path: "/api/v1/master/balances", Action: authz.ViewBilling, Handle: a.apiMasterBalances},
		{Method: "POST", Path: "/api/v1/sync", Action: authz.RunSync, Handle: a.apiSync},
	}
}
