package view

// Standing top-up rules' pages (issue 14).

// RulesPage is /rules: every rule with this month's totals against its caps, and the
// admins' switch.
type RulesPage struct {
	Rows      []RuleRow
	Paused    bool   // an admin paused every rule
	PausedBy  string // who and when, in words
	CanPause  bool   // the admin's switch is shown
	CanCreate bool
	Month     string
	TopUps    int    // this month's automatic top-ups …
	Total     string // … and their total
}

// RuleRow is one rule in the list.
type RuleRow struct {
	ID, Href, Name, Target, Trigger, Action string
	State                                   Badge
	Spent, Cap                              string // this month, formatted
	Percent                                 int    // Spent of Cap, 0–100
	TopUps                                  int
	Valid                                   string
}

// RuleForm is /rules/new and /rules/{id}/edit.
type RuleForm struct {
	Action  string // where the form posts
	Heading string
	Errors  []string
	IdemKey string
	Fields  []FormField
	Reason  FormField
	Policy  string // how many approvals the change will need
}

// RuleDetail is /rules/{id}.
type RuleDetail struct {
	ID, Name   string
	State      Badge
	Facts      []Fact
	Spent, Cap string
	Percent    int
	Month      string
	Payments   []RulePaymentRow
	History    []RuleHistoryRow
	CanManage  bool
	Paused     bool // the rule's own state
	AllPaused  bool // an admin's switch
	EditHref   string
	ReasonErr  string
}

// RulePaymentRow is one automatic top-up of the rule.
type RulePaymentRow struct {
	At, SubAccount, SubAccountHref, Amount, OperationHref, OperationID string
	State                                                              Badge
}

// RuleHistoryRow is one applied change of the rule.
type RuleHistoryRow struct {
	At, Action, Version, OperationHref, OperationID, Approvers string
}

// RuleTopUps is the dashboard's panel of this month's automatic top-ups.
type RuleTopUps struct {
	Count int
	Total string
	Rows  []RulePaymentRow // the newest few
	Href  string
}
