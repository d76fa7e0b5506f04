package web

import "github.com/purser-finance/purser/internal/authz"

// identityRoutes are administration and identity: users, upstream accounts, settings,
// single sign-on and the signed-in user's own profile beyond the second factor.
//
// Every admin change needs a step-up: the form's fresh TOTP code, or a right code given
// in the last five minutes (kept in the session, auth.Recent), so that an admin setting
// up several users does not type a code for every click. The use cases check the proof
// and audit every change with before and after.
func (s *Server) identityRoutes() []route {
	return []route{
		// Single sign-on and invitations (before any session exists).
		{method: "GET", path: "/login/oidc", action: authz.AuthenticatePublic, handle: s.oidcStart},
		{method: "GET", path: "/login/oidc/callback", action: authz.AuthenticatePublic, handle: s.oidcCallback},
		{method: "GET", path: "/invite/:token", action: authz.AuthenticatePublic, handle: s.invitePage},
		{method: "POST", path: "/invite/:token", action: authz.AuthenticatePublic, handle: s.inviteSubmit},

		// Own profile.
		{method: "POST", path: "/profile/password", action: authz.ManageOwnProfile, handle: s.profilePassword},
		{method: "POST", path: "/profile/email", action: authz.ManageOwnProfile, handle: s.profileEmail},
		{method: "POST", path: "/profile/totp/replace", action: authz.ManageOwnProfile, handle: s.profileReplaceTOTP},
		{method: "POST", path: "/profile/recovery-codes", action: authz.ManageOwnProfile, handle: s.profileRecoveryCodes},
		{method: "POST", path: "/profile/sessions/end", action: authz.ManageOwnProfile, handle: s.profileEndSession},
		{method: "POST", path: "/profile/sessions/end-others", action: authz.ManageOwnProfile, handle: s.profileEndOthers},
		{method: "POST", path: "/profile/tokens", action: authz.ManageOwnProfile, handle: s.profileCreateToken},
		{method: "POST", path: "/profile/tokens/:id/revoke", action: authz.ManageOwnProfile, handle: s.profileRevokeToken},

		// Users.
		{method: "GET", path: "/admin/users", action: authz.ManageUsers, handle: s.adminUsers},
		{method: "GET", path: "/admin/users/new", action: authz.ManageUsers, handle: s.adminUserNew},
		{method: "POST", path: "/admin/users", action: authz.ManageUsers, handle: s.adminUserCreate},
		{method: "GET", path: "/admin/users/:id", action: authz.ManageUsers, handle: s.adminUserEdit},
		{method: "POST", path: "/admin/users/:id", action: authz.ManageUsers, handle: s.adminUserSave},
		{method: "POST", path: "/admin/users/:id/disable", action: authz.ManageUsers, handle: s.adminUserDisable},
		{method: "POST", path: "/admin/users/:id/enable", action: authz.ManageUsers, handle: s.adminUserEnable},
		{method: "POST", path: "/admin/users/:id/password", action: authz.ManageUsers, handle: s.adminUserPassword},
		{method: "POST", path: "/admin/users/:id/invite", action: authz.ManageUsers, handle: s.adminUserInvite},
		{method: "POST", path: "/admin/users/:id/totp/reset", action: authz.ManageUsers, handle: s.adminUserResetTOTP},
		{method: "POST", path: "/admin/users/:id/sessions/end", action: authz.ManageUsers, handle: s.adminUserEndSession},
		{method: "POST", path: "/admin/users/:id/sessions/end-all", action: authz.ManageUsers, handle: s.adminUserEndAll},

		// Upstream accounts.
		{method: "GET", path: "/admin/upstream", action: authz.ManageUpstream, handle: s.adminUpstream},
		{method: "GET", path: "/admin/upstream/new", action: authz.ManageUpstream, handle: s.adminUpstreamNew},
		{method: "POST", path: "/admin/upstream", action: authz.ManageUpstream, handle: s.adminUpstreamCreate},
		{method: "GET", path: "/admin/upstream/:id", action: authz.ManageUpstream, handle: s.adminUpstreamEdit},
		{method: "POST", path: "/admin/upstream/:id", action: authz.ManageUpstream, handle: s.adminUpstreamSave},
		{method: "POST", path: "/admin/upstream/:id/delete", action: authz.ManageUpstream, handle: s.adminUpstreamDelete},
		{method: "POST", path: "/admin/upstream/:id/test", action: authz.ManageUpstream, handle: s.adminUpstreamTest},

		// Settings.
		{method: "GET", path: "/admin/settings", action: authz.ManageSettings, handle: s.adminSettings},
		{method: "POST", path: "/admin/settings/:section", action: authz.ManageSettings, handle: s.adminSettingsSave},
		{method: "POST", path: "/admin/settings/:section/test", action: authz.ManageSettings, handle: s.adminSettingsTest},

		// The JSON API's own description: public, it holds nothing but the API's shape.
		{method: "GET", path: "/api/v1/openapi.json", action: authz.AuthenticatePublic, handle: s.openAPI},
	}
}
