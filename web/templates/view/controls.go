package view

// The controls of issue 15 beside the approval policy: drafting limits (admins) and
// delegations of approvals.

// LimitsPage is /admin/limits: the defaults and modes, the people with limits of their
// own and the sub-accounts with a cap on transfers in, each with its form. A refused
// form comes back with its input, its field errors and its code error.
type LimitsPage struct {
	Defaults LimitDefaultsForm
	Users    []LimitUserRow
	Subs     []LimitSubRow
	UserForm LimitUserForm
	SubForm  LimitSubForm
	People   []Option // who may get limits of their own
	Modes    []Option // refuse | extra_approval (Selected unused)
}

// LimitDefaultsForm is the defaults and the mode of each kind of limit.
type LimitDefaultsForm struct {
	Daily, Monthly                         string // "" = no limit
	DailyMode, MonthlyMode, SubAccountMode string
	Updated                                string
	Errors                                 map[string]string
	CodeError, Error                       string
}

// LimitUserRow is one person's own limits.
type LimitUserRow struct {
	UserID, User, Daily, Monthly, Updated string // Daily/Monthly "" = the default
}

// LimitSubRow is one sub-account's cap on transfers in.
type LimitSubRow struct {
	ID, Name, Monthly, Updated string
}

// LimitUserForm sets (or, both empty, removes) a person's own limits.
type LimitUserForm struct {
	UserID, Daily, Monthly string
	Errors                 map[string]string
	CodeError, Error       string
}

// LimitSubForm sets (or, empty, removes) a sub-account's cap.
type LimitSubForm struct {
	SubAccountID, Monthly string
	Errors                map[string]string
	CodeError, Error      string
}

// DelegationsPage is /delegations: the reader's delegations (an admin's: everyone's) and
// the form that sets one up.
type DelegationsPage struct {
	Rows      []DelegationRow
	Form      DelegationForm
	CanCreate bool     // the reader is an approver (or an admin)
	ForOthers bool     // the form may name another delegator (admins)
	People    []Option // the approvers
	Admin     bool     // the list is everyone's
}

// DelegationRow is one delegation.
type DelegationRow struct {
	ID, From, To, Starts, Ends, Reason, CreatedBy string
	State                                         Badge
	CanRevoke                                     bool
	RevokeError                                   string
}

// DelegationForm is a delegation being set up, as entered (times as the datetime-local
// inputs hold them, in Beijing time).
type DelegationForm struct {
	FromUserID, ToUserID, Starts, Ends, Reason string
	Errors                                     map[string]string
	CodeError, Error                           string
}
