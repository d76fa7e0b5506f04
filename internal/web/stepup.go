package web

import (
	"errors"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// Every admin change, and a change of one's own e-mail address with a second factor,
// needs a step-up: the form's fresh TOTP code, or a right code given in the last five
// minutes (kept in the session, auth.Recent), so that an admin setting up several users
// does not type a code for every click. The use cases check the proof and audit every
// change with before and after.

// keyStepUpAt is the session value holding when the signed-in user last passed a step-up
// (unix seconds). Within auth.StepUpWindow (5 minutes) further admin changes need no new
// code: auth.Recent rebuilds the proof. The value is bound to the user id by the proof.
const keyStepUpAt = "stepup_at"

// stepUp returns the proof that the signed-in user just passed a second-factor check: the
// form's code, or a check within the last five minutes kept in the session. A wrong or
// missing code is audited (auth.totp_failed) by auth and answered with a message id.
func (s *Server) stepUp(c *gin.Context) (auth.StepUp, string) {
	u := signedIn(c)
	sess := sessionOf(c)
	code := strings.TrimSpace(c.PostForm("code"))
	if code == "" && sess != nil {
		if at, ok := sess.Values[keyStepUpAt].(int64); ok {
			if p := auth.Recent(u.ID, time.Unix(at, 0), s.now()); p.Verified() {
				return p, ""
			}
		}
	}
	p, err := s.auth.StepUp(c.Request.Context(), u.User, code, meta(c))
	switch {
	case errors.Is(err, auth.ErrLockedOut):
		return auth.StepUp{}, "users.err.locked"
	case errors.Is(err, auth.ErrCodeReused):
		return auth.StepUp{}, "identity.code_reused"
	case errors.Is(err, auth.ErrInvalidCode):
		if code == "" {
			return auth.StepUp{}, "identity.stepup.missing"
		}
		return auth.StepUp{}, "identity.stepup.wrong"
	case err != nil:
		s.log.Error("step-up check failed", "error", err, "request_id", requestID(c))
		return auth.StepUp{}, "error.internal"
	}
	if sess != nil {
		sess.Values[keyStepUpAt] = s.now().Unix()
		if err := sess.Save(c.Request, c.Writer); err != nil {
			webcore.Degraded(c.Request.Context(), s.log, "cannot keep the step-up time", "error", err, "request_id", requestID(c))
		}
	}
	return p, ""
}

// stepUpView says whether the code field may stay empty right now.
func (s *Server) stepUpView(c *gin.Context, errID string) view.StepUp {
	tr := s.i18n.For(lang(c))
	v := view.StepUp{}
	if errID != "" {
		v.Error = tr.T(errID)
	}
	u := signedIn(c)
	if sess := sessionOf(c); sess != nil && u != nil {
		if at, ok := sess.Values[keyStepUpAt].(int64); ok {
			t := time.Unix(at, 0)
			if auth.Recent(u.ID, t, s.now()).Verified() {
				v.Recent = true
				v.Until = formatTime(t.Add(auth.StepUpWindow), tr.Lang)
			}
		}
	}
	return v
}
