package accountweb

import (
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/sso"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// What single sign-on changes on the sign-in page: the provider's button, and, with
// "local sign-in for admins only", who may still use a password.

// ssoConfig returns the single sign-on configuration in force (disabled when the
// settings cannot be read).
func (a *Area) ssoConfig(c *gin.Context) sso.Config {
	st, err := a.settings.Get(c.Request.Context())
	if err != nil {
		webcore.Degraded(c.Request.Context(), a.log, "cannot read the settings", "error", err, "request_id", a.core.RequestID(c))
		return sso.Config{}
	}
	return st.SSO
}

// signInOptions is the sign-in page's single sign-on offer.
func (a *Area) signInOptions(c *gin.Context, errID string) view.SignIn {
	tr := a.core.Translator(c)
	o := view.SignIn{}
	if cfg := a.ssoConfig(c); cfg.Enabled {
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
func (a *Area) localSignInAllowed(c *gin.Context, username string) bool {
	cfg := a.ssoConfig(c)
	if cfg.LocalSignInAllowed(nil) {
		return true // no restriction in force
	}
	u, err := a.db.UserByUsername(c.Request.Context(), username)
	if err == nil && cfg.LocalSignInAllowed(u.Roles) {
		return true
	}
	if aerr := audit.Record(c.Request.Context(), a.db, a.core.Meta(c), audit.Entry{Action: audit.AuthLoginFailed, TargetType: "user",
		TargetID: strings.ToLower(username), Outcome: audit.Failure,
		Details: map[string]any{"reason": "local sign-in is limited to administrators while single sign-on is on"}}); aerr != nil {
		a.log.Error("cannot audit a refused sign-in", "error", aerr, "request_id", a.core.RequestID(c))
	}
	return false
}
