package accountweb

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/users"
	"github.com/purser-finance/purser/web/templates/view"
)

// profilePassword is POST /profile/password: the current password and the new one twice.
// The user's other sessions end (users.ChangePassword).
func (a *Area) profilePassword(c *gin.Context) {
	u, _ := a.core.User(c)
	tr := a.core.Translator(c)
	again := func(msg string) {
		a.profileAgain(c, http.StatusUnprocessableEntity, false, func(p *view.ProfilePage) { p.PasswordError = msg })
	}
	next := c.PostForm("new_password")
	if next != c.PostForm("new_password2") {
		again(tr.T("identity.password.mismatch"))
		return
	}
	err := a.users.ChangePassword(c.Request.Context(), u, c.PostForm("current_password"), next, session.ID(a.core.Session(c)), a.core.Meta(c))
	if err != nil {
		id := users.MessageID(err)
		if id == "" {
			a.core.Fail(c, err)
			return
		}
		again(tr.T(id))
		return
	}
	a.core.Flash(c, "ok", "flash.id_password_changed")
	a.core.Redirect(c, "/profile")
}

// profileEmail is POST /profile/email: the own e-mail address; with a second factor
// enrolled it needs a step-up like the admin changes (users.ChangeOwnEmail says why).
func (a *Area) profileEmail(c *gin.Context) {
	u, _ := a.core.User(c)
	tr := a.core.Translator(c)
	email := strings.TrimSpace(c.PostForm("email"))
	again := func(msg, stepErr string) {
		a.profileAgain(c, http.StatusUnprocessableEntity, false, func(p *view.ProfilePage) {
			p.Email, p.EmailError = email, msg
			if p.EmailStepUp {
				p.StepUp = a.core.StepUpView(c, stepErr)
			}
		})
	}
	if _, err := users.NormalizeEmail(email); err != nil {
		again(tr.T("identity.field.email"), "") // before the step-up: a typo costs no code
		return
	}
	var up auth.StepUp
	if u.TOTPSecret != "" {
		var stepErr string
		if up, stepErr = a.core.StepUp(c); stepErr != "" {
			again(tr.T("identity.form_errors"), stepErr)
			return
		}
	}
	if err := a.users.ChangeOwnEmail(c.Request.Context(), u, email, a.core.Meta(c), up); err != nil {
		id := users.MessageID(err)
		if id == "" {
			a.core.Fail(c, err)
			return
		}
		again(tr.T(id), "")
		return
	}
	a.core.Flash(c, "ok", "flash.id_email_saved")
	a.core.Redirect(c, "/profile")
}
