package web

import (
	"errors"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/settings"
	"github.com/purser-finance/purser/internal/sso"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/upstreamacct"
	"github.com/purser-finance/purser/internal/users"
	"github.com/purser-finance/purser/web/templates/view"
)

// Helpers shared by the administration and identity pages.

// keyStepUpAt is the session value holding when the signed-in user last passed a step-up
// (unix seconds). Within auth.StepUpWindow (5 minutes) further admin changes need no new
// code: auth.Recent rebuilds the proof. The value is bound to the user id by the proof.
const keyStepUpAt = "stepup_at"

// errStepUpNeeded answers a step-up that failed (wrong or missing code).
var errStepUpNeeded = errors.New("web: step-up failed")

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
			s.log.Warn("cannot keep the step-up time", "error", err, "request_id", requestID(c))
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

// messageOf translates an error of the identity use cases; "" when it is none of theirs
// (then the caller fails with it).
func messageOf(err error) string {
	for _, f := range []func(error) string{users.MessageID, upstreamacct.MessageID, settings.MessageID, sso.MessageID} {
		if id := f(err); id != "" {
			return id
		}
	}
	return ""
}

// fieldErrors translates a use case's per-field errors. The users package gives English
// sentences (its CLI prints them), the others message ids.
func fieldErrors(tr *i18n.Translator, err error) map[string]string {
	out := map[string]string{}
	var ue *users.ValidationError
	var ae *upstreamacct.ValidationError
	var se *settings.ValidationError
	switch {
	case errors.As(err, &ue):
		for k := range ue.Fields {
			out[k] = tr.T("identity.field." + fieldKey(k))
		}
	case errors.As(err, &ae):
		for k, id := range ae.Fields {
			out[k] = tr.T(id)
		}
	case errors.As(err, &se):
		for k, id := range se.Fields {
			out[k] = tr.T(id)
		}
	}
	return out
}

// fieldKey maps the users package's field names to message ids.
func fieldKey(k string) string {
	switch k {
	case "username", "password", "role", "scope", "display_name", "name", "expires", "email":
		return k
	}
	return "other"
}

// sessionRows lists sessions for display; current is the id of the request's session.
func (s *Server) sessionRows(c *gin.Context, list []store.Session, current string) []view.SessionRow {
	l := lang(c)
	rows := make([]view.SessionRow, 0, len(list))
	for _, x := range list {
		agent := x.UserAgent
		if r := []rune(agent); len(r) > 80 {
			agent = string(r[:80]) + "…"
		}
		rows = append(rows, view.SessionRow{ID: x.ID, Started: formatTime(x.CreatedAt, l), LastSeen: formatTime(x.LastSeenAt, l),
			IP: x.IP, Agent: agent, Current: x.ID == current})
	}
	return rows
}
