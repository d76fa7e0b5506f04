package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/users"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

func (s *Server) loginView(c *gin.Context) view.Login {
	v := view.Login{Next: safeNext(c.Query("next"))}
	// The sign-in hint appears only in the sandbox with the published default demo
	// credentials: an operator who set their own keeps them off the page.
	if s.cfg.Sandbox() && s.cfg.DemoPassword == config.Lookup("PORTAL_DEMO_PASSWORD").Default &&
		s.cfg.DemoTOTPSecret == config.Lookup("PORTAL_DEMO_TOTP_SECRET").Default {
		names := make([]string, 0, len(users.DemoUsers))
		for _, d := range users.DemoUsers {
			names = append(names, d.Username)
		}
		v.Demo = &view.DemoHint{Users: strings.Join(names, ", "), Password: s.cfg.DemoPassword, Secret: s.cfg.DemoTOTPSecret}
	}
	return v
}

func (s *Server) loginPage(c *gin.Context) {
	if signedIn(c) != nil {
		s.redirect(c, "/")
		return
	}
	v := s.loginView(c)
	tr := s.i18n.For(lang(c))
	switch c.Query("m") {
	case "signed_out":
		v.Info = tr.T("login.signed_out")
	case "expired":
		v.Info = tr.T("login.expired")
	case "password_set":
		v.Info = tr.T("login.password_set")
	}
	s.render(c, http.StatusOK, pages.Login(s.chrome(c, "login.title"), v, s.signInOptions(c, "")))
}

func (s *Server) loginSubmit(c *gin.Context) {
	tr := s.i18n.For(lang(c))
	v := s.loginView(c)
	v.Next = safeNext(c.PostForm("next"))
	v.Username = strings.TrimSpace(c.PostForm("username"))
	password := c.PostForm("password")
	if v.Username == "" || password == "" || len(v.Username) > 64 || len(password) > 1024 {
		v.Error = tr.T("login.missing")
		s.render(c, http.StatusBadRequest, pages.Login(s.chrome(c, "login.title"), v, s.signInOptions(c, "")))
		return
	}
	if !s.localSignInAllowed(c, v.Username) {
		v.Error = tr.T("login.sso_only")
		s.render(c, http.StatusForbidden, pages.Login(s.chrome(c, "login.title"), v, s.signInOptions(c, "")))
		return
	}
	res, err := s.auth.CheckPassword(c.Request.Context(), v.Username, password, meta(c))
	switch {
	case errors.Is(err, auth.ErrLockedOut):
		v.Error = tr.T("login.locked")
		s.render(c, http.StatusTooManyRequests, pages.Login(s.chrome(c, "login.title"), v, s.signInOptions(c, "")))
		return
	case errors.Is(err, auth.ErrInvalidCredentials):
		v.Error = tr.T("login.invalid")
		s.render(c, http.StatusUnauthorized, pages.Login(s.chrome(c, "login.title"), v, s.signInOptions(c, "")))
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	stage, to := session.StageSigned, v.Next
	switch {
	case res.NeedsCode:
		stage, to = session.StageCode, "/login/totp?next="+urlQueryEscape(v.Next)
	case res.NeedsEnrolment:
		stage, to = session.StageEnrol, "/profile/totp"
	}
	delete(sessionOf(c).Values, session.KeyPrevLogin) // a new sign-in, whatever the session held
	if err := s.startStage(c, res.User.ID, stage, res.User.LastLoginAt); err != nil {
		s.fail(c, err)
		return
	}
	s.redirect(c, to)
}

// startStage rotates the session id (against fixation) and records the sign-in stage.
// prevLogin is the user's last sign-in as it was before this one, for the dashboard.
func (s *Server) startStage(c *gin.Context, userID int64, stage session.Stage, prevLogin *time.Time) error {
	sess := sessionOf(c)
	if err := s.sessions.Rotate(c.Request.Context(), sess); err != nil {
		return err
	}
	at := s.now()
	if stage == session.StageSigned {
		// Keep the password time: the absolute limit counts from the first step.
		if prev := session.AuthAt(sess); prev.Unix() > 0 && session.StageOf(sess) != "" {
			at = prev
		}
	}
	delete(sess.Values, session.KeyPending)
	if _, kept := sess.Values[session.KeyPrevLogin]; !kept || stage != session.StageSigned {
		var prev int64
		if prevLogin != nil {
			prev = prevLogin.Unix()
		}
		sess.Values[session.KeyPrevLogin] = prev
	}
	session.SetStage(sess, userID, stage, at)
	return sess.Save(c.Request, c.Writer)
}

func (s *Server) codePage(c *gin.Context) {
	u := userOf(c)
	if u == nil || u.Stage != session.StageCode {
		s.redirect(c, "/login?m=expired")
		return
	}
	s.render(c, http.StatusOK, pages.Code(s.chrome(c, "totp.title"), view.Code{Username: u.Username, Next: safeNext(c.Query("next"))}))
}

func (s *Server) codeSubmit(c *gin.Context) {
	u := userOf(c)
	if u == nil || u.Stage != session.StageCode {
		s.redirect(c, "/login?m=expired")
		return
	}
	tr := s.i18n.For(lang(c))
	v := view.Code{Username: u.Username, Next: safeNext(c.PostForm("next"))}
	// One field takes the app's six digits or one of the recovery codes (used up).
	err := s.auth.CheckCodeOrRecovery(c.Request.Context(), u.User, c.PostForm("code"), meta(c))
	switch {
	case errors.Is(err, auth.ErrLockedOut):
		v.Error = tr.T("login.locked")
		s.render(c, http.StatusTooManyRequests, pages.Code(s.chrome(c, "totp.title"), v))
		return
	case errors.Is(err, auth.ErrCodeReused):
		v.Error = tr.T("identity.code_reused")
		s.render(c, http.StatusUnauthorized, pages.Code(s.chrome(c, "totp.title"), v))
		return
	case errors.Is(err, auth.ErrInvalidCode):
		v.Error = tr.T("totp.invalid")
		s.render(c, http.StatusUnauthorized, pages.Code(s.chrome(c, "totp.title"), v))
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	if err := s.startStage(c, u.ID, session.StageSigned, u.LastLoginAt); err != nil {
		s.fail(c, err)
		return
	}
	s.redirect(c, v.Next)
}

// logout ends the session on the server, so the cookie is worthless even if copied.
func (s *Server) logout(c *gin.Context) {
	sess := sessionOf(c)
	if u := userOf(c); u != nil {
		if err := audit.Record(c.Request.Context(), s.db, meta(c), audit.Entry{
			Action: audit.AuthLogout, TargetType: "user", TargetID: itoa(u.ID), Outcome: audit.Success,
		}); err != nil {
			s.fail(c, err)
			return
		}
	}
	if sess != nil {
		s.sessions.Destroy(sess)
		if err := sess.Save(c.Request, c.Writer); err != nil {
			s.fail(c, err)
			return
		}
	}
	s.redirect(c, "/login?m=signed_out")
}
