package web

import "github.com/purser-finance/purser/internal/authz"

// auditRoutes are the auditor's workspace.
func (s *Server) auditRoutes() []route {
	return []route{
		{method: "GET", path: "/audit", action: authz.ViewAudit, handle: s.placeholder("nav.audit")},
	}
}
