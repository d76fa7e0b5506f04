package web

import "github.com/purser-finance/purser/internal/authz"

// adminRoutes are the administrators' pages.
func (s *Server) adminRoutes() []route {
	return []route{
		{method: "GET", path: "/admin", action: authz.ViewAdmin, handle: s.placeholder("nav.admin")},
	}
}
