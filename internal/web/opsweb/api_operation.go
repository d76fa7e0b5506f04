package opsweb

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// apiOperation is GET /api/v1/operations/:id.
func (a *Area) apiOperation(c *gin.Context) {
	a.apiOp(c, false, func(id int64) (*approval.Operation, error) {
		return a.ops.Get(c.Request.Context(), a.actor(c), id)
	})
}

// apiApprove is POST /api/v1/operations/:id/approve {"code","comment","snapshot_hash"}.
// snapshot_hash is optional: when given, the use case compares it with the operation's
// (409 snapshot_changed); a client that sends none signs whatever is stored.
func (a *Area) apiApprove(c *gin.Context) {
	var body struct {
		Code         string `json:"code"`
		Comment      string `json:"comment"`
		SnapshotHash string `json:"snapshot_hash"`
	}
	a.apiOp(c, true, func(id int64) (*approval.Operation, error) {
		if !readJSON(c, &body, false) {
			return nil, webcore.ErrBadRequest
		}
		return a.ops.Approve(c.Request.Context(), a.actor(c), id, strings.TrimSpace(body.Code), strings.TrimSpace(body.Comment),
			strings.TrimSpace(body.SnapshotHash))
	})
}

// apiReject is POST /api/v1/operations/:id/reject {"comment"}: the reason is required
// (422 with a field error without one).
func (a *Area) apiReject(c *gin.Context) {
	var body struct{ Comment string }
	a.apiOp(c, true, func(id int64) (*approval.Operation, error) {
		if !readJSON(c, &body, true) {
			return nil, webcore.ErrBadRequest
		}
		return a.ops.Reject(c.Request.Context(), a.actor(c), id, strings.TrimSpace(body.Comment))
	})
}

// apiCancel is POST /api/v1/operations/:id/cancel.
func (a *Area) apiCancel(c *gin.Context) {
	a.apiOp(c, true, func(id int64) (*approval.Operation, error) {
		return a.ops.Cancel(c.Request.Context(), a.actor(c), id)
	})
}
