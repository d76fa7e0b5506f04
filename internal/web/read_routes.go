package web

import "github.com/purser-finance/purser/internal/authz"

// readRoutes are the read side: the synced cache's pages, exports and JSON API.
func (s *Server) readRoutes() []route {
	return []route{
		{method: "GET", path: "/sub-accounts", action: authz.ViewSubAccounts, handle: s.placeholder("nav.sub_accounts")},
		{method: "GET", path: "/coupons", action: authz.ViewBilling, handle: s.placeholder("nav.coupons")},
		{method: "GET", path: "/cards", action: authz.ViewBilling, handle: s.placeholder("nav.cards")},
		{method: "GET", path: "/resources", action: authz.ViewBilling, handle: s.placeholder("nav.resources")},
		{method: "GET", path: "/packages", action: authz.ViewBilling, handle: s.placeholder("nav.packages")},
		{method: "GET", path: "/catalog", action: authz.ViewBilling, handle: s.placeholder("nav.catalog")},
	}
}
