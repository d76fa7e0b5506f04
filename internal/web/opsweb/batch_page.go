package opsweb

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// batchPage is GET /operations/batches/:id: the batch, its approvals, live progress, its
// rows with their results, and the decisions the viewer may take.
func (a *Area) batchPage(c *gin.Context) {
	a.renderBatch(c, http.StatusOK, "", "")
}

func (a *Area) renderBatch(c *gin.Context, status int, decideErr, comment string) {
	if !a.ready(c) {
		return
	}
	id, err := webcore.PathID(c, "id")
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	ctx := c.Request.Context()
	actor := a.actor(c)
	u := a.core.Subject(c)
	tr := a.core.Translator(c)
	b, err := a.ops.GetBatch(ctx, actor, id)
	if err != nil {
		a.core.FailOperation(c, err, approval.TargetBatch, idString(id))
		return
	}
	prog, err := a.ops.BatchProgress(ctx, actor, id)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	page, err := a.ops.List(ctx, actor, approval.Filter{BatchID: id, Limit: 500})
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	v := view.BatchPage{
		ID: idString(b.ID), KindLabel: kindLabel(tr, b.Kind), State: stateBadge(tr, b.State), Requester: b.RequestedByName,
		Reason: b.Reason, Rows: webcore.FormatInt(int64(b.Rows)), Total: b.Total.Format(), Created: webcore.FormatTime(b.CreatedAt, tr.Lang),
		SnapshotHash: b.SnapshotHash, ApprovalsSummary: approvalsSummary(tr, b.Approvals, b.RequiredApprovals),
		Approvals: approvalViews(tr, b.Approvals), Progress: batchProgressView(tr, b, prog),
		More: page.NextCursor != "", ResultCSV: batchHref(b.ID) + "/result.csv", DecideError: decideErr, Comment: comment,
		ApproveHelp: tr.N("op.batch_approve_help", b.Rows, map[string]any{"Rows": webcore.FormatInt(int64(b.Rows)), "Total": b.Total.Text()}),
		LimitNotes:  limitNoteTexts(tr, b.LimitNotes),
	}
	if b.State == approval.StatePending {
		v.Expires = webcore.FormatTime(b.ExpiresAt, tr.Lang)
	}
	for _, o := range page.Items {
		r := opRow(tr, o)
		if o.Error != nil {
			r.Summary = o.Error.Code
		}
		v.Items = append(v.Items, r)
	}
	v.OwnRequest = b.RequestedBy == u.UserID
	rs, err := a.ops.BatchRoute(ctx, actor, id)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	v.Route = routeView(tr, rs, u)
	open := b.State == approval.StatePending
	v.CanApprove = open && rs.CanApprove
	v.CanReject = v.CanApprove
	v.CanCancel = open && v.OwnRequest && authz.Allowed(u, authz.CancelOperation, authz.Target{})
	a.core.Render(c, status, pages.Batch(a.core.Page(c, "op.batch_title"), v))
}

func batchProgressView(tr *i18n.Translator, b *approval.Batch, p approval.BatchProgress) view.BatchProgress {
	v := view.BatchProgress{Percent: percent(p.Done, p.Total), Done: webcore.FormatInt(int64(p.Done)), Total: webcore.FormatInt(int64(p.Total)),
		Succeeded: webcore.FormatInt(int64(p.Succeeded)), Failed: webcore.FormatInt(int64(p.Failed)), Unknown: webcore.FormatInt(int64(p.Unknown)), Finished: p.Finished}
	v.Label = tr.T("op.progress", map[string]any{"Done": v.Done, "Total": v.Total})
	// Poll while something can still move: approved rows wait for or run their jobs.
	if !p.Finished && b.State == approval.StateApproved {
		v.Href = batchHref(b.ID) + "/progress"
	}
	return v
}

// batchProgress is GET /operations/batches/:id/progress: the progress bar alone, for
// htmx polling every second until the batch is done.
func (a *Area) batchProgress(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	id, err := webcore.PathID(c, "id")
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	actor := a.actor(c)
	b, err := a.ops.GetBatch(c.Request.Context(), actor, id)
	if err != nil {
		a.core.FailOperation(c, err, approval.TargetBatch, idString(id))
		return
	}
	p, err := a.ops.BatchProgress(c.Request.Context(), actor, id)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	tr := a.core.Translator(c)
	a.core.Render(c, http.StatusOK, pages.BatchProgressBar(tr, batchProgressView(tr, b, p)))
}
