package accountweb

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/sso"
	"github.com/purser-finance/purser/internal/web/webcore"
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

// oidcStart is GET /login/oidc.
func (a *Area) oidcStart(c *gin.Context) {
	to, pend, err := a.sso.BeginLogin(c.Request.Context(), a.ssoConfig(c))
	if err != nil {
		a.oidcFailed(c, err)
		return
	}
	sess := a.core.Session(c)
	sess.Values[keyOIDCState], sess.Values[keyOIDCNonce], sess.Values[keyOIDCVerifier] = pend.State, pend.Nonce, pend.Verifier
	sess.Values[keyOIDCNext] = webcore.SafeNext(c.Query("next"))
	if err := sess.Save(c.Request, c.Writer); err != nil {
		a.core.Fail(c, err)
		return
	}
	a.core.Redirect(c, to)
}

// oidcCallback is GET /login/oidc/callback: the provider's answer to one start.
func (a *Area) oidcCallback(c *gin.Context) {
	sess := a.core.Session(c)
	str := func(k string) string { v, _ := sess.Values[k].(string); return v }
	pend := sso.Pending{State: str(keyOIDCState), Nonce: str(keyOIDCNonce), Verifier: str(keyOIDCVerifier)}
	next := webcore.SafeNext(str(keyOIDCNext))
	for _, k := range []string{keyOIDCState, keyOIDCNonce, keyOIDCVerifier, keyOIDCNext} {
		delete(sess.Values, k) // one attempt per start
	}
	cb := sso.Callback{Code: c.Query("code"), State: c.Query("state"), Error: c.Query("error"), ErrorDescription: c.Query("error_description")}
	u, err := a.sso.Complete(c.Request.Context(), a.ssoConfig(c), cb, pend, a.core.Meta(c))
	if err != nil {
		if serr := sess.Save(c.Request, c.Writer); serr != nil {
			a.core.Fail(c, serr)
			return
		}
		a.oidcFailed(c, err)
		return
	}
	stage := session.StageSigned
	if u.TOTPSecret == "" && auth.SecondFactorRequired(u.Roles) {
		stage, next = session.StageEnrol, "/profile/totp"
	}
	if err := a.core.SignIn(c, u, stage, true); err != nil {
		a.core.Fail(c, err)
		return
	}
	a.core.Redirect(c, next)
}

// oidcFailed shows the sign-in page with the translated reason (audited by sso).
func (a *Area) oidcFailed(c *gin.Context, err error) {
	id := sso.MessageID(err)
	if id == "" {
		a.core.Fail(c, err)
		return
	}
	status := http.StatusUnauthorized
	if errors.Is(err, sso.ErrDisabled) {
		status = http.StatusNotFound
	} else if errors.Is(err, sso.ErrProvider) {
		status = http.StatusBadGateway
	}
	a.renderLogin(c, status, a.loginView(c), id)
}
