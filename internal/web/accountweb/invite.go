package accountweb

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/users"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// /invite/:token: the invited user chooses a password, then signs in normally (with the
// second-factor enrolment their roles require). The link works once.

func (a *Area) invitePage(c *gin.Context) {
	a.renderInvite(c, http.StatusOK, view.Invite{Token: c.Param("token")})
}

func (a *Area) renderInvite(c *gin.Context, status int, v view.Invite) {
	a.core.Render(c, status, pages.Invite(a.core.Chrome(c, "identity.invite.title"), v))
}

func (a *Area) inviteSubmit(c *gin.Context) {
	tr := a.core.Translator(c)
	v := view.Invite{Token: c.Param("token")}
	pw := c.PostForm("password")
	if pw != c.PostForm("password2") {
		v.Error = tr.T("identity.password.mismatch")
		a.renderInvite(c, http.StatusUnprocessableEntity, v)
		return
	}
	if len(pw) > users.MaxPasswordBytes || len(v.Token) > 200 {
		v.Error = tr.T("users.err.password_long")
		a.renderInvite(c, http.StatusUnprocessableEntity, v)
		return
	}
	if _, err := a.users.AcceptInvitation(c.Request.Context(), v.Token, pw, a.core.Meta(c)); err != nil {
		id := users.MessageID(err)
		if id == "" {
			a.core.Fail(c, err)
			return
		}
		v.Error = tr.T(id)
		status := http.StatusUnprocessableEntity
		if errors.Is(err, users.ErrInvitationInvalid) {
			status = http.StatusNotFound
		}
		a.renderInvite(c, status, v)
		return
	}
	a.core.Redirect(c, "/login?m=password_set")
}
