package web

import "github.com/purser-finance/purser/internal/authz"

// auditRoutes are the auditor's workspace. Looking at the trail is itself audited
// (audit.view), exports too (export.download).
func (s *Server) auditRoutes() []route {
	return []route{
		{method: "GET", path: "/audit", action: authz.ViewAudit, handle: s.auditList},
		{method: "GET", path: "/audit/events/:id", action: authz.ViewAudit, handle: s.auditEvent},
		{method: "GET", path: "/audit/timeline", action: authz.ViewAudit, handle: s.auditTimeline},
		{method: "GET", path: "/audit/export", action: authz.ExportAudit, handle: s.auditExport},
		{method: "GET", path: "/audit/verify", action: authz.ViewAudit, handle: s.auditVerifyPage},
		{method: "POST", path: "/audit/verify", action: authz.ViewAudit, handle: s.auditVerifyStart},
		{method: "GET", path: "/audit/verify/:id", action: authz.ViewAudit, handle: s.auditVerifyProgress},
		{method: "GET", path: "/audit/checkpoints.jsonl", action: authz.ExportAudit, handle: s.auditCheckpointsExport},
		{method: "GET", path: "/api/v1/audit/events", action: authz.ViewAudit, handle: s.apiAuditEvents},
	}
}
