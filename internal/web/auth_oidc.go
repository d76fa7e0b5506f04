package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/sso"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// Single sign-on with OpenID Connect: GET /login/oidc sends the browser to the provider
// with state, nonce and a PKCE challenge (kept in the pre-login session, server-side);
// GET /login/oidc/callback completes the sign-in through sso.Complete and rotates the
// session like a password sign-in. A user whose roles require a second factor and who
// has none is sent to enrol, as after a password.

// Session values of a sign-in in progress at the provider.
const (
	keyOIDCState    = "oidc_state"
	keyOIDCNonce    = "oidc_nonce"
	keyOIDCVerifier = "oidc_verifier"
	keyOIDCNext     = "oidc_next"
)

// ssoConfig returns the single sign-on configuration in force (disabled when the
// settings cannot be read).
func (s *Server) ssoConfig(c *gin.Context) sso.Config {
	st, err := s.admin.Settings.Get(c.Request.Context())
	if err != nil {
		s.log.Warn("cannot read the settings", "error", err, "request_id", requestID(c))
		return sso.Config{}
	}
	return st.SSO
}

// signInOptions is the sign-in page's single sign-on offer.
func (s *Server) signInOptions(c *gin.Context, errID string) view.SignIn {
	tr := s.i18n.For(lang(c))
	o := view.SignIn{}
	if cfg := s.ssoConfig(c); cfg.Enabled {
		name := cfg.Issuer
		if u, err := url.Parse(cfg.Issuer); err == nil && u.Host != "" {
			name = u.Host
		}
		o.SSOLabel = tr.T("login.sso", map[string]any{"Provider": name})
	}
	if errID != "" {
		o.Error = tr.T(errID)
	}
	return o
}

// localSignInAllowed applies "local sign-in for admins only" before the password is
// checked: a name that is not an enabled admin's gets the same answer whether it exists
// or not, and the refusal is audited as auth.login_failed.
func (s *Server) localSignInAllowed(c *gin.Context, username string) bool {
	cfg := s.ssoConfig(c)
	if cfg.LocalSignInAllowed(nil) {
		return true // no restriction in force
	}
	u, err := s.db.UserByUsername(c.Request.Context(), username)
	if err == nil && cfg.LocalSignInAllowed(u.Roles) {
		return true
	}
	if aerr := audit.Record(c.Request.Context(), s.db, meta(c), audit.Entry{Action: audit.AuthLoginFailed, TargetType: "user",
		TargetID: strings.ToLower(username), Outcome: audit.Failure,
		Details: map[string]any{"reason": "local sign-in is limited to administrators while single sign-on is on"}}); aerr != nil {
		s.log.Error("cannot audit a refused sign-in", "error", aerr, "request_id", requestID(c))
	}
	return false
}

func (s *Server) oidcStart(c *gin.Context) {
	cfg := s.ssoConfig(c)
	to, pend, err := s.admin.SSO.BeginLogin(c.Request.Context(), cfg)
	if err != nil {
		s.oidcFailed(c, err)
		return
	}
	sess := sessionOf(c)
	sess.Values[keyOIDCState], sess.Values[keyOIDCNonce], sess.Values[keyOIDCVerifier] = pend.State, pend.Nonce, pend.Verifier
	sess.Values[keyOIDCNext] = safeNext(c.Query("next"))
	if err := sess.Save(c.Request, c.Writer); err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, to)
	c.Abort()
}

func (s *Server) oidcCallback(c *gin.Context) {
	sess := sessionOf(c)
	str := func(k string) string { v, _ := sess.Values[k].(string); return v }
	pend := sso.Pending{State: str(keyOIDCState), Nonce: str(keyOIDCNonce), Verifier: str(keyOIDCVerifier)}
	next := safeNext(str(keyOIDCNext))
	for _, k := range []string{keyOIDCState, keyOIDCNonce, keyOIDCVerifier, keyOIDCNext} {
		delete(sess.Values, k) // one attempt per start
	}
	cb := sso.Callback{Code: c.Query("code"), State: c.Query("state"), Error: c.Query("error"), ErrorDescription: c.Query("error_description")}
	u, err := s.admin.SSO.Complete(c.Request.Context(), s.ssoConfig(c), cb, pend, meta(c))
	if err != nil {
		if serr := sess.Save(c.Request, c.Writer); serr != nil {
			s.fail(c, serr)
			return
		}
		s.oidcFailed(c, err)
		return
	}
	stage := session.StageSigned
	if u.TOTPSecret == "" && auth.SecondFactorRequired(u.Roles) {
		stage, next = session.StageEnrol, "/profile/totp"
	}
	delete(sess.Values, session.KeyPrevLogin)
	if err := s.startStage(c, u.ID, stage, u.LastLoginAt); err != nil {
		s.fail(c, err)
		return
	}
	s.redirect(c, next)
}

// oidcFailed shows the sign-in page with the translated reason (audited by sso).
func (s *Server) oidcFailed(c *gin.Context, err error) {
	id := sso.MessageID(err)
	if id == "" {
		s.fail(c, err)
		return
	}
	status := http.StatusUnauthorized
	if errors.Is(err, sso.ErrDisabled) {
		status = http.StatusNotFound
	} else if errors.Is(err, sso.ErrProvider) {
		status = http.StatusBadGateway
	}
	v := s.loginView(c)
	s.render(c, status, pages.Login(s.chrome(c, "login.title"), v, s.signInOptions(c, id)))
}

// ssoRoleNames lists the valid role names for the settings' mapping help.
func ssoRoleNames() string {
	names := make([]string, 0, len(authz.Roles))
	for _, r := range authz.Roles {
		names = append(names, string(r))
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
