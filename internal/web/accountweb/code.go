package accountweb

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// The second step of a password sign-in: GET and POST /login/totp. One field takes the
// app's six digits or one of the recovery codes (used up).

// codeStep is the user waiting for their second factor; nil (and sent back to sign in)
// when the session is at no such step, or waited too long.
func (a *Area) codeStep(c *gin.Context) *store.User {
	u, stage := a.core.User(c)
	if u == nil || stage != session.StageCode {
		a.core.Redirect(c, "/login?m=expired")
		return nil
	}
	return u
}

// codePage is GET /login/totp.
func (a *Area) codePage(c *gin.Context) {
	u := a.codeStep(c)
	if u == nil {
		return
	}
	a.core.Render(c, http.StatusOK, pages.Code(a.core.Chrome(c, "totp.title"), view.Code{Username: u.Username, Next: webcore.SafeNext(c.Query("next"))}))
}

// codeSubmit is POST /login/totp: a right code completes the sign-in.
func (a *Area) codeSubmit(c *gin.Context) {
	u := a.codeStep(c)
	if u == nil {
		return
	}
	tr := a.core.Translator(c)
	v := view.Code{Username: u.Username, Next: webcore.SafeNext(c.PostForm("next"))}
	again := func(status int, msgID string) {
		v.Error = tr.T(msgID)
		a.core.Render(c, status, pages.Code(a.core.Chrome(c, "totp.title"), v))
	}
	err := a.auth.CheckCodeOrRecovery(c.Request.Context(), u, c.PostForm("code"), a.core.Meta(c))
	switch {
	case errors.Is(err, auth.ErrLockedOut):
		again(http.StatusTooManyRequests, "login.locked")
		return
	case errors.Is(err, auth.ErrCodeReused):
		again(http.StatusUnauthorized, "identity.code_reused")
		return
	case errors.Is(err, auth.ErrInvalidCode):
		again(http.StatusUnauthorized, "totp.invalid")
		return
	case err != nil:
		a.core.Fail(c, err)
		return
	}
	if err := a.core.SignIn(c, u, session.StageSigned, false); err != nil {
		a.core.Fail(c, err)
		return
	}
	a.core.Redirect(c, v.Next)
}
