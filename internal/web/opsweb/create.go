package opsweb

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// operationCreate is POST /operations: one use case call. Invalid input comes back with
// translated reasons per field and the input kept (422); the same form posted twice
// (double click, replay) names one operation through its idempotency key; the same key
// with different input is a conflict (409).
func (a *Area) operationCreate(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	in := inputFrom(c)
	if !in.Kind.Valid() {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	key := trimmed(c, "idempotency_key")
	if !validIdemKey(key) {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	// A sub-account named by search text: the form comes back with the matches to choose.
	if choose, err := a.choosingSubAccount(c, in); err != nil || choose {
		if err != nil {
			a.core.Fail(c, err)
			return
		}
		a.renderOperationForm(c, http.StatusOK, in.Kind, postedValues(c, in), nil, key)
		return
	}
	op, err := a.ops.Create(c.Request.Context(), a.actor(c), in, key)
	var ve *approval.ValidationError
	if errors.As(err, &ve) {
		a.renderOperationForm(c, http.StatusUnprocessableEntity, in.Kind, postedValues(c, in), ve, key)
		return
	}
	if err != nil {
		a.core.FailOperation(c, err, "sub_account", in.SubAccountID)
		return
	}
	if op.State == approval.StatePending {
		a.core.Flash(c, "ok", "flash.op_submitted")
	} else {
		a.core.Flash(c, "ok", "flash.op_approved_by_policy")
	}
	a.core.Redirect(c, opHref(op.ID))
}
