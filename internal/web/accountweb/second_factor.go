package accountweb

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/users"
	"github.com/purser-finance/purser/web/templates/view"
)

// profileReplaceTOTP is POST /profile/totp/replace: the own factor replaced, with a code
// of the current one (or a recovery code) and a code of the new one.
func (a *Area) profileReplaceTOTP(c *gin.Context) {
	if u, _ := a.core.User(c); u.TOTPSecret == "" {
		a.core.Redirect(c, "/profile")
		return
	}
	v, err := a.pendingEnrolment(c)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	codes, err := a.confirmTOTP(c, v.Secret, c.PostForm("current_code"))
	if errors.Is(err, auth.ErrInvalidCode) {
		msg := a.core.Translator(c).T("identity.totp.replace_invalid")
		if errors.Is(err, auth.ErrCodeReused) {
			msg = a.core.Translator(c).T("identity.code_reused")
		}
		a.profileAgain(c, http.StatusUnprocessableEntity, true, func(p *view.ProfilePage) { p.TOTPError = msg })
		return
	}
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	if err := a.dropPending(c); err != nil {
		a.core.Fail(c, err)
		return
	}
	a.showRecoveryCodes(c, codes, "/profile")
}

// profileRecoveryCodes is POST /profile/recovery-codes: a new set behind a code of the
// second factor; the old set stops working.
func (a *Area) profileRecoveryCodes(c *gin.Context) {
	u, _ := a.core.User(c)
	codes, err := a.users.RegenerateRecoveryCodes(c.Request.Context(), u, c.PostForm("code"), a.core.Meta(c))
	if errors.Is(err, auth.ErrInvalidCode) || errors.Is(err, users.ErrNoSecondFactor) {
		reason := "wrong code for new recovery codes"
		if errors.Is(err, auth.ErrCodeReused) {
			reason = "code_reused"
		}
		if aerr := a.auditFactorRefused(c, u.ID, u.Username, reason); aerr != nil {
			a.core.Fail(c, aerr)
			return
		}
		msg := a.core.Translator(c).T(users.MessageID(err))
		a.profileAgain(c, http.StatusUnprocessableEntity, false, func(p *view.ProfilePage) { p.TOTPError = msg })
		return
	}
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	a.showRecoveryCodes(c, codes, "/profile")
}
