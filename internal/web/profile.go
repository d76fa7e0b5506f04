package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/users"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// The signed-in user's own page: password, second factor and recovery codes, sessions,
// personal API tokens. Secrets (recovery codes, a new token) are shown once, in the
// answer to the POST that made them, never again.

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// profileView builds /profile; replacing shows the QR code of a new factor.
func (s *Server) profileView(c *gin.Context, replacing bool) (view.ProfilePage, error) {
	u := userOf(c)
	tr := s.i18n.For(lang(c))
	ctx := c.Request.Context()
	v := view.ProfilePage{Username: u.Username, DisplayName: u.DisplayName, Email: u.Email, Roles: roleLabels(tr, u.Roles),
		Enrolled: u.TOTPSecret != "", Replacing: replacing && u.TOTPSecret != ""}
	if v.EmailStepUp = u.TOTPSecret != ""; v.EmailStepUp {
		v.StepUp = s.stepUpView(c, "")
	}
	if !v.Enrolled || v.Replacing {
		e, err := s.pendingEnrolment(c)
		if err != nil {
			return v, err
		}
		v.Enrol = e
	}
	if v.Enrolled {
		n, err := s.admin.Users.RecoveryCodesLeft(ctx, u.ID)
		if err != nil {
			return v, err
		}
		v.RecoveryLeft = strconv.FormatInt(n, 10)
	}
	list, err := s.admin.Users.Sessions(ctx, u.ID)
	if err != nil {
		return v, err
	}
	v.Sessions = s.sessionRows(c, list, session.ID(sessionOf(c)))
	toks, err := s.admin.Users.Tokens(ctx, u.ID)
	if err != nil {
		return v, err
	}
	now := s.now()
	for _, t := range toks {
		row := view.TokenRow{ID: itoa(t.ID), Name: t.Name, Prefix: t.Prefix, Created: formatTime(t.CreatedAt, tr.Lang),
			Expires: fmtTimePtr(t.ExpiresAt, tr.Lang), LastUsed: fmtTimePtr(t.LastUsedAt, tr.Lang)}
		switch {
		case t.RevokedAt != nil:
			row.Status = view.Badge{Text: tr.T("identity.token.revoked"), Kind: "bad"}
		case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
			row.Status = view.Badge{Text: tr.T("identity.token.expired"), Kind: "warn"}
		default:
			row.Status, row.Active = view.Badge{Text: tr.T("identity.token.active"), Kind: "ok"}, true
		}
		v.Tokens = append(v.Tokens, row)
	}
	return v, nil
}

func (s *Server) profilePage(c *gin.Context) {
	v, err := s.profileView(c, c.Query("replace") == "1")
	if err != nil {
		s.fail(c, err)
		return
	}
	v.Enrol.Done = c.Query("m") == "enrolled"
	s.render(c, http.StatusOK, pages.Profile(s.page(c, "profile.title"), v))
}

// profileAgain shows the profile with an error in one section (the input is kept by the
// caller through edit).
func (s *Server) profileAgain(c *gin.Context, status int, replacing bool, edit func(*view.ProfilePage)) {
	v, err := s.profileView(c, replacing)
	if err != nil {
		s.fail(c, err)
		return
	}
	edit(&v)
	s.render(c, status, pages.Profile(s.page(c, "profile.title"), v))
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
		return view.Enrol{Secret: e.Secret, QR: enrolQRPath, Required: u.Stage == session.StageEnrol}, nil
	}
	e, err := auth.EnrolmentFor(u.Username, secret)
	if err != nil {
		return view.Enrol{}, err
	}
	return view.Enrol{Secret: e.Secret, QR: enrolQRPath, Required: u.Stage == session.StageEnrol}, nil
}

// enrolQRPath serves the pending secret's QR code (enrolQR).
const enrolQRPath = "/profile/totp/qr.png"

// enrolQR answers the QR code of the session's pending second factor as a PNG. It has its
// own route, rather than a data: URL in the page, so that the CSP keeps images to 'self'
// and templ need not be told to trust a URL. The secret stays in the session, never in a
// URL, so no access log or referrer carries it; no-store keeps the image out of caches.
// Without a pending secret there is nothing to show: 404.
func (s *Server) enrolQR(c *gin.Context) {
	u := userOf(c)
	var secret string
	if sess := sessionOf(c); sess != nil {
		if sealed, ok := sess.Values[session.KeyPending].(string); ok {
			secret, _ = s.totpBox.Open(sealed)
		}
	}
	if secret == "" {
		s.fail(c, errNotFound)
		return
	}
	e, err := auth.EnrolmentFor(u.Username, secret)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "image/png", e.QRPNG)
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

// confirmTOTP enrols or replaces the user's factor and returns the new recovery codes. A
// wrong code is audited as auth.totp_failed here, the use case only refuses it.
func (s *Server) confirmTOTP(c *gin.Context, secret, current string) ([]string, error) {
	u := userOf(c)
	codes, err := s.admin.Users.ConfirmTOTP(c.Request.Context(), u.User, secret, c.PostForm("code"), current, meta(c))
	if errors.Is(err, auth.ErrInvalidCode) {
		reason := "wrong enrolment code"
		switch {
		case errors.Is(err, auth.ErrCodeReused):
			reason = "code_reused"
		case u.TOTPSecret != "":
			reason = "wrong code while replacing the second factor"
		}
		if aerr := audit.Record(c.Request.Context(), s.db, meta(c), audit.Entry{Action: audit.AuthTOTPFailed, TargetType: "user",
			TargetID: itoa(u.ID), Outcome: audit.Failure, Details: map[string]any{"username": u.Username, "reason": reason}}); aerr != nil {
			return nil, aerr
		}
	}
	return codes, err
}

func (s *Server) enrolSubmit(c *gin.Context) {
	u := userOf(c)
	if u.TOTPSecret != "" {
		// Replacing a second factor needs a code of the current one: /profile/totp/replace.
		s.redirect(c, "/profile")
		return
	}
	v, err := s.pendingEnrolment(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	codes, err := s.confirmTOTP(c, v.Secret, "")
	if errors.Is(err, auth.ErrInvalidCode) {
		msg := s.i18n.For(lang(c)).T("enrol.invalid")
		if u.Stage == session.StageEnrol {
			v.Error = msg
			s.render(c, http.StatusUnprocessableEntity, pages.EnrolRequired(s.chrome(c, "enrol.title"), v))
		} else {
			s.profileAgain(c, http.StatusUnprocessableEntity, false, func(p *view.ProfilePage) { p.Enrol.Error = msg })
		}
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	sess := sessionOf(c)
	delete(sess.Values, session.KeyPending)
	next := "/profile"
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
		next = "/"
	} else if err := sess.Save(c.Request, c.Writer); err != nil {
		s.fail(c, err)
		return
	}
	s.showRecoveryCodes(c, codes, next)
}

// showRecoveryCodes answers with the codes, once.
func (s *Server) showRecoveryCodes(c *gin.Context, codes []string, next string) {
	tr := s.i18n.For(lang(c))
	label := tr.T("identity.continue")
	s.render(c, http.StatusOK, pages.OneTime(s.chrome(c, "identity.recovery.title"), view.OneTime{
		Heading: tr.T("identity.recovery.title"), Text: tr.T("identity.recovery.explain"), Codes: codes, Test: "recovery-codes",
		Back: next, BackLabel: label,
	}))
}

// profileReplaceTOTP replaces the own factor: a code of the current one (or a recovery
// code) and a code of the new one.
func (s *Server) profileReplaceTOTP(c *gin.Context) {
	u := userOf(c)
	if u.TOTPSecret == "" {
		s.redirect(c, "/profile")
		return
	}
	v, err := s.pendingEnrolment(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	codes, err := s.confirmTOTP(c, v.Secret, c.PostForm("current_code"))
	if errors.Is(err, auth.ErrInvalidCode) {
		msg := s.i18n.For(lang(c)).T("identity.totp.replace_invalid")
		if errors.Is(err, auth.ErrCodeReused) {
			msg = s.i18n.For(lang(c)).T("identity.code_reused")
		}
		s.profileAgain(c, http.StatusUnprocessableEntity, true, func(p *view.ProfilePage) { p.TOTPError = msg })
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	sess := sessionOf(c)
	delete(sess.Values, session.KeyPending)
	if err := sess.Save(c.Request, c.Writer); err != nil {
		s.fail(c, err)
		return
	}
	s.showRecoveryCodes(c, codes, "/profile")
}

func (s *Server) profileRecoveryCodes(c *gin.Context) {
	u := userOf(c)
	codes, err := s.admin.Users.RegenerateRecoveryCodes(c.Request.Context(), u.User, c.PostForm("code"), meta(c))
	if errors.Is(err, auth.ErrInvalidCode) || errors.Is(err, users.ErrNoSecondFactor) {
		reason := "wrong code for new recovery codes"
		if errors.Is(err, auth.ErrCodeReused) {
			reason = "code_reused"
		}
		if aerr := audit.Record(c.Request.Context(), s.db, meta(c), audit.Entry{Action: audit.AuthTOTPFailed, TargetType: "user",
			TargetID: itoa(u.ID), Outcome: audit.Failure, Details: map[string]any{"username": u.Username, "reason": reason}}); aerr != nil {
			s.fail(c, aerr)
			return
		}
		msg := s.i18n.For(lang(c)).T(users.MessageID(err))
		s.profileAgain(c, http.StatusUnprocessableEntity, false, func(p *view.ProfilePage) { p.TOTPError = msg })
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.showRecoveryCodes(c, codes, "/profile")
}

func (s *Server) profilePassword(c *gin.Context) {
	u := userOf(c)
	tr := s.i18n.For(lang(c))
	next := c.PostForm("new_password")
	if next != c.PostForm("new_password2") {
		s.profileAgain(c, http.StatusUnprocessableEntity, false, func(p *view.ProfilePage) { p.PasswordError = tr.T("identity.password.mismatch") })
		return
	}
	err := s.admin.Users.ChangePassword(c.Request.Context(), u.User, c.PostForm("current_password"), next, session.ID(sessionOf(c)), meta(c))
	if err != nil {
		id := users.MessageID(err)
		if id == "" {
			s.fail(c, err)
			return
		}
		s.profileAgain(c, http.StatusUnprocessableEntity, false, func(p *view.ProfilePage) { p.PasswordError = tr.T(id) })
		return
	}
	s.setFlash(c, "ok", "flash.id_password_changed")
	s.redirect(c, "/profile")
}

// profileEmail changes the own e-mail address; with a second factor enrolled it needs a
// step-up like the admin changes (users.ChangeOwnEmail says why).
func (s *Server) profileEmail(c *gin.Context) {
	u := userOf(c)
	tr := s.i18n.For(lang(c))
	email := strings.TrimSpace(c.PostForm("email"))
	again := func(msg, stepErr string) {
		s.profileAgain(c, http.StatusUnprocessableEntity, false, func(p *view.ProfilePage) {
			p.Email, p.EmailError = email, msg
			if p.EmailStepUp {
				p.StepUp = s.stepUpView(c, stepErr)
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
		if up, stepErr = s.stepUp(c); stepErr != "" {
			again(tr.T("identity.form_errors"), stepErr)
			return
		}
	}
	if err := s.admin.Users.ChangeOwnEmail(c.Request.Context(), u.User, email, meta(c), up); err != nil {
		id := users.MessageID(err)
		if id == "" {
			s.fail(c, err)
			return
		}
		again(tr.T(id), "")
		return
	}
	s.setFlash(c, "ok", "flash.id_email_saved")
	s.redirect(c, "/profile")
}

func (s *Server) profileEndSession(c *gin.Context) {
	u := userOf(c)
	id := strings.TrimSpace(c.PostForm("session_id"))
	if id == "" || len(id) > 128 {
		s.fail(c, errBadRequest)
		return
	}
	if err := s.admin.Users.EndSession(c.Request.Context(), u.ID, id, meta(c)); err != nil {
		if errors.Is(err, users.ErrNotFound) {
			s.fail(c, errNotFound)
			return
		}
		s.fail(c, err)
		return
	}
	if id == session.ID(sessionOf(c)) {
		s.redirect(c, "/login?m=signed_out")
		return
	}
	s.setFlash(c, "ok", "flash.id_session_ended")
	s.redirect(c, "/profile")
}

func (s *Server) profileEndOthers(c *gin.Context) {
	u := userOf(c)
	if _, err := s.admin.Users.EndSessions(c.Request.Context(), u.ID, session.ID(sessionOf(c)), meta(c)); err != nil {
		s.fail(c, err)
		return
	}
	s.setFlash(c, "ok", "flash.id_sessions_ended")
	s.redirect(c, "/profile")
}

// parseExpiry reads the optional expiry date of a token (YYYY-MM-DD, end of that day in
// the display zone).
func parseExpiry(v string) (*time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, true
	}
	d, err := time.ParseInLocation("2006-01-02", v, displayZone)
	if err != nil {
		return nil, false
	}
	t := d.Add(24*time.Hour - time.Second).UTC()
	return &t, true
}

func (s *Server) profileCreateToken(c *gin.Context) {
	u := userOf(c)
	tr := s.i18n.For(lang(c))
	name, exp := strings.TrimSpace(c.PostForm("name")), c.PostForm("expires")
	again := func(msg string) {
		s.profileAgain(c, http.StatusUnprocessableEntity, false, func(p *view.ProfilePage) {
			p.TokenError, p.TokenName, p.Expires = msg, name, exp
		})
	}
	expires, ok := parseExpiry(exp)
	if !ok {
		again(tr.T("identity.token.bad_expiry"))
		return
	}
	if name == "" {
		again(tr.T("identity.token.name_required"))
		return
	}
	raw, err := s.admin.Users.CreateOwnToken(c.Request.Context(), u.User, name, expires, meta(c))
	if err != nil {
		var ve *users.ValidationError
		if errors.As(err, &ve) {
			if _, bad := ve.Fields["expires"]; bad {
				again(tr.T("identity.token.bad_expiry"))
			} else {
				again(tr.T("identity.field.name"))
			}
			return
		}
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, pages.OneTime(s.page(c, "identity.token.created"), view.OneTime{
		Heading: tr.T("identity.token.created"), Text: tr.T("identity.token.once"), Value: raw, Test: "new-token",
		Back: "/profile", BackLabel: tr.T("identity.continue"),
	}))
}

func (s *Server) profileRevokeToken(c *gin.Context) {
	u := userOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.admin.Users.RevokeToken(c.Request.Context(), u.User, id, meta(c)); err != nil {
		if errors.Is(err, users.ErrNotFound) {
			s.fail(c, errNotFound)
			return
		}
		s.fail(c, err)
		return
	}
	s.setFlash(c, "ok", "flash.id_token_revoked")
	s.redirect(c, "/profile")
}
