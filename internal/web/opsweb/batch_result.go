package opsweb

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/web/webcore"
)

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
