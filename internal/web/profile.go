package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func (s *Server) profilePage(c *gin.Context) {
	u := userOf(c)
	v := view.Enrol{}
	if u.TOTPSecret == "" {
		var err error
		if v, err = s.pendingEnrolment(c); err != nil {
			s.fail(c, err)
			return
		}
	}
	v.Done = c.Query("m") == "enrolled"
	s.render(c, http.StatusOK, pages.Profile(s.chrome(c, "profile.title"), v, u.TOTPSecret != ""))
}

// pendingEnrolment returns the secret being enrolled, generating one on first view. It is
// kept sealed in the session so that the QR code stays the same across reloads and a
// wrong code.
func (s *Server) pendingEnrolment(c *gin.Context) (view.Enrol, error) {
	u := userOf(c)
	sess := sessionOf(c)
	var secret string
	if sealed, ok := sess.Values[session.KeyPending].(string); ok {
		secret, _ = s.totpBox.Open(sealed)
	}
	if secret == "" {
		e, err := auth.NewEnrolment(u.Username)
		if err != nil {
			return view.Enrol{}, err
		}
		sealed, err := s.totpBox.Seal(e.Secret)
		if err != nil {
			return view.Enrol{}, err
		}
		sess.Values[session.KeyPending] = sealed
		if err := sess.Save(c.Request, c.Writer); err != nil {
			return view.Enrol{}, err
		}
		return view.Enrol{Secret: e.Secret, QR: e.QRPNG, Required: u.Stage == session.StageEnrol}, nil
	}
	e, err := auth.EnrolmentFor(u.Username, secret)
	if err != nil {
		return view.Enrol{}, err
	}
	return view.Enrol{Secret: e.Secret, QR: e.QRPNG, Required: u.Stage == session.StageEnrol}, nil
}

func (s *Server) enrolPage(c *gin.Context) {
	u := userOf(c)
	if u.Stage == session.StageSigned {
		s.redirect(c, "/profile")
		return
	}
	v, err := s.pendingEnrolment(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, pages.EnrolRequired(s.chrome(c, "enrol.title"), v))
}

func (s *Server) enrolSubmit(c *gin.Context) {
	u := userOf(c)
	if u.TOTPSecret != "" {
		// Replacing a second factor is an admin's reset (portal user reset-totp), so that
		// a stolen session cannot swap it.
		s.redirect(c, "/profile")
		return
	}
	v, err := s.pendingEnrolment(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	err = s.auth.Enrol(c.Request.Context(), u.User, v.Secret, c.PostForm("code"), meta(c))
	if errors.Is(err, auth.ErrInvalidCode) {
		v.Error = s.i18n.For(lang(c)).T("enrol.invalid")
		if u.Stage == session.StageEnrol {
			s.render(c, http.StatusUnprocessableEntity, pages.EnrolRequired(s.chrome(c, "enrol.title"), v))
		} else {
			s.render(c, http.StatusUnprocessableEntity, pages.Profile(s.chrome(c, "profile.title"), v, false))
		}
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if u.Stage == session.StageEnrol {
		// The second factor now exists and was just proven: the sign-in is complete.
		if err := s.auth.CompleteAfterEnrolment(c.Request.Context(), u.User, meta(c)); err != nil {
			s.fail(c, err)
			return
		}
		if err := s.startStage(c, u.ID, session.StageSigned, u.LastLoginAt); err != nil {
			s.fail(c, err)
			return
		}
		s.redirect(c, "/")
		return
	}
	sess := sessionOf(c)
	delete(sess.Values, session.KeyPending)
	if err := sess.Save(c.Request, c.Writer); err != nil {
		s.fail(c, err)
		return
	}
	s.redirect(c, "/profile?m=enrolled")
}
