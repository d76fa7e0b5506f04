package web

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

func (s *Server) invitePage(c *gin.Context) {
	s.render(c, http.StatusOK, pages.Invite(s.chrome(c, "identity.invite.title"), view.Invite{Token: c.Param("token")}))
}

func (s *Server) inviteSubmit(c *gin.Context) {
	tr := s.i18n.For(lang(c))
	v := view.Invite{Token: c.Param("token")}
	pw := c.PostForm("password")
	if pw != c.PostForm("password2") {
		v.Error = tr.T("identity.password.mismatch")
		s.render(c, http.StatusUnprocessableEntity, pages.Invite(s.chrome(c, "identity.invite.title"), v))
		return
	}
	if len(pw) > users.MaxPasswordBytes || len(v.Token) > 200 {
		v.Error = tr.T("users.err.password_long")
		s.render(c, http.StatusUnprocessableEntity, pages.Invite(s.chrome(c, "identity.invite.title"), v))
		return
	}
	_, err := s.admin.Users.AcceptInvitation(c.Request.Context(), v.Token, pw, meta(c))
	if err != nil {
		id := users.MessageID(err)
		if id == "" {
			s.fail(c, err)
			return
		}
		v.Error = tr.T(id)
		status := http.StatusUnprocessableEntity
		if errors.Is(err, users.ErrInvitationInvalid) {
			status = http.StatusNotFound
		}
		s.render(c, status, pages.Invite(s.chrome(c, "identity.invite.title"), v))
		return
	}
	s.redirect(c, "/login?m=password_set")
}
