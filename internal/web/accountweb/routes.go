package accountweb

import (
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// enrolQRPath serves the pending secret's QR code (enrolQR).
const enrolQRPath = "/profile/totp/qr.png"

// Routes are signing in and out (public: before any session exists), the own profile
// and the notifications. The enrolling routes are all a user whose roles require a
// second factor may reach before setting one up.
func (a *Area) Routes() []webcore.Route {
	return []webcore.Route{
		{Method: "GET", Path: "/login", Action: authz.AuthenticatePublic, Handle: a.loginPage},
		{Method: "POST", Path: "/login", Action: authz.AuthenticatePublic, Handle: a.loginSubmit},
		{Method: "GET", Path: "/login/totp", Action: authz.AuthenticatePublic, Handle: a.codePage},
		{Method: "POST", Path: "/login/totp", Action: authz.AuthenticatePublic, Handle: a.codeSubmit},
		{Method: "POST", Path: "/logout", Action: authz.AuthenticatePublic, Handle: a.logout},
		{Method: "GET", Path: "/login/oidc", Action: authz.AuthenticatePublic, Handle: a.oidcStart},
		{Method: "GET", Path: "/login/oidc/callback", Action: authz.AuthenticatePublic, Handle: a.oidcCallback},
		{Method: "GET", Path: "/invite/:token", Action: authz.AuthenticatePublic, Handle: a.invitePage},
		{Method: "POST", Path: "/invite/:token", Action: authz.AuthenticatePublic, Handle: a.inviteSubmit},

		// Own profile and second factor.
		{Method: "GET", Path: "/profile", Action: authz.ManageOwnProfile, Handle: a.profilePage},
		{Method: "GET", Path: "/profile/totp", Action: authz.ManageOwnProfile, Enrolling: true, Handle: a.enrolPage},
		{Method: "POST", Path: "/profile/totp", Action: authz.ManageOwnProfile, Enrolling: true, Handle: a.enrolSubmit},
		{Method: "GET", Path: enrolQRPath, Action: authz.ManageOwnProfile, Enrolling: true, Handle: a.enrolQR},
		{Method: "POST", Path: "/profile/password", Action: authz.ManageOwnProfile, Handle: a.profilePassword},
		{Method: "POST", Path: "/profile/email", Action: authz.ManageOwnProfile, Handle: a.profileEmail},
		{Method: "POST", Path: "/profile/totp/replace", Action: authz.ManageOwnProfile, Handle: a.profileReplaceTOTP},
		{Method: "POST", Path: "/profile/recovery-codes", Action: authz.ManageOwnProfile, Handle: a.profileRecoveryCodes},
		{Method: "POST", Path: "/profile/sessions/end", Action: authz.ManageOwnProfile, Handle: a.profileEndSession},
		{Method: "POST", Path: "/profile/sessions/end-others", Action: authz.ManageOwnProfile, Handle: a.profileEndOthers},
		{Method: "POST", Path: "/profile/tokens", Action: authz.ManageOwnProfile, Handle: a.profileCreateToken},
		{Method: "POST", Path: "/profile/tokens/:id/revoke", Action: authz.ManageOwnProfile, Handle: a.profileRevokeToken},

		{Method: "GET", Path: "/notifications", Action: authz.ManageOwnProfile, Handle: a.notificationList},
		{Method: "POST", Path: "/notifications/read", Action: authz.ManageOwnProfile, Handle: a.notificationsRead},
	}
}
