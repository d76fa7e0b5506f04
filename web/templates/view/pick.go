package view

// The draft form's pickers: a type-ahead for the sub-account, radio choices of coupons and
// checkboxes of resources, each also usable without script (a submit re-renders the form).

// TypeAhead is a text box whose typed text fetches suggestions (htmx) into a box below it.
// Without script it is a plain text field of its form. Box names the suggestion box
// (id Box+"-suggest") and the form's default button (Box+"-default-submit"), which comes
// ahead of the suggestions so that Enter submits the text as typed, not a suggestion.
type TypeAhead struct {
	ID, Name, Value string
	Placeholder     string
	Suggest         string // the URL the box's text is sent to (GET)
	Include         string // hx-include: more of the form sent along ("" = the box alone)
	Test            string // the box's data-testid
	Box             string
	Invalid         bool
}

// SubAccountChoice is one sub-account as the picker shows it.
type SubAccountChoice struct {
	ID, Name, DisplayName string
	Org                   string // its unit's name
	Balance               string // what it holds in cash, with the currency
}

// SubAccountPick is the draft form's sub-account field.
type SubAccountPick struct {
	Label, Hint, Error string
	Box                TypeAhead
	Chosen             *SubAccountChoice // the sub-account the field names, when one does
	// Matches are the sub-accounts the field's text matches when it names none: the form
	// came back for a choice (the no-script search). MatchNote says so, or that none does.
	Matches   []SubAccountChoice
	MatchNote string
}

// SubAccountSuggestions are the type-ahead's answer.
type SubAccountSuggestions struct {
	Rows  []SubAccountChoice
	Empty string // "" when there are matches
	More  string // "" when every match is shown
}

// CouponChoice is one coupon a coupon operation may name.
type CouponChoice struct {
	Value                 string // what the choice posts (coupon_pick)
	CouponID, SubCouponID string
	Plan                  string // the coupon's plan: its kind
	Balance               string // with the currency
	Expire                string
	Checked               bool
	UsedUp                bool // nothing left: not a choice
}

// CouponPick lists the coupons of an allocation (the master's) or a recovery (the
// sub-account's).
type CouponPick struct {
	Legend  string
	Choices []CouponChoice
	Empty   string // shown without choices: why there are none
	Error   string
	Show    string // the label of the no-script button that lists the sub-account's coupons
}

// ResourceChoice is one resource the resource picker offers.
type ResourceChoice struct {
	ID, Name, Service, Region string
	Expire                    string
	Status                    string // "" while in use; otherwise what it is (frozen, expired)
	Soon                      bool   // expires within 30 days
	Checked                   bool
}

// ResourcePick lists one account's yearly/monthly resources as checkboxes.
type ResourcePick struct {
	Accounts []Option // accounts owning resources (more than one: a choice)
	Account  string   // the one listed, as the page names it
	Within   []Option // the expiry filter
	Rows     []ResourceChoice
	// Kept are picks the filter hides, posted along; KeptNote says how many there are.
	Kept     []string
	KeptNote string
	Shown    string // "4 of 12 shown"
	Empty    string
	Error    string
	// Paste is the fallback: ids pasted one per line (those not in the list above).
	Paste     FormField
	PasteOpen bool
}

// PickerFields are the form fields the pickers render (their errors show there, not in
// the form's summary).
func (v OperationForm) PickerFields() []string {
	var out []string
	if v.SubAccount != nil {
		out = append(out, "sub_account_id")
	}
	if v.Coupons != nil {
		out = append(out, "coupon_id", "sub_coupon_id")
	}
	if v.ResourcePick != nil {
		out = append(out, "resource_ids")
	}
	return out
}
