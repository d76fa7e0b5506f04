// Package authz decides who may do what. It is the only place that knows which role grants
// which permission; handlers and middleware ask Can and nothing else. Anything not granted
// here is denied.
package authz

import "slices"

// Role is one of the five roles of ARCHITECTURE.md. A user may hold several.
type Role string

// The roles.
const (
	Admin    Role = "admin"
	Approver Role = "approver"
	Finance  Role = "finance"
	Auditor  Role = "auditor"
	Viewer   Role = "viewer"
)

// Roles lists every role in display order.
var Roles = []Role{Admin, Approver, Finance, Auditor, Viewer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Action is a permission. Every route and every use case names the one it needs.
type Action string

// The actions. Read actions come first, then the ones that change something.
const (
	ViewDashboard   Action = "dashboard.view"
	ViewSubAccounts Action = "sub_accounts.view"
	ViewBilling     Action = "billing.view" // coupons, cards, resources, packages, catalogue
	ViewOperations  Action = "operations.view"
	ViewApprovals   Action = "approvals.view"
	ViewAudit       Action = "audit.view"
	ExportAudit     Action = "audit.export"
	ExportData      Action = "data.export"
	ViewAdmin       Action = "admin.view"
	ViewRules       Action = "rules.view" // standing top-up rules, their history and totals

	ManageOwnProfile Action = "profile.manage" // own password, second factor, sessions, tokens
	CreateOperation  Action = "operations.create"
	CancelOperation  Action = "operations.cancel"
	ApproveOperation Action = "operations.approve"
	ResolveOperation Action = "operations.resolve" // settle an unknown outcome
	RunSync          Action = "sync.run"
	SetThreshold     Action = "sub_accounts.threshold"
	ManageUsers      Action = "users.manage"
	ManagePolicy     Action = "policy.manage"
	ManageUpstream   Action = "upstream.manage"
	ManageSettings   Action = "settings.manage"
	// ManageRules drafts changes of standing top-up rules (approved like operations).
	ManageRules Action = "rules.manage"
	// PauseAllRules pauses (and resumes) every standing top-up rule at once.
	PauseAllRules      Action = "rules.pause_all"
	ViewHealth         Action = "health.view" // public probes: /healthz, /readyz, /metrics
	AuthenticatePublic Action = "auth.public" // the sign-in pages themselves
)

// ManageDelegations: let another approver approve on one's behalf for a period, or
// (admins) see and end everyone's delegations.
const ManageDelegations Action = "delegations.manage"

// Mutating reports whether an action changes state. Auditors and viewers never hold one
// (tested over the whole route matrix).
func (a Action) Mutating() bool {
	switch a {
	case ManageOwnProfile, CreateOperation, CancelOperation, ApproveOperation, ResolveOperation,
		ManageDelegations, RunSync, SetThreshold, ManageUsers, ManagePolicy, ManageUpstream, ManageSettings, ManageRules, PauseAllRules:
		return true
	}
	return false
}

// grants is the whole policy: role → actions. Keep it readable; a test prints it as a table.
var grants = map[Role][]Action{
	Viewer: {ViewDashboard, ViewSubAccounts, ViewBilling},
	Auditor: {ViewDashboard, ViewSubAccounts, ViewBilling, ViewOperations, ViewAudit,
		ExportAudit, ExportData, ViewRules},
	Finance: {ViewDashboard, ViewSubAccounts, ViewBilling, ViewOperations, ExportData,
		CreateOperation, CancelOperation, RunSync, SetThreshold, ViewRules, ManageRules},
	Approver: {ViewDashboard, ViewSubAccounts, ViewBilling, ViewOperations, ViewApprovals,
		ApproveOperation, ViewRules, ManageDelegations},
	Admin: {ViewDashboard, ViewSubAccounts, ViewBilling, ViewOperations, ViewAudit,
		ExportAudit, ExportData, ViewAdmin, ResolveOperation, ManageDelegations, RunSync, SetThreshold,
		ManageUsers, ManagePolicy, ManageUpstream, ManageSettings, ViewRules, PauseAllRules},
}

// Subject is who is asking: a signed-in user, with roles and organisation scopes read
// fresh from the database on every request.
type Subject struct {
	UserID int64
	Roles  []Role
	// Scopes are organisation unit ids. Empty means the whole enterprise. A scope covers
	// its unit and every unit below it.
	Scopes []string
}

// Has reports whether the subject holds a role.
func (s Subject) Has(r Role) bool { return slices.Contains(s.Roles, r) }

// Target is the object acted on; the zero Target means "no particular object".
type Target struct {
	// OrgPath is the chain of organisation unit ids from the root down to the unit that
	// owns the object (a sub-account's unit). Empty when the object has no organisation.
	OrgPath []string
	// OwnerID is the user who requested the object (an operation), 0 when none.
	OwnerID int64
}

// Decision says whether an action is allowed and, when it is not, why (for the audit
// trail, never shown verbatim to users).
type Decision struct {
	Allowed bool
	Reason  string
}

// Can decides. Everyone signed in manages their own profile; probes and sign-in pages are
// public; everything else needs a role that grants the action, the target inside the
// subject's organisation scope, and — for approvals — someone other than the requester.
func Can(s Subject, a Action, t Target) Decision {
	switch a {
	case ViewHealth, AuthenticatePublic:
		return Decision{Allowed: true}
	case "":
		return Decision{Reason: "no permission named"}
	}
	if s.UserID == 0 {
		return Decision{Reason: "not signed in"}
	}
	if a == ManageOwnProfile {
		return Decision{Allowed: true}
	}
	if !granted(s.Roles, a) {
		return Decision{Reason: "no role grants " + string(a)}
	}
	if a == ApproveOperation && t.OwnerID != 0 && t.OwnerID == s.UserID {
		return Decision{Reason: "requester cannot approve their own operation"}
	}
	if !InScope(s, t.OrgPath) {
		return Decision{Reason: "target outside organisation scope"}
	}
	return Decision{Allowed: true}
}

// Allowed is Can(...).Allowed, for templates' "show this button?" flags.
func Allowed(s Subject, a Action, t Target) bool { return Can(s, a, t).Allowed }

// InScope reports whether an object in the organisation path is visible to the subject.
// Anyone whose queries are not limited (ScopeOf) sees everything, and so does anyone
// asking about an object without an organisation.
func InScope(s Subject, orgPath []string) bool {
	q := ScopeOf(s)
	return q.All || len(orgPath) == 0 || q.Covers(orgPath)
}

func granted(roles []Role, a Action) bool {
	for _, r := range roles {
		if slices.Contains(grants[r], a) {
			return true
		}
	}
	return false
}

// Granted lists the actions a role grants, for the admin pages and tests.
func Granted(r Role) []Action { return slices.Clone(grants[r]) }
