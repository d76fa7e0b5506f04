package adminweb

import (
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// Routes are the administrators' pages. Every change needs a step-up (Core.StepUp; the
// policy and the matrix's rules a fresh code) and is audited by its use case.
func (a *Area) Routes() []webcore.Route {
	return []webcore.Route{
		{Method: "GET", Path: "/admin", Action: authz.ViewAdmin, Handle: a.index},
		{Method: "GET", Path: "/admin/policy", Action: authz.ManagePolicy, Handle: a.policyPage},
		{Method: "POST", Path: "/admin/policy", Action: authz.ManagePolicy, Handle: a.policySave},
		{Method: "GET", Path: "/admin/limits", Action: authz.ManagePolicy, Handle: a.limitsPage},
		{Method: "POST", Path: "/admin/limits", Action: authz.ManagePolicy, Handle: a.limitsSave},
		{Method: "POST", Path: "/admin/limits/users", Action: authz.ManagePolicy, Handle: a.limitsUserSave},
		{Method: "POST", Path: "/admin/limits/sub-accounts", Action: authz.ManagePolicy, Handle: a.limitsSubSave},

		// The approval matrix: rules, approver groups, changes held for a second admin.
		{Method: "GET", Path: "/admin/matrix", Action: authz.ManagePolicy, Handle: a.matrixPage},
		{Method: "GET", Path: "/admin/matrix/explain", Action: authz.ManagePolicy, Handle: a.matrixExplain},
		{Method: "GET", Path: "/admin/matrix/rules/new", Action: authz.ManagePolicy, Handle: a.ruleNew},
		{Method: "POST", Path: "/admin/matrix/rules", Action: authz.ManagePolicy, Handle: a.ruleSave},
		{Method: "GET", Path: "/admin/matrix/rules/:id", Action: authz.ManagePolicy, Handle: a.ruleEdit},
		{Method: "POST", Path: "/admin/matrix/rules/:id", Action: authz.ManagePolicy, Handle: a.ruleSave},
		{Method: "POST", Path: "/admin/matrix/rules/:id/delete", Action: authz.ManagePolicy, Handle: a.ruleDelete},
		{Method: "GET", Path: "/admin/matrix/groups/new", Action: authz.ManagePolicy, Handle: a.groupNew},
		{Method: "POST", Path: "/admin/matrix/groups", Action: authz.ManagePolicy, Handle: a.groupSave},
		{Method: "GET", Path: "/admin/matrix/groups/:id", Action: authz.ManagePolicy, Handle: a.groupEdit},
		{Method: "POST", Path: "/admin/matrix/groups/:id", Action: authz.ManagePolicy, Handle: a.groupSave},
		{Method: "POST", Path: "/admin/matrix/groups/:id/delete", Action: authz.ManagePolicy, Handle: a.groupDelete},
		{Method: "POST", Path: "/admin/matrix/changes/:id/approve", Action: authz.ManagePolicy, Handle: a.changeApprove},
		{Method: "POST", Path: "/admin/matrix/changes/:id/reject", Action: authz.ManagePolicy, Handle: a.changeReject},

		// Users.
		{Method: "GET", Path: "/admin/users", Action: authz.ManageUsers, Handle: a.userList},
		{Method: "GET", Path: "/admin/users/new", Action: authz.ManageUsers, Handle: a.userNew},
		{Method: "POST", Path: "/admin/users", Action: authz.ManageUsers, Handle: a.userCreate},
		{Method: "GET", Path: "/admin/users/:id", Action: authz.ManageUsers, Handle: a.userEdit},
		{Method: "POST", Path: "/admin/users/:id", Action: authz.ManageUsers, Handle: a.userSave},
		{Method: "POST", Path: "/admin/users/:id/disable", Action: authz.ManageUsers, Handle: a.userDisable},
		{Method: "POST", Path: "/admin/users/:id/enable", Action: authz.ManageUsers, Handle: a.userEnable},
		{Method: "POST", Path: "/admin/users/:id/password", Action: authz.ManageUsers, Handle: a.userPassword},
		{Method: "POST", Path: "/admin/users/:id/invite", Action: authz.ManageUsers, Handle: a.userInvite},
		{Method: "POST", Path: "/admin/users/:id/totp/reset", Action: authz.ManageUsers, Handle: a.userResetTOTP},
		{Method: "POST", Path: "/admin/users/:id/sessions/end", Action: authz.ManageUsers, Handle: a.userEndSession},
		{Method: "POST", Path: "/admin/users/:id/sessions/end-all", Action: authz.ManageUsers, Handle: a.userEndAll},

		// Upstream accounts.
		{Method: "GET", Path: "/admin/upstream", Action: authz.ManageUpstream, Handle: a.upstreamList},
		{Method: "GET", Path: "/admin/upstream/new", Action: authz.ManageUpstream, Handle: a.upstreamNew},
		{Method: "POST", Path: "/admin/upstream", Action: authz.ManageUpstream, Handle: a.upstreamCreate},
		{Method: "GET", Path: "/admin/upstream/:id", Action: authz.ManageUpstream, Handle: a.upstreamEdit},
		{Method: "POST", Path: "/admin/upstream/:id", Action: authz.ManageUpstream, Handle: a.upstreamSave},
		{Method: "POST", Path: "/admin/upstream/:id/delete", Action: authz.ManageUpstream, Handle: a.upstreamDelete},
		{Method: "POST", Path: "/admin/upstream/:id/test", Action: authz.ManageUpstream, Handle: a.upstreamTest},

		// Settings.
		{Method: "GET", Path: "/admin/settings", Action: authz.ManageSettings, Handle: a.settingsPage},
		{Method: "POST", Path: "/admin/settings/:section", Action: authz.ManageSettings, Handle: a.settingsSave},
		{Method: "POST", Path: "/admin/settings/:section/test", Action: authz.ManageSettings, Handle: a.settingsTest},
	}
}
