package opsweb

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// Bulk transfers and recoveries: a CSV or .xlsx file is uploaded (or CSV pasted), every
// row is validated before anything is created (preview with per-row errors), then the
// whole file — or, when its author chose so, its valid rows — becomes one batch that needs
// one set of approvals. The batch page follows execution live.

// maxCSVBytes bounds an uploaded file (5,000 rows fit easily).
const maxCSVBytes = 2 << 20

const bulkHeader = "sub_account,amount,balance_type,reason"

func bulkKinds(tr *i18n.Translator, selected string) []view.Option {
	var out []view.Option
	for _, k := range []approval.Kind{approval.KindTransferFunds, approval.KindRetrieveFunds} {
		out = append(out, view.Option{Value: string(k), Label: kindLabel(tr, k), Selected: selected == string(k)})
	}
	return out
}

func (a *Area) bulkFormView(c *gin.Context, in bulkUpload) view.BulkForm {
	tr := a.core.Translator(c)
	kind := string(in.kind)
	if kind == "" {
		kind = string(approval.KindTransferFunds)
	}
	v := view.BulkForm{Kind: kind, Kinds: bulkKinds(tr, kind), CSV: in.csv, Reason: in.reason, IdemKey: in.key,
		MaxRows: webcore.FormatInt(approval.MaxBatchRows), Template: bulkHeader + "\nsub-001,100.00,debit,Q3 budget\n",
		Skip: in.skip, Upload: in.uploadB64, UploadName: in.uploadName,
		TemplateCSV: "/operations/bulk/template?format=csv", TemplateXLSX: "/operations/bulk/template?format=xlsx"}
	if in.csv != "" {
		v.Upload, v.UploadName = "", "" // the text box wins over a carried file
	}
	return v
}

// bulkForm is GET /operations/bulk[?kind=…&sub_account_id=…]: the upload form, with the
// sub-accounts selected on the list already written as rows to complete.
func (a *Area) bulkForm(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	kind := c.DefaultQuery("kind", string(approval.KindTransferFunds))
	if kind != string(approval.KindTransferFunds) && kind != string(approval.KindRetrieveFunds) {
		kind = string(approval.KindTransferFunds)
	}
	csv := ""
	if subs := c.QueryArray("sub_account_id"); len(subs) > 0 { // a selection to complete by hand
		var b strings.Builder
		b.WriteString(bulkHeader + "\n")
		for _, id := range subs {
			if id = strings.TrimSpace(id); id != "" && !strings.ContainsAny(id, ",\"\r\n") {
				b.WriteString(id + ",,debit,\n")
			}
		}
		csv = b.String()
	}
	v := a.bulkFormView(c, bulkUpload{kind: approval.Kind(kind), csv: csv, key: newIdemKey()})
	a.core.Render(c, http.StatusOK, pages.BulkForm(a.core.Page(c, "op.bulk_title"), v))
}

// bulkPreview is POST /operations/bulk/preview: parse and validate every row; nothing is
// created. Errors come back per row (422); a clean file shows its rows, total and the
// button that submits it.
func (a *Area) bulkPreview(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	in, err := a.bulkInput(c)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	a.renderBulkPreview(c, in, nil)
}

// renderBulkPreview checks in as a batch and shows it, with notes on how its rows came
// about (a selection's computed amounts).
func (a *Area) renderBulkPreview(c *gin.Context, in bulkUpload, notes []string) {
	tr := a.core.Translator(c)
	v := view.BulkPreview{Form: a.bulkFormView(c, in), KindLabel: kindLabel(tr, in.kind), Notes: notes}
	rows, skipped, det, n, err := a.bulkRows(c, in)
	v.Form.Detected = detectedLabel(tr, det, n)
	if !a.bulkErrors(c, &v, err) {
		return
	}
	if len(v.Errors) > 0 || v.Form.ReasonErr != "" {
		a.core.Render(c, http.StatusUnprocessableEntity, pages.BulkPreview(a.core.Page(c, "op.bulk_title"), v))
		return
	}
	total := money.Zero(money.DefaultCurrency)
	for _, r := range rows {
		amt, _ := money.Parse(r.Amount, money.DefaultCurrency)
		total = total.Add(amt)
		v.Rows = append(v.Rows, view.BulkRow{Line: webcore.FormatInt(int64(r.Line)), SubAccount: r.SubAccount, SubAccountID: r.SubAccountID,
			Amount: amt.Format(), BalanceType: tr.T("op.balance_type." + orDefault(normBalance(r.BalanceType), approval.BalanceDebit)), Reason: r.Reason})
	}
	v.Skipped = rowErrorViews(tr, skipped)
	v.Count, v.Total = webcore.FormatInt(int64(len(rows))), total.Format()
	v.Policy = tr.T("op.bulk_policy_note")
	if in.reason == "" {
		v.Form.ReasonErr = tr.T("op.err.reason_required")
	}
	a.core.Render(c, http.StatusOK, pages.BulkPreview(a.core.Page(c, "op.bulk_title"), v))
}

// bulkErrors puts a batch's problems in the preview; false when the response is written.
func (a *Area) bulkErrors(c *gin.Context, v *view.BulkPreview, err error) bool {
	tr := a.core.Translator(c)
	var be *approval.BatchErrors
	var ve *approval.ValidationError
	switch {
	case err == nil:
	case errors.As(err, &be):
		v.Errors = rowErrorViews(tr, be.Rows)
	case errors.As(err, &ve):
		v.Form.ReasonErr = fieldMessage(tr, ve, "reason")
		if v.Form.ReasonErr == "" {
			for _, f := range sortedFields(ve) {
				v.Errors = append(v.Errors, view.BulkRowError{Line: tr.T("op.bulk_file"), Field: f, Message: fieldMessage(tr, ve, f)})
			}
		}
	default:
		a.core.FailOperation(c, err, approval.TargetBatch, "")
		return false
	}
	return true
}

func normBalance(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "credit", "信用":
		return approval.BalanceCredit
	}
	return approval.BalanceDebit
}

// bulkCreate is POST /operations/bulk: the previewed file becomes one batch (validated
// again: the cache may have moved). The form's key makes a double submit one batch.
func (a *Area) bulkCreate(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	in, err := a.bulkInput(c)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	tr := a.core.Translator(c)
	rows, skipped, det, n, err := a.bulkRows(c, in)
	var b *approval.Batch
	if err == nil {
		b, err = a.ops.CreateBatch(c.Request.Context(), a.actor(c), in.kind, in.reason, rows, in.key, skipped...)
	}
	if err != nil {
		v := view.BulkPreview{Form: a.bulkFormView(c, in), KindLabel: kindLabel(tr, in.kind)}
		v.Form.Detected = detectedLabel(tr, det, n)
		if he := webcore.OperationError(err); he != nil && he != webcore.OpValidation {
			a.core.FailOperation(c, err, approval.TargetBatch, "")
			return
		}
		if !a.bulkErrors(c, &v, err) {
			return
		}
		a.core.Render(c, http.StatusUnprocessableEntity, pages.BulkPreview(a.core.Page(c, "op.bulk_title"), v))
		return
	}
	flash := "flash.batch_submitted"
	if len(skipped) > 0 {
		flash = "flash.batch_submitted_skipping"
	}
	a.core.Flash(c, "ok", flash)
	a.core.Redirect(c, batchHref(b.ID))
}

// rowErrorViews shows row problems, the file's own ("line 0") as the file's.
func rowErrorViews(tr *i18n.Translator, errs []approval.RowError) []view.BulkRowError {
	var out []view.BulkRowError
	for _, r := range errs {
		line := webcore.FormatInt(int64(r.Line))
		if r.Line == 0 {
			line = tr.T("op.bulk_file")
		}
		out = append(out, view.BulkRowError{Line: line, Field: tr.T("op.csv." + r.Field), Message: tr.T(r.Message, rowErrorParams(tr, r.Params))})
	}
	return out
}

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
	decided := false
	for _, ap := range b.Approvals {
		decided = decided || ap.UserID == u.UserID
	}
	open := b.State == approval.StatePending
	v.CanApprove = open && !decided && canApprove(u, b.RequestedBy, nil)
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

// batchResultCSV is GET /operations/batches/:id/result.csv: one line per row with its
// state, trans_id and error.
func (a *Area) batchResultCSV(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	id, err := webcore.PathID(c, "id")
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	if _, err := a.ops.GetBatch(c.Request.Context(), a.actor(c), id); err != nil {
		a.core.FailOperation(c, err, approval.TargetBatch, idString(id))
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="batch-`+idString(id)+`-result.csv"`)
	c.Status(http.StatusOK)
	if err := a.ops.BatchResultCSV(c.Request.Context(), a.actor(c), id, c.Writer); err != nil {
		a.log.Error("batch result csv failed", "error", err, "request_id", a.core.RequestID(c))
	}
}

// batchApprove, batchReject and batchCancel decide on the whole batch.
func (a *Area) batchApprove(c *gin.Context) {
	a.decideBatch(c, "flash.batch_approved", func(id int64) error {
		_, err := a.ops.ApproveBatch(c.Request.Context(), a.actor(c), id, trimmed(c, "code"), comment(c))
		return err
	})
}

func (a *Area) batchReject(c *gin.Context) {
	a.decideBatch(c, "flash.batch_rejected", func(id int64) error {
		_, err := a.ops.RejectBatch(c.Request.Context(), a.actor(c), id, comment(c))
		return err
	})
}

func (a *Area) batchCancel(c *gin.Context) {
	a.decideBatch(c, "flash.batch_cancelled", func(id int64) error {
		_, err := a.ops.CancelBatch(c.Request.Context(), a.actor(c), id)
		return err
	})
}

func (a *Area) decideBatch(c *gin.Context, flash string, do func(id int64) error) {
	_, _, he, show := a.runDecision(c, approval.TargetBatch, flash, batchHref, do)
	if !show {
		return
	}
	a.renderBatch(c, he.Status, a.core.Translator(c).T(he.Message), comment(c))
}
