package web

import "github.com/purser-finance/purser/internal/authz"

// readRoutes are the read side: the synced cache's pages, exports and JSON API.
func (s *Server) readRoutes() []route {
	return []route{
		{method: "GET", path: "/sub-accounts", action: authz.ViewSubAccounts, handle: s.subAccountList},
		{method: "GET", path: "/sub-accounts/units", action: authz.ViewSubAccounts, handle: s.orgSuggest},
		{method: "GET", path: "/sub-accounts/export", action: authz.ExportData, handle: s.exportList("sub-accounts", s.exportSubAccounts)},
		{method: "GET", path: "/sub-accounts/:id", action: authz.ViewSubAccounts, handle: s.subAccountDetail},
		{method: "POST", path: "/sub-accounts/:id/threshold", action: authz.SetThreshold, handle: s.setThreshold},
		{method: "GET", path: "/coupons", action: authz.ViewBilling, handle: s.couponList},
		{method: "GET", path: "/coupons/export", action: authz.ExportData, handle: s.exportList("coupons", s.exportCoupons)},
		{method: "GET", path: "/cards", action: authz.ViewBilling, handle: s.cardList},
		{method: "GET", path: "/cards/export", action: authz.ExportData, handle: s.exportList("cards", s.exportCards)},
		{method: "GET", path: "/resources", action: authz.ViewBilling, handle: s.resourceList},
		{method: "GET", path: "/resources/export", action: authz.ExportData, handle: s.exportList("resources", s.exportResources)},
		{method: "GET", path: "/packages", action: authz.ViewBilling, handle: s.packageList},
		{method: "GET", path: "/packages/export", action: authz.ExportData, handle: s.exportList("packages", s.exportPackages)},
		{method: "GET", path: "/catalog", action: authz.ViewBilling, handle: s.catalogList},
		{method: "GET", path: "/catalog/export", action: authz.ExportData, handle: s.exportList("catalog", s.exportCatalog)},
		{method: "POST", path: "/sync", action: authz.RunSync, handle: s.syncNow},

		// JSON API.
		{method: "GET", path: "/api/v1/sub-accounts", action: authz.ViewSubAccounts, handle: s.apiSubAccounts},
		{method: "GET", path: "/api/v1/sub-accounts/:id", action: authz.ViewSubAccounts, handle: s.apiSubAccount},
		{method: "GET", path: "/api/v1/master/balances", action: authz.ViewBilling, handle: s.apiMasterBalances},
		{method: "POST", path: "/api/v1/sync", action: authz.RunSync, handle: s.apiSync},
	}
}
