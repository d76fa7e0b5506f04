package auditweb

import (
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// Routes are the auditor's workspace. Looking at the trail is itself audited
// (audit.view), exports too (export.download).
func (a *Area) Routes() []webcore.Route {
	return []webcore.Route{
		{Method: "GET", Path: "/audit", Action: authz.ViewAudit, Handle: a.auditList},
		{Method: "GET", Path: "/audit/events/:id", Action: authz.ViewAudit, Handle: a.auditEvent},
		{Method: "GET", Path: "/audit/timeline", Action: authz.ViewAudit, Handle: a.auditTimeline},
		{Method: "GET", Path: "/audit/export", Action: authz.ExportAudit, Handle: a.auditExport},
		{Method: "GET", Path: "/audit/verify", Action: authz.ViewAudit, Handle: a.auditVerifyPage},
		{Method: "POST", Path: "/audit/verify", Action: authz.ViewAudit, Handle: a.auditVerifyStart},
		{Method: "GET", Path: "/audit/verify/:id", Action: authz.ViewAudit, Handle: a.auditVerifyProgress},
		{Method: "GET", Path: "/audit/checkpoints.jsonl", Action: authz.ExportAudit, Handle: a.auditCheckpointsExport},
		{Method: "GET", Path: "/api/v1/audit/events", Action: authz.ViewAudit, Handle: a.apiAuditEvents},
	}
}
