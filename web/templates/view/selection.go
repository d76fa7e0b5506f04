package view

// SelectionForm is /operations/bulk/selection: a batch for the sub-accounts chosen on the
// list, with one amount for each, an amount per account, or (recoveries) everything
// recoverable.
type SelectionForm struct {
	Kind, KindLabel string
	Recovery        bool // the recoverable column, "everything recoverable" and the over-choice
	Mode            string
	Amount          string // the same amount for each
	AmountErr       string
	BalanceType     string
	Over            string // recoveries: "" refuse, "skip", "capped"
	Reason          string
	ReasonErr       string
	IdemKey         string
	Errors          []string // what is wrong with the selection itself
	Accounts        []SelectionAccount
}

// SelectionAccount is one chosen sub-account with its figures and its own amount box.
type SelectionAccount struct {
	ID, Name, DisplayName string
	Balance               string // cash balance as last read
	Recoverable           string // recoveries: free to recover now
	Amount                string // "an amount per account"
}
