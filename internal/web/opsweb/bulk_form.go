package opsweb

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
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
