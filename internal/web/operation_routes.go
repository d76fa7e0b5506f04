package web

import "github.com/purser-finance/purser/internal/authz"

// operationRoutes are the maker-checker workflow's pages and API. Every handler also
// goes through approval.Service, which checks roles, scopes and separation of duties
// again on the target itself.
func (s *Server) operationRoutes() []route {
	return []route{
		{method: "GET", path: "/operations", action: authz.ViewOperations, handle: s.operationList},
		{method: "GET", path: "/operations/new", action: authz.CreateOperation, handle: s.operationNew},
		{method: "POST", path: "/operations", action: authz.CreateOperation, handle: s.operationCreate},
		{method: "POST", path: "/operations/quote", action: authz.CreateOperation, handle: s.operationQuote},
		{method: "GET", path: "/operations/:id", action: authz.ViewOperations, handle: s.operationPage},
		{method: "POST", path: "/operations/:id/approve", action: authz.ApproveOperation, handle: s.operationApprove},
		{method: "POST", path: "/operations/:id/reject", action: authz.ApproveOperation, handle: s.operationReject},
		{method: "POST", path: "/operations/:id/cancel", action: authz.CancelOperation, handle: s.operationCancel},
		{method: "POST", path: "/operations/:id/resolve", action: authz.ResolveOperation, handle: s.operationResolve},

		// Bulk: a CSV of transfers or recoveries, approved once as a batch.
		{method: "GET", path: "/operations/bulk", action: authz.CreateOperation, handle: s.bulkForm},
		{method: "GET", path: "/operations/bulk/template", action: authz.CreateOperation, handle: s.bulkTemplate},
		{method: "POST", path: "/operations/bulk/preview", action: authz.CreateOperation, handle: s.bulkPreview},
		{method: "GET", path: "/operations/bulk/selection", action: authz.CreateOperation, handle: s.bulkSelection},
		{method: "POST", path: "/operations/bulk/selection/preview", action: authz.CreateOperation, handle: s.bulkSelectionPreview},
		{method: "POST", path: "/operations/bulk", action: authz.CreateOperation, handle: s.bulkCreate},
		// Proposed top-ups for the accounts running out, drafted as one batch.
		{method: "GET", path: "/operations/top-ups/propose", action: authz.CreateOperation, handle: s.topUpsPropose},
		{method: "POST", path: "/operations/top-ups/propose", action: authz.CreateOperation, handle: s.topUpsDraft},
		{method: "GET", path: "/operations/batches/:id", action: authz.ViewOperations, handle: s.batchPage},
		{method: "GET", path: "/operations/batches/:id/progress", action: authz.ViewOperations, handle: s.batchProgress},
		{method: "GET", path: "/operations/batches/:id/result.csv", action: authz.ViewOperations, handle: s.batchResultCSV},
		{method: "POST", path: "/operations/batches/:id/approve", action: authz.ApproveOperation, handle: s.batchApprove},
		{method: "POST", path: "/operations/batches/:id/reject", action: authz.ApproveOperation, handle: s.batchReject},
		{method: "POST", path: "/operations/batches/:id/cancel", action: authz.CancelOperation, handle: s.batchCancel},

		{method: "GET", path: "/approvals", action: authz.ViewApprovals, handle: s.approvalInbox},
		{method: "POST", path: "/approvals", action: authz.ApproveOperation, handle: s.approvalsApprove},

		// JSON API (CONTRACTS.md).
		{method: "POST", path: "/api/v1/operations", action: authz.CreateOperation, handle: s.apiCreateOperation},
		{method: "GET", path: "/api/v1/operations", action: authz.ViewOperations, handle: s.apiOperations},
		{method: "GET", path: "/api/v1/operations/:id", action: authz.ViewOperations, handle: s.apiOperation},
		{method: "POST", path: "/api/v1/operations/:id/approve", action: authz.ApproveOperation, handle: s.apiApprove},
		{method: "POST", path: "/api/v1/operations/:id/reject", action: authz.ApproveOperation, handle: s.apiReject},
		{method: "POST", path: "/api/v1/operations/:id/cancel", action: authz.CancelOperation, handle: s.apiCancel},
		{method: "POST", path: "/api/v1/approvals", action: authz.ApproveOperation, handle: s.apiApprovals},
	}
}
