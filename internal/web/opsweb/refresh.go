package opsweb

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/web/webcore"
)

// operationRefresh is POST /operations/new: the draft form again with what was posted,
// nothing created — the pickers' step (a sub-account picked, its coupons or resources
// listed, the expiry filter changed, every resource shown selected).
func (a *Area) operationRefresh(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	in := inputFrom(c)
	key := trimmed(c, "idempotency_key")
	if !in.Kind.Valid() || !validIdemKey(key) {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	vals := postedValues(c, in)
	if id := trimmed(c, "pick_sub_account"); id != "" {
		posted := vals
		vals = func(name string) string {
			if name == "sub_account_id" {
				return id
			}
			return posted(name)
		}
	}
	a.renderOperationForm(c, http.StatusOK, in.Kind, vals, nil, key)
}
