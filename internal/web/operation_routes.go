package web

import "github.com/purser-finance/purser/internal/authz"

// operationRoutes are the maker-checker workflow's pages and API.
func (s *Server) operationRoutes() []route {
	return []route{
		{method: "GET", path: "/operations", action: authz.ViewOperations, handle: s.placeholder("nav.operations")},
		{method: "GET", path: "/approvals", action: authz.ViewApprovals, handle: s.placeholder("nav.approvals")},
	}
}
