package opsweb

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// addRenewal puts a renewal's quote (as signed) on its page and, once it ran, where its
// orders come from. The orders are read from the upstream, which may be slow: the page
// names them and loads them after it has rendered (ordersFragment), unless the reader
// asked for them inline (the link that works without JavaScript).
func (a *Area) addRenewal(c *gin.Context, tr *i18n.Translator, op *approval.Operation, v *view.OperationPage) error {
	if op.Kind != approval.KindRenewResources {
		return nil
	}
	v.Quote = quoteView(tr, op.Params.Quote)
	v.Quote.Note = tr.T("quote.signed_note")
	if !approval.HasRenewalOrders(op) {
		return nil
	}
	if c.Query("orders") != "inline" {
		v.OrdersURL = "/operations/" + idString(op.ID) + "/orders"
		return nil
	}
	orders, err := a.renewalOrders(c, tr, op.ID)
	v.Orders = orders
	return err
}

// renewalOrders reads a renewal's orders from the upstream for the reader.
func (a *Area) renewalOrders(c *gin.Context, tr *i18n.Translator, id int64) (*view.RenewalOrders, error) {
	orders, err := a.ops.RenewalOrders(c.Request.Context(), a.actor(c), id)
	if err != nil || len(orders) == 0 {
		return nil, err
	}
	v := &view.RenewalOrders{}
	for _, o := range orders {
		v.Orders = append(v.Orders, orderView(tr, o))
	}
	return v, nil
}

// operationOrders is GET /operations/:id/orders: the orders an executed renewal created,
// as Huawei Cloud shows them now. htmx asks for the fragment once the operation's page
// has loaded; a browser without JavaScript is sent to the page with the orders inline.
func (a *Area) operationOrders(c *gin.Context) {
	id, err := webcore.PathID(c, "id")
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	if c.GetHeader("HX-Request") != "true" {
		c.Redirect(http.StatusSeeOther, "/operations/"+idString(id)+"?orders=inline#renewal-orders")
		return
	}
	orders, err := a.renewalOrders(c, a.core.Translator(c), id)
	if err != nil {
		a.core.FailOperation(c, err, approval.TargetOperation, idString(id))
		return
	}
	if orders == nil {
		orders = &view.RenewalOrders{}
	}
	a.core.Render(c, http.StatusOK, pages.RenewalOrders(a.core.Page(c, "op.page_title"), *orders))
}

// quoteView is a quote for people: amounts rounded to cents with their currency, the
// source and time it was quoted at, or why there is none. q nil: a renewal drafted
// before quotes were asked.
func quoteView(tr *i18n.Translator, q *approval.Quote) *view.RenewalQuote {
	if q == nil {
		return &view.RenewalQuote{Title: tr.T("quote.title_none", map[string]any{"Source": approval.QuoteSource}),
			Missing: tr.T("quote.missing", map[string]any{"Reason": tr.T("quote.not_asked")})}
	}
	v := &view.RenewalQuote{Title: tr.T("quote.title", map[string]any{"Source": q.Source, "Time": webcore.FormatTime(q.QuotedAt, tr.Lang)})}
	if q.Problem != nil {
		v.Missing = tr.T("quote.missing", map[string]any{"Reason": problemText(tr, q.Problem)})
	}
	for _, t := range q.Totals {
		v.Totals = append(v.Totals, view.QuoteTotal{Official: quoteAmount(t.Official, t.Currency), Discount: quoteAmount(t.Discount, t.Currency),
			Amount: quoteAmount(t.Amount, t.Currency), HasDiscount: !isZeroAmount(t.Discount)})
	}
	for _, r := range q.Resources {
		v.Resources = append(v.Resources, view.Fact{Label: r.ResourceID, Value: quoteAmount(r.Amount, r.Currency)})
	}
	for _, r := range q.Refused {
		v.Refused = append(v.Refused, view.Fact{Label: r.ResourceID, Value: r.Code + " " + r.Message})
	}
	return v
}

// quoteSuffix is a renewal's quote in a list's summary line, so that the inbox shows the
// price an approver signs when approving several at once: " · quoted 331.20 CNY".
func quoteSuffix(tr *i18n.Translator, q *approval.Quote) string {
	if !q.Quoted() {
		return " · " + tr.T("quote.short_none")
	}
	parts := make([]string, 0, len(q.Totals))
	for _, t := range q.Totals {
		parts = append(parts, quoteAmount(t.Amount, t.Currency))
	}
	return " · " + tr.T("quote.short", map[string]any{"Amount": strings.Join(parts, " + ")})
}

// quoteAmount formats a quoted decimal (exact as the upstream sent it) as money.
func quoteAmount(s, currency string) string {
	a, err := money.FromUpstream(s, currency)
	if err != nil {
		return s + " " + currency
	}
	return a.Format() + " " + a.Currency()
}

func isZeroAmount(s string) bool {
	a, err := money.FromUpstream(s, "")
	return err == nil && a.IsZero()
}

// problemText is why the upstream did not answer, in the reader's language.
func problemText(tr *i18n.Translator, p *approval.Problem) string {
	if t := p.UpstreamText(tr.Lang); t != "" {
		return t
	}
	switch p.Code {
	case approval.ProblemNotConfigured, approval.ProblemMasterUnavailable, approval.ProblemCredentialsUnavailable:
		return tr.T("quote.code." + p.Code)
	}
	return tr.T("quote.code.unavailable")
}
