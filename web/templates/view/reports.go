package view

// ReportsPage is the scheduled reports page: the user's subscriptions with the form to
// add one, and the reports made for them.
type ReportsPage struct {
	Intro   string // which sections their reports hold
	Email   string // "" = none: reports are kept on the page only
	Choices []Option
	Error   string // why the subscribe form was refused (translated); its choice stays selected
	Subs    []ReportSubRow
	Reports []ReportRow
}

// ReportSubRow is one live subscription.
type ReportSubRow struct {
	ID        string
	Frequency string // translated
	Since     string
}

// ReportRow is one generated report.
type ReportRow struct {
	Href      string
	Period    string
	Frequency string
	Generated string
	Delivery  string
	Size      string
}
