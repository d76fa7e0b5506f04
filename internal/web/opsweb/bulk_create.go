package opsweb

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

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
