package opsweb

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// apiOperations is GET /api/v1/operations?state=&kind=&limit=&cursor=.
func (a *Area) apiOperations(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	f := approval.Filter{Kind: approval.Kind(c.Query("kind")), Cursor: c.Query("cursor"), Limit: 50, SubAccountID: c.Query("sub_account_id"),
		MasterAccountID: webcore.MasterParam(c)}
	if f.Kind != "" && !f.Kind.Valid() {
		a.apiError(c, http.StatusBadRequest, "bad_request", "op.error.bad_kind")
		return
	}
	if v := c.Query("state"); v != "" {
		for _, st := range strings.Split(v, ",") {
			if !validState(approval.State(st)) {
				a.apiError(c, http.StatusBadRequest, "bad_request", "op.error.bad_state")
				return
			}
			f.States = append(f.States, approval.State(st))
		}
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			a.apiError(c, http.StatusBadRequest, "bad_request", "api.bad_limit")
			return
		}
		f.Limit = n
	}
	page, err := a.ops.List(c.Request.Context(), a.actor(c), f)
	var ve *approval.ValidationError
	if errors.As(err, &ve) {
		a.apiError(c, http.StatusBadRequest, "bad_request", "op.err.bad_cursor")
		return
	}
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	items := make([]apiOperation, 0, len(page.Items))
	for _, o := range page.Items {
		items = append(items, toAPIOperation(o, a.core.Translator(c).Lang))
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": page.NextCursor})
}
