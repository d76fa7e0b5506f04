package accountweb

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/users"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// Signing in with a password: GET and POST /login. A right password moves the session to
// the second-factor step, to the enrolment the user's roles require, or straight in.

func (a *Area) loginView(c *gin.Context) view.Login {
	v := view.Login{Next: webcore.SafeNext(c.Query("next"))}
	// The sign-in hint appears only in the sandbox with the published default demo
	// credentials: an operator who set their own keeps them off the page.
	if a.cfg.Sandbox() && a.cfg.DemoPassword == config.Lookup("PORTAL_DEMO_PASSWORD").Default &&
		a.cfg.DemoTOTPSecret == config.Lookup("PORTAL_DEMO_TOTP_SECRET").Default {
		names := make([]string, 0, len(users.DemoUsers))
		for _, d := range users.DemoUsers {
			names = append(names, d.Username)
		}
		v.Demo = &view.DemoHint{Users: strings.Join(names, ", "), Password: a.cfg.DemoPassword, Secret: a.cfg.DemoTOTPSecret}
	}
	return v
}

func (a *Area) renderLogin(c *gin.Context, status int, v view.Login, errID string) {
	a.core.Render(c, status, pages.Login(a.core.Chrome(c, "login.title"), v, a.signInOptions(c, errID)))
}

// loginPage is GET /login; a signed-in user goes home.
func (a *Area) loginPage(c *gin.Context) {
	if u, stage := a.core.User(c); u != nil && stage == session.StageSigned {
		a.core.Redirect(c, "/")
		return
	}
	v := a.loginView(c)
	tr := a.core.Translator(c)
	switch c.Query("m") {
	case "signed_out":
		v.Info = tr.T("login.signed_out")
	case "expired":
		v.Info = tr.T("login.expired")
	case "password_set":
		v.Info = tr.T("login.password_set")
	}
	a.renderLogin(c, http.StatusOK, v, "")
}

// loginSubmit is POST /login.
func (a *Area) loginSubmit(c *gin.Context) {
	tr := a.core.Translator(c)
	v := a.loginView(c)
	v.Next = webcore.SafeNext(c.PostForm("next"))
	v.Username = strings.TrimSpace(c.PostForm("username"))
	password := c.PostForm("password")
	if v.Username == "" || password == "" || len(v.Username) > 64 || len(password) > 1024 {
		v.Error = tr.T("login.missing")
		a.renderLogin(c, http.StatusBadRequest, v, "")
		return
	}
	if !a.localSignInAllowed(c, v.Username) {
		v.Error = tr.T("login.sso_only")
		a.renderLogin(c, http.StatusForbidden, v, "")
		return
	}
	res, err := a.auth.CheckPassword(c.Request.Context(), v.Username, password, a.core.Meta(c))
	switch {
	case errors.Is(err, auth.ErrLockedOut):
		v.Error = tr.T("login.locked")
		a.renderLogin(c, http.StatusTooManyRequests, v, "")
		return
	case errors.Is(err, auth.ErrInvalidCredentials):
		v.Error = tr.T("login.invalid")
		a.renderLogin(c, http.StatusUnauthorized, v, "")
		return
	case err != nil:
		a.core.Fail(c, err)
		return
	}
	stage, to := session.StageSigned, v.Next
	switch {
	case res.NeedsCode:
		stage, to = session.StageCode, "/login/totp?next="+url.QueryEscape(v.Next)
	case res.NeedsEnrolment:
		stage, to = session.StageEnrol, "/profile/totp"
	}
	if err := a.core.SignIn(c, res.User, stage, true); err != nil {
		a.core.Fail(c, err)
		return
	}
	a.core.Redirect(c, to)
}
