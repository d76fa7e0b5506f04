package opsweb

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/money"
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

// addRenewal puts a renewal's quote (as signed) and, once it ran, its orders on its page.
func (a *Area) addRenewal(c *gin.Context, tr *i18n.Translator, op *approval.Operation, v *view.OperationPage) error {
	if op.Kind != approval.KindRenewResources {
		return nil
	}
	v.Quote = quoteView(tr, op.Params.Quote)
	v.Quote.Note = tr.T("quote.signed_note")
	orders, err := a.ops.RenewalOrders(c.Request.Context(), a.actor(c), op.ID)
	if err != nil || len(orders) == 0 {
		return err
	}
	v.Orders = &view.RenewalOrders{}
	for _, o := range orders {
		v.Orders.Orders = append(v.Orders.Orders, orderView(tr, o))
	}
	return nil
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

// orderView is one order of a renewal: header, line items, provisioned resources.
func orderView(tr *i18n.Translator, o approval.RenewalOrder) view.RenewalOrder {
	v := view.RenewalOrder{ID: string(o.ID)}
	if o.Problem != nil {
		v.Unavailable = tr.T("order.unavailable", map[string]any{"Reason": problemText(tr, o.Problem)})
		return v
	}
	d := o.Details
	h := d.Order
	add := func(key, value, test string) {
		if value != "" {
			v.Header = append(v.Header, view.Fact{Label: tr.T("order." + key), Value: value, Test: test})
		}
	}
	add("status", orderCode(tr, "order.status.", h.Status, 1, 2, 3, 4, 5, 6, 9), "order-status")
	add("type", orderCode(tr, "order.type.", h.OrderType, 1, 2, 3, 4, 11, 13, 14, 15), "order-type")
	add("service", orDefault(h.ServiceTypeName, h.ServiceType), "order-service")
	add("amount", h.Amount.Format()+" "+h.Amount.Currency(), "order-amount")
	add("official", h.OfficialAmount.Format()+" "+h.OfficialAmount.Currency(), "order-official")
	add("created", timeOrEmpty(h.Created, tr.Lang), "order-created")
	add("paid", timeOrEmpty(h.Paid, tr.Lang), "order-paid")
	for _, l := range d.Lines {
		v.Lines = append(v.Lines, view.OrderLine{ID: l.ID, Service: orDefault(l.ServiceTypeName, l.ServiceType), Spec: orDefault(l.SpecDesc, l.ProductID),
			Period: linePeriod(tr, l), Effective: timeOrEmpty(l.Effective, tr.Lang), Expire: timeOrEmpty(l.Expire, tr.Lang),
			Amount: l.Amount.Format() + " " + l.Amount.Currency()})
	}
	for _, r := range d.Provisioned {
		size := ""
		if !r.Size.IsZero() {
			size = r.Size.String()
		}
		v.Resources = append(v.Resources, view.OrderResource{ID: string(r.ResourceID), Service: r.ServiceType, Region: r.Region, Type: r.ResourceType,
			Spec: r.SpecCode, Size: size, Status: orderCode(tr, "res.status.", r.Status, int(bss.ResourceInUse), int(bss.ResourceClosed),
				int(bss.ResourceFrozen), int(bss.ResourceExpired))})
	}
	return v
}

// orderCode names an upstream code from the catalogue (prefix + code) when it is one of
// known, else shows the number.
func orderCode(tr *i18n.Translator, prefix string, code int, known ...int) string {
	for _, k := range known {
		if k == code {
			return tr.T(prefix + strconv.Itoa(code))
		}
	}
	return tr.T("order.code_other", map[string]any{"Code": code})
}

// linePeriod is a line item's period: "3 month(s)".
func linePeriod(tr *i18n.Translator, l bss.OrderLine) string {
	unit := map[int]string{int(bss.PeriodMonth): "month", int(bss.PeriodYear): "year"}[l.PeriodType]
	if unit == "" || l.PeriodNum == 0 {
		return ""
	}
	return tr.T("op.period_value", map[string]any{"Num": l.PeriodNum, "Unit": tr.T("op.period." + unit)})
}

func timeOrEmpty(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	return webcore.FormatTime(t, lang)
}
