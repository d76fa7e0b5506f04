package opsweb

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// operationPage is GET /operations/:id: exactly what will be sent upstream (the stored
// snapshot the approvers sign), where it stands, its approvals, the upstream's answer and
// the full timeline, with the forms the viewer may use.
func (a *Area) operationPage(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	id, err := webcore.PathID(c, "id")
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	v, err := a.operationView(c, id)
	if err != nil {
		a.core.FailOperation(c, err, approval.TargetOperation, idString(id))
		return
	}
	a.core.Render(c, http.StatusOK, pages.Operation(a.core.Page(c, "op.page_title"), v))
}

// operationView reads an operation and its timeline for the viewer.
func (a *Area) operationView(c *gin.Context, id int64) (view.OperationPage, error) {
	ctx := c.Request.Context()
	actor := a.actor(c)
	u := a.core.Subject(c)
	tr := a.core.Translator(c)
	op, err := a.ops.Get(ctx, actor, id)
	if err != nil {
		return view.OperationPage{}, err
	}
	tl, err := a.ops.Timeline(ctx, actor, id)
	if err != nil {
		return view.OperationPage{}, err
	}
	v := view.OperationPage{
		ID: idString(op.ID), Kind: string(op.Kind), KindLabel: kindLabel(tr, op.Kind), State: stateBadge(tr, op.State),
		StateHelp: tr.T("op.state_help." + string(op.State)), Snapshot: snapshotKV(tr, *op), TransID: op.TransID,
		SnapshotHash: op.SnapshotHash, Requester: op.RequestedByName, Reason: op.Reason,
		Created: webcore.FormatTime(op.CreatedAt, tr.Lang), Updated: webcore.FormatTime(op.UpdatedAt, tr.Lang),
		ApprovalsSummary: approvalsSummary(tr, op.Approvals, op.RequiredApprovals), Approvals: approvalViews(tr, op.Approvals),
		Resolution: op.Resolution, Timeline: timelineRows(tr, tl, op.Currency),
		Live:       op.State == approval.StateApproved || op.State == approval.StateExecuting,
		LimitNotes: limitNoteTexts(tr, op.LimitNotes),
	}
	v.Master, v.MasterGone = a.masters.Label(ctx, op.MasterAccountID)
	if op.State == approval.StatePending {
		v.Expires = webcore.FormatTime(op.ExpiresAt, tr.Lang)
	}
	if op.Error != nil {
		v.ErrorCode, v.ErrorRequestID = op.Error.Code, op.Error.RequestID
		v.ErrorText = errorText(tr, op.Error)
	}
	if len(op.Response) > 0 && string(op.Response) != "null" {
		v.Response = string(op.Response)
	}
	if op.BatchID != nil {
		v.Batch, v.BatchHref = tr.T("op.batch_n", map[string]any{"ID": *op.BatchID}), batchHref(*op.BatchID)
	}
	if err := a.addRenewal(c, tr, op, &v); err != nil {
		return view.OperationPage{}, err
	}
	v.OwnRequest = u.UserID == op.RequestedBy
	rs, err := a.ops.OperationRoute(ctx, actor, id)
	if err != nil {
		return view.OperationPage{}, err
	}
	v.Route = routeView(tr, rs, u)
	v.Route.Why = routeWhy(tr, tl)
	if authz.Allowed(u, authz.ManagePolicy, authz.Target{}) && op.BatchID == nil {
		q := url.Values{"kind": {string(op.Kind)}, "sub_account": {op.SubAccountID}}
		if op.Amount != nil {
			q.Set("amount", op.Amount.String())
		}
		v.Route.ExplainHref = "/admin/matrix/explain?" + q.Encode()
	}
	open := op.State == approval.StatePending && op.BatchID == nil
	v.CanApprove = open && rs.CanApprove
	v.CanReject = v.CanApprove
	v.CanCancel = open && v.OwnRequest && authz.Allowed(u, authz.CancelOperation, authz.Target{OrgPath: op.OrgPath})
	v.CanResolve = op.State == approval.StateUnknown && authz.Allowed(u, authz.ResolveOperation, authz.Target{})
	if approval.Redraftable(op.State) && op.BatchID == nil && authz.Allowed(u, authz.CreateOperation, authz.Target{OrgPath: op.OrgPath}) {
		v.DraftAgainHref = "/operations/new?from=" + v.ID
	}
	if v.Context, err = a.operationContextView(c, op); err != nil {
		return view.OperationPage{}, err
	}
	return v, nil
}

// errorText is an operation's error as its reader should see it.
func errorText(tr *i18n.Translator, e *approval.UpstreamError) string {
	switch {
	case tr.Lang == "zh" && e.MessageZH != "":
		return e.MessageZH
	case e.MessageEN != "":
		return e.MessageEN
	case accountCodes[e.Code]:
		return tr.T("op.code." + e.Code) // the executor's own codes: in the reader's language
	}
	return e.Message
}

// accountCodes are the executor's codes for an operation whose account (its master, or the
// sub-account whose credentials its resource call needs) was gone when it ran.
var accountCodes = map[string]bool{"master_unavailable": true, "credentials_unavailable": true}
