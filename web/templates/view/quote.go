package view

// RenewalQuote is the upstream's price of a renewal, as its requester saw it on the form
// and its approvers sign it: labelled with its source and time, or why there is none.
type RenewalQuote struct {
	Title   string // "Upstream quote (ListRenewRateOnPeriod), as of …"
	Missing string // "No quote: <reason>" when there is no price ("" otherwise)
	Note    string // what the quote is to the reader (signed, never sent)
	Totals  []QuoteTotal
	// Resources are the per-resource amounts; Refused the resources not priced, with why.
	Resources []Fact
	Refused   []Fact
}

// QuoteTotal is one currency's sum, formatted with its currency.
type QuoteTotal struct {
	Official, Discount, Amount string
	HasDiscount                bool
}

// QuoteStep is the renewal form's "Get price" step: the button, and the quote once asked.
type QuoteStep struct {
	Quote *RenewalQuote // nil until asked
}

// RenewalOrders are the orders a renewal created, read from the upstream for its page.
type RenewalOrders struct {
	Orders []RenewalOrder
}

// RenewalOrder is one order: its header, line items and the resources it provisioned, or
// why they could not be read (Unavailable).
type RenewalOrder struct {
	ID          string
	Unavailable string
	Header      []Fact
	Lines       []OrderLine
	Resources   []OrderResource
}

// OrderLine is one line item of an order.
type OrderLine struct {
	ID, Service, Spec, Period, Effective, Expire, Amount string
}

// OrderResource is one resource an order provisioned.
type OrderResource struct {
	ID, Service, Region, Type, Spec, Size, Status string
}
