package opsweb

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
)

type apiApproveItem struct {
	ID           int64  `json:"id"`
	SnapshotHash string `json:"snapshot_hash"`
}

type apiApprovalResult struct {
	ID    int64          `json:"id"`
	State approval.State `json:"state,omitempty"`
	Error *apiOpError    `json:"error,omitempty"`
}

// apiApprovals is POST /api/v1/approvals {"code","comment","operations":[{"id",
// "snapshot_hash"}…]} (1 to approval.MaxApproveMany operations; a snapshot_hash, when
// given, must be the operation's). A wrong code or an invalid list refuses the whole
// request; otherwise 200 with each operation's state after its approval, or its error.
func (a *Area) apiApprovals(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	var body struct {
		Code       string           `json:"code"`
		Comment    string           `json:"comment"`
		Operations []apiApproveItem `json:"operations"`
	}
	if !readJSON(c, &body, false) {
		a.apiError(c, http.StatusBadRequest, "bad_request", "error.bad_request")
		return
	}
	items := make([]approval.ApproveItem, 0, len(body.Operations))
	for _, o := range body.Operations {
		items = append(items, approval.ApproveItem{ID: o.ID, SnapshotHash: strings.TrimSpace(o.SnapshotHash)})
	}
	res, err := a.ops.ApproveMany(c.Request.Context(), a.actor(c), strings.TrimSpace(body.Code), strings.TrimSpace(body.Comment), items)
	if err != nil {
		a.apiOpFail(c, err, itemsTarget(items))
		return
	}
	a.auditItemDenials(c, res)
	tr := a.core.Translator(c)
	out := make([]apiApprovalResult, 0, len(res))
	for _, r := range res {
		if r.Err != nil {
			he := a.itemHTTPError(c, r.Err)
			out = append(out, apiApprovalResult{ID: r.ID, Error: &apiOpError{Code: he.Code, Message: tr.T(he.Message)}})
			continue
		}
		out = append(out, apiApprovalResult{ID: r.ID, State: r.Operation.State})
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}
