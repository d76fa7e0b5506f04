package adminweb

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// The decisions on a change of the matrix held for a second admin (four eyes on the
// controls): another admin approves it with a fresh second-factor code, or rejects it;
// its author may withdraw it. A refusal shows the matrix again with the reason on the
// change's row.

// changeApprove is POST /admin/matrix/changes/:id/approve (code).
func (a *Area) changeApprove(c *gin.Context) {
	a.changeDecide(c, "matrix.flash.change_applied", func(id int64) error {
		_, err := a.matrix.ApproveRuleChange(c.Request.Context(), a.actor(c), strings.TrimSpace(c.PostForm("code")), id)
		return err
	})
}

// changeReject is POST /admin/matrix/changes/:id/reject (comment).
func (a *Area) changeReject(c *gin.Context) {
	a.changeDecide(c, "matrix.flash.change_rejected", func(id int64) error {
		_, err := a.matrix.RejectRuleChange(c.Request.Context(), a.actor(c), id, c.PostForm("comment"))
		return err
	})
}

func (a *Area) changeDecide(c *gin.Context, flash string, do func(id int64) error) {
	if !a.matrixReady(c) {
		return
	}
	id, err := webcore.PathID(c, "id")
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	err = do(id)
	if err == nil {
		a.core.Flash(c, "ok", flash)
		a.core.Redirect(c, "/admin/matrix")
		return
	}
	msg, status := matrixStepUpMessage(err), http.StatusUnprocessableEntity
	if msg == "" {
		he := webcore.OperationError(err)
		if he == nil || he == webcore.OpNotFound || he == webcore.OpForbidden {
			a.core.FailOperation(c, err, approval.TargetRuleChange, itoa(id))
			return
		}
		msg, status = he.Message, he.Status
	}
	v, verr := a.matrixView(c)
	if verr != nil {
		a.core.Fail(c, verr)
		return
	}
	v.ChangeID, v.ChangeError = itoa(id), a.core.Translator(c).T(msg)
	a.renderMatrix(c, status, v)
}
