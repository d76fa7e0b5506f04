package view

// View models of the administration and identity pages: users, invitations, the own
// profile, upstream accounts and settings.

// StepUp is the second-factor field of an admin form. Within a few minutes of a right
// code the field may stay empty (Recent).
type StepUp struct {
	Recent bool
	Until  string // end of the grace period, display time
	Error  string
}

// SignIn are the sign-in page's single sign-on offer and notices.
type SignIn struct {
	SSOLabel string // "" = no single sign-on
	Error    string // a failed single sign-on, translated
	Recovery bool   // the code step accepts recovery codes
}

// Check is one checkbox of a list (roles, organisation units).
type Check struct {
	Value, Label string
	Checked      bool
	Children     []Check // the boxes nested below this one (a unit's own units)
}

// UserRow is one user in the admin list.
type UserRow struct {
	Href, Username, DisplayName string
	Email                       string // personal data: this page is for admins only
	Roles                       []string
	Scopes                      string // translated summary
	Status                      Badge
	SecondFactor                Badge
	LastLogin                   string
}

// UserList is /admin/users.
type UserList struct {
	Rows []UserRow
}

// UserForm creates a user.
type UserForm struct {
	Username, DisplayName string
	Email                 string
	Mode                  string // "password" or "invite"
	Roles, Scopes         []Check
	Errors                map[string]string
	Error                 string
	StepUp                StepUp
}

// OneTime is a value shown once (invitation link, initial credentials, API token).
type OneTime struct {
	Heading, Text, Value, Test string
	Codes                      []string // recovery codes
	Back, BackLabel            string
}

// SessionRow is one active session.
type SessionRow struct {
	ID, Started, LastSeen, IP, Agent string
	Current                          bool
}

// UserEdit is /admin/users/:id.
type UserEdit struct {
	ID, Username, DisplayName string
	Email                     string
	Status                    Badge
	Disabled, Self            bool
	SecondFactor              Badge
	HasFactor                 bool
	LastLogin, Created        string
	Roles, Scopes             []Check
	NoOrgs                    bool
	Sessions                  []SessionRow
	Errors                    map[string]string
	Error                     string
	StepUp                    StepUp
}

// Invite is /invite/:token.
type Invite struct {
	Token, Error string
}

// TokenRow is one personal API token.
type TokenRow struct {
	ID, Name, Prefix, Created, Expires, LastUsed string
	Status                                       Badge
	Active                                       bool
}

// ProfilePage is /profile.
type ProfilePage struct {
	Username, DisplayName string
	Email                 string
	EmailError            string
	EmailStepUp           bool   // the user has a second factor: the change needs a step-up
	StepUp                StepUp // for the e-mail form
	Roles                 []string
	Enrolled, Replacing   bool
	Enrol                 Enrol // the pending enrolment (new or replacing factor)
	RecoveryLeft          string
	TOTPError             string
	PasswordError         string
	Sessions              []SessionRow
	Tokens                []TokenRow
	TokenName, Expires    string
	TokenError            string
}

// ConnectionTest is the result of "test connection".
type ConnectionTest struct {
	OK                             bool
	Message, Code, RequestID, Info string
}

// UpstreamRow is one upstream account.
type UpstreamRow struct {
	Href, Name, Kind, Endpoint, DomainID, AK, Generation string
	Status                                               Badge
	// A master's last finished sync (sync_runs): when, how, and why it failed.
	Master    bool
	LastSync  string // "" never
	LastState Badge
	LastError string
}

// UpstreamList is /admin/upstream.
type UpstreamList struct {
	Rows []UpstreamRow
}

// UpstreamForm creates or edits an upstream account; the SK is never filled in.
type UpstreamForm struct {
	ID                                         string // "" = new
	Name, Kind, MasterID, Endpoint, Region, AK string
	DomainID, Generation                       string
	HasSecret, Enabled                         bool
	Masters                                    []Option
	Errors                                     map[string]string
	Error                                      string
	StepUp                                     StepUp
	Test                                       *ConnectionTest
}

// SettingsPage is /admin/settings; durations are in minutes.
type SettingsPage struct {
	SyncInterval, CatalogInterval    string
	LowThreshold                     string
	SMTPHost, SMTPPort, SMTPUser     string
	SMTPFrom, SMTPTLS                string
	SMTPHasPassword                  bool
	WebhookURL                       string
	WebhookHasSecret                 bool
	IdleTimeout, AbsoluteTimeout     string
	SSOEnabled, SSOJIT, SSOLinkEmail bool
	SSOLocalAdmins, SSOHasSecret     bool
	SSOIssuer, SSOClientID, SSORedir string
	SSOScopes, SSORoleClaim          string
	SSORoleMap, SSOScopeClaim        string
	SSOScopeMap                      string
	Section                          string // the section the errors belong to
	Errors                           map[string]string
	Error                            string
	Result                           *ConnectionTest // a "send test" outcome
	NotifyFailure                    string          // the last notification not delivered, translated; "" = none
	StepUp                           StepUp
}
