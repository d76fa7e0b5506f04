package opsweb

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
)

// apiCreateOperation is POST /api/v1/operations (Idempotency-Key header): 201 with the
// operation, pending or (policy: no approval needed) approved.
func (a *Area) apiCreateOperation(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	var in approval.Input
	if !readJSON(c, &in, false) {
		a.apiError(c, http.StatusBadRequest, "bad_request", "error.bad_request")
		return
	}
	key := strings.TrimSpace(c.GetHeader("Idempotency-Key"))
	if key != "" && !validIdemKey(key) {
		a.apiError(c, http.StatusBadRequest, "bad_request", "op.error.bad_idempotency_key")
		return
	}
	op, err := a.ops.Create(c.Request.Context(), a.actor(c), in, key)
	if err != nil {
		a.apiOpFail(c, err, "")
		return
	}
	c.Header("Location", "/api/v1/operations/"+idString(op.ID))
	c.JSON(http.StatusCreated, toAPIOperation(*op, a.core.Translator(c).Lang))
}
