package opsweb

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

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
