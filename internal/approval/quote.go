package approval

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/bss"
)

// A renewal is priced by Huawei Cloud when it runs, not by Purser. So that its approvers
// know what they sign, the upstream's price (ListRenewRateOnPeriod) is asked when the
// renewal is drafted and stored in its Params: it is part of the snapshot hash, and a
// changed quote is a changed snapshot. The quote is never sent upstream.
//
// A quote that cannot be had (the upstream down, the account gone) does not stop the
// draft: finance may still need the renewal before a resource expires. The draft then
// carries a Quote with Problem set, so that every approver sees "no quote" and why,
// instead of a missing line nobody notices.

// QuoteSource names the upstream operation a quote comes from; pages show it beside the price.
const QuoteSource = "ListRenewRateOnPeriod"

// Purser's own codes of a Problem, beside the upstream's CBC codes.
const (
	ProblemNotConfigured          = "not_configured"          // no upstream was wired to answer
	ProblemMasterUnavailable      = "master_unavailable"      // the master account is not configured
	ProblemCredentialsUnavailable = "credentials_unavailable" // no credentials for the sub-account owning the resources
	ProblemUnavailable            = "unavailable"             // the call failed without an upstream code
)

// Quote is the upstream's price of a renewal, as asked when it was drafted.
type Quote struct {
	Source   string    `json:"source"`    // QuoteSource
	QuotedAt time.Time `json:"quoted_at"` // when the upstream answered (or the asking failed), UTC
	// Totals has one line per currency. Amounts are decimal strings exactly as the
	// upstream sent them (at least two decimals); pages round them to cents.
	Totals    []QuoteTotal   `json:"totals,omitempty"`
	Resources []QuotePrice   `json:"resources,omitempty"` // per priced main resource, in request order
	Refused   []QuoteRefusal `json:"refused,omitempty"`   // resources the upstream would not price
	Problem   *Problem       `json:"problem,omitempty"`   // set when no price could be had
}

// Quoted reports whether q holds a price.
func (q *Quote) Quoted() bool { return q != nil && q.Problem == nil && len(q.Totals) > 0 }

// QuoteTotal is the quote's sum in one currency.
type QuoteTotal struct {
	Currency string `json:"currency"`
	Official string `json:"official"` // the official website price
	Discount string `json:"discount"` // the best optional discount ("0.00" when none)
	Amount   string `json:"amount"`   // Official − Discount: what the renewal would cost
}

// QuotePrice is one main resource's renewal amount (with its attached resources).
type QuotePrice struct {
	ResourceID string `json:"resource_id"`
	Amount     string `json:"amount"`
	Currency   string `json:"currency"`
}

// QuoteRefusal is a resource the upstream would not price, with its reason.
type QuoteRefusal struct {
	ResourceID string `json:"resource_id"`
	Code       string `json:"code"`
	Message    string `json:"message"` // the upstream's own text
}

// Problem is why the upstream could not answer a read: Code is its CBC code or one of
// Purser's Problem… codes, Kind the bss error kind's text, Message the upstream's (or
// Purser's) own English text.
type Problem struct {
	Code      string `json:"code"`
	Kind      string `json:"kind,omitempty"`
	Message   string `json:"message,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// UpstreamText is the problem as bss words it for people in lang ("en", "zh"), or "" when
// it is one of Purser's own codes, which the web layer words.
func (p *Problem) UpstreamText(lang string) string {
	if p == nil {
		return ""
	}
	if k := bssKind(p.Kind); k != nil {
		return (&bss.Error{Kind: k, Code: p.Code}).UserMessage(lang)
	}
	return ""
}

// problemOf records err: the upstream's code and words when it is a *bss.Error, else code.
func problemOf(err error, code string) *Problem {
	var be *bss.Error
	if errors.As(err, &be) {
		p := &Problem{Code: be.Code, Message: be.Message, RequestID: be.RequestID}
		if be.Kind != nil {
			p.Kind = be.Kind.Error()
		}
		if p.Code == "" {
			p.Code = ProblemUnavailable
		}
		return p
	}
	return &Problem{Code: code, Message: err.Error()}
}

// ErrNotRenewal: only renewals are quoted and have renewal orders.
var ErrNotRenewal = errors.New("approval: the operation is not a renewal")

// defaultQuoteTimeout bounds asking for a quote: a draft waits for it.
const defaultQuoteTimeout = 10 * time.Second

// RenewalClients builds Options.Renewals from the clients the executor sends with: the
// master's, or for a sub-account's resources that sub-account's own (the upstream prices
// an account's resources and shows its orders only to that account's keys). sub nil: no
// sub-account credentials exist. Clients that do not implement bss.Renewals are refused.
func RenewalClients(master, sub func(ctx context.Context, id string) (bss.Upstream, error)) func(ctx context.Context, master, account string) (bss.Renewals, error) {
	return func(ctx context.Context, m, account string) (bss.Renewals, error) {
		var up bss.Upstream
		var err error
		if account != "" && account != m {
			if sub == nil {
				return nil, errors.New("approval: no sub-account credentials are configured")
			}
			up, err = sub(ctx, account)
		} else {
			up, err = master(ctx, m)
		}
		if err != nil {
			return nil, err
		}
		r, ok := up.(bss.Renewals)
		if !ok {
			return nil, errors.New("approval: the upstream client cannot price renewals")
		}
		return r, nil
	}
}

// renewalsFor is the client for the account owning the resources of p; code names what is
// missing when there is none.
func (s *Service) renewalsFor(ctx context.Context, master string, p Params) (bss.Renewals, string, error) {
	if s.opts.Renewals == nil {
		return nil, ProblemNotConfigured, errors.New("approval: no upstream prices renewals")
	}
	r, err := s.opts.Renewals(ctx, master, p.AccountID)
	if err == nil {
		return r, "", nil
	}
	if p.AccountID != "" && p.AccountID != master {
		return nil, ProblemCredentialsUnavailable, err
	}
	return nil, ProblemMasterUnavailable, err
}

// QuoteRenewal validates a renewal as Create would and asks the upstream for its price,
// creating nothing: the draft form's "Get price" step. Invalid input is a
// *ValidationError; an upstream that cannot answer is a Quote with Problem set.
func (s *Service) QuoteRenewal(ctx context.Context, a Actor, in Input) (*Quote, error) {
	if !authz.Allowed(a.Subject(), authz.CreateOperation, authz.Target{}) {
		return nil, ErrForbidden
	}
	if in.Kind != KindRenewResources {
		return nil, ErrNotRenewal
	}
	v, err := s.validate(ctx, a, in)
	if err != nil {
		return nil, err
	}
	return s.quote(ctx, v.masterOr(s.opts.MasterAccountID), v.params), nil
}

// quote asks the upstream what renewing p's resources for p's period costs, with their
// attached resources (a renewal renews those too, and is charged for them).
func (s *Service) quote(ctx context.Context, master string, p Params) *Quote {
	ctx, cancel := context.WithTimeout(ctx, s.opts.QuoteTimeout)
	defer cancel()
	q := &Quote{Source: QuoteSource}
	failed := func(pr *Problem) *Quote {
		q.QuotedAt, q.Problem = s.now().Truncate(time.Second), pr
		return q
	}
	up, code, err := s.renewalsFor(ctx, master, p)
	if err != nil {
		return failed(problemOf(err, code))
	}
	req := bss.RenewalQuoteRequest{PeriodType: bss.PeriodMonth, PeriodNum: p.PeriodNum, IncludeRelated: true}
	if p.PeriodType == "year" {
		req.PeriodType = bss.PeriodYear
	}
	for _, id := range p.ResourceIDs {
		req.ResourceIDs = append(req.ResourceIDs, bss.ResourceID(id))
	}
	got, err := up.QuoteRenewal(ctx, req)
	for _, f := range refusedOf(got, err) {
		q.Refused = append(q.Refused, QuoteRefusal{ResourceID: string(f.ResourceID), Code: f.Code, Message: f.Message})
	}
	if err != nil {
		return failed(problemOf(err, ProblemUnavailable))
	}
	q.QuotedAt = got.QuotedAt.UTC().Truncate(time.Second)
	for _, t := range got.Totals {
		q.Totals = append(q.Totals, QuoteTotal{Currency: t.Currency, Official: exactText(t.Official.Decimal()),
			Discount: exactText(t.Discount.Decimal()), Amount: exactText(t.Amount.Decimal())})
	}
	for _, r := range got.Resources {
		q.Resources = append(q.Resources, QuotePrice{ResourceID: string(r.ResourceID), Amount: exactText(r.Amount.Decimal()), Currency: r.Amount.Currency()})
	}
	return q
}

// refusedOf is the resources the upstream refused to price, in an answer or in the error
// of a call where it refused them all.
func refusedOf(q bss.RenewalQuote, err error) []bss.ResourceFailure {
	var be *bss.Error
	if err != nil && errors.As(err, &be) && len(be.Failures) > 0 {
		return be.Failures
	}
	return q.Failures
}

// exactText writes an amount with at least two decimals and every further one it has:
// "12.30", "0.125". A quote's amounts are kept as exact as the upstream sent them.
func exactText(d decimal.Decimal) string {
	s := d.String() // without trailing zeros
	if i := strings.IndexByte(s, '.'); i < 0 || len(s)-i-1 < 2 {
		return d.StringFixed(2)
	}
	return s
}
