package opsweb

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/export"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// bulkTemplate is GET /operations/bulk/template?format=csv|xlsx: an empty bulk file with
// the header in the reader's language and one example row, to fill in.
func (a *Area) bulkTemplate(c *gin.Context) {
	format := c.DefaultQuery("format", export.CSV)
	if !export.Valid(format) {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	tr := a.core.Translator(c)
	header, debit := []string{"sub_account", "amount", "balance_type", "reason"}, "debit"
	if tr.Lang == i18n.Chinese {
		header, debit = []string{"子账号", "金额", "余额类型", "原因"}, "现金"
	}
	var buf bytes.Buffer
	w, err := export.New(format, &buf, tr.T("op.bulk_title"))
	if err == nil {
		err = w.Header(header...)
	}
	if err == nil {
		example, _ := money.Parse("100.00", money.DefaultCurrency)
		err = w.Row(export.Text("sub-001"), export.Amount(example), export.Text(debit),
			export.Text(tr.T("op.bulk_template_example")))
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="purser-bulk-template.`+format+`"`)
	c.Data(http.StatusOK, export.ContentType(format), buf.Bytes())
}
