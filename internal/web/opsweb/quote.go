package opsweb

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// A renewal's price as Huawei Cloud quotes it: on the draft form ("Get price"), in the
// snapshot its approvers sign, and after it ran, the order it created.

// operationQuote is POST /operations/quote, the renewal form's "Get price": the form comes
// back with what the upstream quotes for the chosen resources and period, everything typed
// and the form's idempotency key kept. Invalid input comes back as on submit (422).
// Nothing is stored: the quote that is signed is asked again when the form is submitted.
func (a *Area) operationQuote(c *gin.Context) {
	if !a.ready(c) {
		return
	}
	in := inputFrom(c)
	key := trimmed(c, "idempotency_key")
	if in.Kind != approval.KindRenewResources || !validIdemKey(key) {
		a.core.Fail(c, webcore.ErrBadRequest)
		return
	}
	q, err := a.ops.QuoteRenewal(c.Request.Context(), a.actor(c), in)
	var ve *approval.ValidationError
	if err != nil && !errors.As(err, &ve) {
		a.core.FailOperation(c, err, approval.TargetOperation, "")
		return
	}
	v, err := a.operationForm(c, in.Kind, postedValues(c, in), ve, key)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	status := http.StatusUnprocessableEntity
	if ve == nil {
		status = http.StatusOK
		v.Quote.Quote = quoteView(a.core.Translator(c), q)
	}
	a.core.Render(c, status, pages.OperationNew(a.core.Page(c, "op.new_title"), v))
}

// quoteStep is the "Get price" step of a kind's form: renewals only.
func quoteStep(kind approval.Kind) *view.QuoteStep {
	if kind != approval.KindRenewResources {
		return nil
	}
	return &view.QuoteStep{}
}
