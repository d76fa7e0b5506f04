package bss

import (
	"context"
	"fmt"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/money"
)

// Renewals is what the renewal workflow asks of the upstream besides Upstream: the price
// of a renewal before it is signed, and what the renewal's order became afterwards. It is
// a separate interface so that test doubles of Upstream elsewhere keep compiling; *Client
// implements both, so callers holding an Upstream type-assert to it.
type Renewals interface {
	QuoteRenewal(ctx context.Context, q RenewalQuoteRequest) (RenewalQuote, error)
	OrderDetails(ctx context.Context, id OrderID) (OrderDetails, error)
}

var _ Renewals = (*Client)(nil)

const opRenewRate = "ListRenewRateOnPeriod"

// RenewalQuoteRequest asks what renewing main resources for a period would cost.
type RenewalQuoteRequest struct {
	ResourceIDs []ResourceID // main resources; any number, asked MaxRenewResources a call
	PeriodType  PeriodType
	PeriodNum   int
	// IncludeRelated prices the resources attached to each main one (an ECS's disks and
	// IPs) with it, as a renewal renews them too.
	IncludeRelated bool
}

// RenewalQuote is the upstream's price for a renewal, at QuotedAt. Amounts are exact
// decimals as the upstream sent them (not rounded to cents), so that sums over calls stay
// exact; display rounds.
type RenewalQuote struct {
	Resources []ResourcePrice // per priced main resource, in request order
	Totals    []QuoteTotal    // one per currency, in order of first appearance
	Failures  []ResourceFailure
	QuotedAt  time.Time // UTC, when the last answer arrived
}

// ResourcePrice is the upstream's renewal amount of one main resource (with its attached
// resources when asked). The upstream documents it only as "续订金额"; whether optional
// discounts are already deducted is not stated, so totals carry the discount separately.
type ResourcePrice struct {
	ResourceID ResourceID
	Amount     money.Amount
}

// QuoteTotal is the sum over the quoted resources in one currency.
type QuoteTotal struct {
	Currency string
	// MeasureID is the unit of the amounts: 1 yuan. The v2 answer carries no measure_id;
	// it documents every amount as "单位为元".
	MeasureID int
	Official  money.Amount // official website price
	Discount  money.Amount // the best optional discount (0 when none is offered)
	Amount    money.Amount // what would be paid: Official − Discount
}

// MeasureYuan is the upstream's measure id of amounts in yuan.
const MeasureYuan = 1

// Total is the quote's total in currency (ok false when nothing was quoted in it).
func (q RenewalQuote) Total(currency string) (QuoteTotal, bool) {
	for _, t := range q.Totals {
		if t.Currency == currency {
			return t, true
		}
	}
	return QuoteTotal{}, false
}

// QuoteRenewal asks ListRenewRateOnPeriod for the price of renewing the resources. More
// than MaxRenewResources resources are asked in several calls and summed per resource and
// currency. A resource the upstream refuses (not a main resource, deleted) is in
// Failures; when no resource at all could be priced the call returns an *Error carrying
// them. An answer that leaves a requested resource neither priced nor refused is a bad
// answer: an approver must never sign an under-counted price.
func (c *Client) QuoteRenewal(ctx context.Context, q RenewalQuoteRequest) (RenewalQuote, error) {
	var out RenewalQuote
	if len(q.ResourceIDs) == 0 {
		return out, &Error{Operation: opRenewRate, Kind: ErrInvalidRequest, Message: "no resource to quote"}
	}
	acc := newQuoteSum()
	for start := 0; start < len(q.ResourceIDs); start += MaxRenewResources {
		chunk := q.ResourceIDs[start:min(start+MaxRenewResources, len(q.ResourceIDs))]
		part, err := c.quoteChunk(ctx, q, chunk)
		if err != nil {
			return RenewalQuote{}, err
		}
		acc.add(part)
	}
	out = acc.quote(time.Now().UTC())
	if len(out.Resources) == 0 && len(out.Failures) > 0 {
		e := refusedResources(out.Failures)
		e.Operation = opRenewRate
		return out, e
	}
	return out, nil
}

// chunkQuote is one call's answer in domain values.
type chunkQuote struct {
	currency string
	prices   []ResourcePrice
	official decimal.Decimal
	discount decimal.Decimal
	fails    []ResourceFailure
}

func (c *Client) quoteChunk(ctx context.Context, q RenewalQuoteRequest, chunk []ResourceID) (chunkQuote, error) {
	var out chunkQuote
	err := c.call(ctx, opRenewRate, kindRead, func(ctx context.Context) error {
		body := &model.ListRenewRateOnPeriodReq{ResourceIds: ids(chunk), PeriodType: int32(q.PeriodType), PeriodNum: int32(q.PeriodNum),
			IncludeRelativeResources: ptr(q.IncludeRelated)}
		resp, err := c.sdk(ctx, reads("renew_inquiry_results", "official_website_rating_result", "fail_resource_infos")).
			ListRenewRateOnPeriod(&model.ListRenewRateOnPeriodRequest{Body: body})
		if err != nil {
			return err
		}
		var bad error
		out, bad = decodeQuote(resp, chunk)
		return badAnswer(bad)
	})
	return out, err
}

// decodeQuote reads one answer strictly: every amount must be a number, and every
// requested resource must be priced or refused.
func decodeQuote(resp *model.ListRenewRateOnPeriodResponse, chunk []ResourceID) (chunkQuote, error) {
	out := chunkQuote{currency: str(resp.Currency), fails: failures(resp.FailResourceInfos)}
	if out.currency == "" {
		out.currency = money.DefaultCurrency
	}
	var bad error
	seen := map[ResourceID]bool{}
	if resp.RenewInquiryResults != nil {
		for _, r := range *resp.RenewInquiryResults {
			id := ResourceID(str(r.ResourceId))
			if id == "" || r.Amount == nil {
				return out, fmt.Errorf("a renewal price without resource id or amount")
			}
			seen[id] = true
			out.prices = append(out.prices, ResourcePrice{ResourceID: id, Amount: money.New(exact(r.Amount, &bad), out.currency)})
		}
	}
	for _, f := range out.fails {
		seen[f.ResourceID] = true
	}
	for _, id := range chunk {
		if !seen[id] {
			return out, fmt.Errorf("resource %s is neither priced nor refused", id)
		}
	}
	if len(out.prices) > 0 {
		if resp.OfficialWebsiteRatingResult == nil || resp.OfficialWebsiteRatingResult.OfficialWebsiteAmount == nil {
			return out, fmt.Errorf("prices without an official website amount")
		}
		out.official = exact(resp.OfficialWebsiteRatingResult.OfficialWebsiteAmount, &bad)
	}
	out.discount = bestDiscount(resp.OptionalDiscountRatingResults, &bad)
	if out.discount.GreaterThan(out.official) || out.discount.IsNegative() {
		return out, fmt.Errorf("discount %s outside 0…%s", out.discount, out.official)
	}
	return out, bad
}

// bestDiscount is the discount the upstream marks best_offer = 1, else the largest one.
func bestDiscount(in *[]model.OptionalDiscountRatingResultV2, bad *error) decimal.Decimal {
	if in == nil {
		return decimal.Zero
	}
	best, flagged := decimal.Zero, false
	for _, d := range *in {
		v := exact(d.DiscountAmount, bad)
		switch {
		case num(d.BestOffer) == 1 && !flagged:
			best, flagged = v, true
		case !flagged && v.GreaterThan(best):
			best = v
		}
	}
	return best
}

// exact reads an amount sent as text without rounding; unreadable text is a bad answer.
func exact(p *string, bad *error) decimal.Decimal {
	if p == nil || *p == "" {
		return decimal.Zero
	}
	d, err := decimal.NewFromString(*p)
	if err != nil {
		if *bad == nil {
			*bad = fmt.Errorf("amount %q is not a number", *p)
		}
		return decimal.Zero
	}
	return d
}

// quoteSum adds chunk answers up per resource and per currency.
type quoteSum struct {
	order    []ResourceID
	price    map[ResourceID]money.Amount
	totals   []QuoteTotal
	failures []ResourceFailure
}

func newQuoteSum() *quoteSum { return &quoteSum{price: map[ResourceID]money.Amount{}} }

func (s *quoteSum) add(p chunkQuote) {
	for _, r := range p.prices {
		if prev, ok := s.price[r.ResourceID]; ok && prev.Currency() == r.Amount.Currency() {
			// The same id asked twice (in two chunks) is summed, as a renewal would buy it twice.
			s.price[r.ResourceID] = prev.Add(r.Amount)
			continue
		}
		s.order = append(s.order, r.ResourceID)
		s.price[r.ResourceID] = r.Amount
	}
	s.failures = append(s.failures, p.fails...)
	if len(p.prices) == 0 {
		return
	}
	official, discount := money.New(p.official, p.currency), money.New(p.discount, p.currency)
	for i := range s.totals {
		if t := &s.totals[i]; t.Currency == p.currency {
			t.Official, t.Discount = t.Official.Add(official), t.Discount.Add(discount)
			t.Amount = t.Official.Sub(t.Discount)
			return
		}
	}
	s.totals = append(s.totals, QuoteTotal{Currency: p.currency, MeasureID: MeasureYuan, Official: official, Discount: discount,
		Amount: official.Sub(discount)})
}

func (s *quoteSum) quote(at time.Time) RenewalQuote {
	out := RenewalQuote{Totals: s.totals, Failures: s.failures, QuotedAt: at}
	for _, id := range s.order {
		out.Resources = append(out.Resources, ResourcePrice{ResourceID: id, Amount: s.price[id]})
	}
	return out
}

// OrderDetails is everything known about one order: its header, every line item
// (ShowCustomerOrderDetails) and every resource it provisioned (the legacy order-resources
// endpoint, the only one that lists them).
type OrderDetails struct {
	Order       Order
	Lines       []OrderLine
	Provisioned []OrderResource
}

// OrderDetails reads a whole order, paging through both operations. The legacy call is
// v1.0-only upstream, so it is used whatever Config.Generation says.
func (c *Client) OrderDetails(ctx context.Context, id OrderID) (OrderDetails, error) {
	var out OrderDetails
	const linesPage = MaxPageLimit
	for off := 0; ; off += linesPage {
		d, err := c.Order(ctx, id, Page{Offset: off, Limit: linesPage})
		if err != nil {
			return OrderDetails{}, err
		}
		out.Order = d.Order
		out.Lines = append(out.Lines, d.Lines...)
		if len(d.Lines) == 0 || len(out.Lines) >= d.TotalLines {
			break
		}
	}
	for off := 0; ; off += MaxOrderResourcesLimit {
		p, err := c.OrderResources(ctx, id, Page{Offset: off, Limit: MaxOrderResourcesLimit})
		if err != nil {
			return OrderDetails{}, err
		}
		out.Provisioned = append(out.Provisioned, p.Items...)
		if len(p.Items) == 0 || len(out.Provisioned) >= p.Total {
			break
		}
	}
	return out, nil
}
