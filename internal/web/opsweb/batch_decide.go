package opsweb

import (
	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
)

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
	_, err, he, show := a.runDecision(c, approval.TargetBatch, flash, batchHref, do)
	if !show {
		return
	}
	a.renderBatch(c, he.Status, decisionMessage(a.core.Translator(c), he, err), comment(c))
}
