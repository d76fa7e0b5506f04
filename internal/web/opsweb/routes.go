package opsweb

import (
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// Routes are the maker-checker workflow's pages and API. Every handler also
// goes through approval.Service, which checks roles, scopes and separation of duties
// again on the target itself.
func (a *Area) Routes() []webcore.Route {
	return []webcore.Route{
		{Method: "GET", Path: "/operations", Action: authz.ViewOperations, Handle: a.operationList},
		{Method: "GET", Path: "/operations/new", Action: authz.CreateOperation, Handle: a.operationNew},
		{Method: "POST", Path: "/operations", Action: authz.CreateOperation, Handle: a.operationCreate},
		{Method: "POST", Path: "/operations/quote", Action: authz.CreateOperation, Handle: a.operationQuote},
		// The draft form's pickers: the sub-account type-ahead, and the form shown again
		// with a pick applied (nothing created).
		{Method: "GET", Path: "/operations/pick/sub-accounts", Action: authz.CreateOperation, Handle: a.subAccountSuggest},
		{Method: "POST", Path: "/operations/new", Action: authz.CreateOperation, Handle: a.operationRefresh},
		{Method: "GET", Path: "/operations/:id", Action: authz.ViewOperations, Handle: a.operationPage},
		{Method: "GET", Path: "/operations/:id/orders", Action: authz.ViewOperations, Handle: a.operationOrders},
		{Method: "POST", Path: "/operations/:id/approve", Action: authz.ApproveOperation, Handle: a.operationApprove},
		{Method: "POST", Path: "/operations/:id/reject", Action: authz.ApproveOperation, Handle: a.operationReject},
		{Method: "POST", Path: "/operations/:id/cancel", Action: authz.CancelOperation, Handle: a.operationCancel},
		{Method: "POST", Path: "/operations/:id/resolve", Action: authz.ResolveOperation, Handle: a.operationResolve},

		// Bulk: a CSV of transfers or recoveries, approved once as a batch.
		{Method: "GET", Path: "/operations/bulk", Action: authz.CreateOperation, Handle: a.bulkForm},
		{Method: "GET", Path: "/operations/bulk/template", Action: authz.CreateOperation, Handle: a.bulkTemplate},
		{Method: "POST", Path: "/operations/bulk/preview", Action: authz.CreateOperation, Handle: a.bulkPreview},
		{Method: "GET", Path: "/operations/bulk/selection", Action: authz.CreateOperation, Handle: a.bulkSelection},
		{Method: "POST", Path: "/operations/bulk/selection/preview", Action: authz.CreateOperation, Handle: a.bulkSelectionPreview},
		// Proposed top-ups for the accounts running out, drafted as one batch.
		{Method: "GET", Path: "/operations/top-ups/propose", Action: authz.CreateOperation, Handle: a.topUpsPropose},
		{Method: "POST", Path: "/operations/top-ups/propose", Action: authz.CreateOperation, Handle: a.topUpsDraft},
		{Method: "POST", Path: "/operations/bulk", Action: authz.CreateOperation, Handle: a.bulkCreate},
		{Method: "GET", Path: "/operations/batches/:id", Action: authz.ViewOperations, Handle: a.batchPage},
		{Method: "GET", Path: "/operations/batches/:id/progress", Action: authz.ViewOperations, Handle: a.batchProgress},
		{Method: "GET", Path: "/operations/batches/:id/result.csv", Action: authz.ViewOperations, Handle: a.batchResultCSV},
		{Method: "POST", Path: "/operations/batches/:id/approve", Action: authz.ApproveOperation, Handle: a.batchApprove},
		{Method: "POST", Path: "/operations/batches/:id/reject", Action: authz.ApproveOperation, Handle: a.batchReject},
		{Method: "POST", Path: "/operations/batches/:id/cancel", Action: authz.CancelOperation, Handle: a.batchCancel},

		{Method: "GET", Path: "/approvals", Action: authz.ViewApprovals, Handle: a.approvalInbox},
		{Method: "POST", Path: "/approvals", Action: authz.ApproveOperation, Handle: a.approvalsApprove},

		// Delegations of approvals (holidays).
		{Method: "GET", Path: "/delegations", Action: authz.ManageDelegations, Handle: a.delegationsPage},
		{Method: "POST", Path: "/delegations", Action: authz.ManageDelegations, Handle: a.delegationCreate},
		{Method: "POST", Path: "/delegations/:id/revoke", Action: authz.ManageDelegations, Handle: a.delegationRevoke},

		// JSON API (CONTRACTS.md).
		{Method: "POST", Path: "/api/v1/operations", Action: authz.CreateOperation, Handle: a.apiCreateOperation},
		{Method: "GET", Path: "/api/v1/operations", Action: authz.ViewOperations, Handle: a.apiOperations},
		{Method: "GET", Path: "/api/v1/operations/:id", Action: authz.ViewOperations, Handle: a.apiOperation},
		{Method: "POST", Path: "/api/v1/operations/:id/approve", Action: authz.ApproveOperation, Handle: a.apiApprove},
		{Method: "POST", Path: "/api/v1/operations/:id/reject", Action: authz.ApproveOperation, Handle: a.apiReject},
		{Method: "POST", Path: "/api/v1/operations/:id/cancel", Action: authz.CancelOperation, Handle: a.apiCancel},
		{Method: "POST", Path: "/api/v1/approvals", Action: authz.ApproveOperation, Handle: a.apiApprovals},
	}
}
