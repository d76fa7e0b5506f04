package view

// TopUpPage is /operations/top-ups/propose: the accounts running out, what brings each to
// the target, within what each master has free, and the form that drafts them as one
// batch.
type TopUpPage struct {
	Below, Target, Step, Master  string // the inputs as typed
	BelowErr, TargetErr, StepErr string
	Masters                      []Option // the master filter; empty with one master
	Shown                        bool     // a proposal was computed (the inputs are good)
	Rows                         []TopUpRow
	Funds                        []TopUpFunds
	Count, Total                 string
	Drafted                      int // accounts the batch would transfer to
	Reason, ReasonErr            string
	IdemKey, Fingerprint         string
	Notice                       string         // the figures moved since the preview
	Errors                       []BulkRowError // the batch's own refusals
}

// TopUpRow is one account of the proposal.
type TopUpRow struct {
	ID, Name, DisplayName, Href     string
	DaysLeft, Burn, Balance, Needed string
	Amount                          string // what the batch transfers ("" when left out)
	Note                            string
	Trimmed                         bool
}

// TopUpFunds is one master's free funds against what its accounts ask.
type TopUpFunds struct {
	Master, Free, Asked, Total, AsOf string
	Short                            bool
}
