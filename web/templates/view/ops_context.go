package view

// OperationContext is the "Context" panel of an operation still to happen (pending, or
// approved and not executed yet): the accounts it changes, what else waits on them, and
// the figures after it. The zero value shows nothing.
type OperationContext struct {
	Shown      bool
	SubAccount *ContextAccount // nil: no balances to show
	Master     *ContextAccount // nil: not a transfer, or not for this viewer
	// The other unsettled requests the viewer may see on the sub-account, and the
	// master's transfers to other sub-accounts; the More links list them all.
	SubAccountOps, MasterOps         []OperationRow
	SubAccountMore, MasterMore       string
	ShowSubAccountOps, ShowMasterOps bool
}

// ContextAccount is one account of the context panel: its balances as last read with
// their freshness, and the figure the operation changes before and after it.
type ContextAccount struct {
	Name, Href string
	AsOf       AsOf
	Balances   []ContextLine // what it holds now
	Figure     string        // the figure the operation changes ("Cash", "Credit line · expires …")
	After      []ContextLine // that figure now, after this one, after all
	Note       string
}

// ContextLine is one amount of the context panel. Below: the amount is under zero.
type ContextLine struct {
	Label, Amount, Currency, Test string
	Below                         bool
}

// Money is an amount formatted for people ("1,234.50") and its currency.
type Money struct{ Amount, Currency string }
