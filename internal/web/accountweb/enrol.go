package accountweb

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// Setting up a second factor: required before anything else when the user's roles need
// one (/profile/totp), optional from the profile otherwise. The secret being enrolled
// waits sealed in the session (session.KeyPending) until a right code confirms it.

// pendingSecret is the secret being enrolled ("" when none waits).
func (a *Area) pendingSecret(c *gin.Context) string {
	var secret string
	if sess := a.core.Session(c); sess != nil {
		if sealed, ok := sess.Values[session.KeyPending].(string); ok {
			secret, _ = a.secrets.Open(sealed)
		}
	}
	return secret
}

// pendingEnrolment returns the secret being enrolled, generating one on first view. It is
// kept sealed in the session so that the QR code stays the same across reloads and a
// wrong code.
func (a *Area) pendingEnrolment(c *gin.Context) (view.Enrol, error) {
	u, stage := a.core.User(c)
	secret := a.pendingSecret(c)
	if secret == "" {
		e, err := auth.NewEnrolment(u.Username)
		if err != nil {
			return view.Enrol{}, err
		}
		sealed, err := a.secrets.Seal(e.Secret)
		if err != nil {
			return view.Enrol{}, err
		}
		sess := a.core.Session(c)
		sess.Values[session.KeyPending] = sealed
		if err := sess.Save(c.Request, c.Writer); err != nil {
			return view.Enrol{}, err
		}
		return view.Enrol{Secret: e.Secret, QR: enrolQRPath, Required: stage == session.StageEnrol}, nil
	}
	e, err := auth.EnrolmentFor(u.Username, secret)
	if err != nil {
		return view.Enrol{}, err
	}
	return view.Enrol{Secret: e.Secret, QR: enrolQRPath, Required: stage == session.StageEnrol}, nil
}

// enrolQR answers the QR code of the session's pending second factor as a PNG. It has its
// own route, rather than a data: URL in the page, so that the CSP keeps images to 'self'
// and templ need not be told to trust a URL. The secret stays in the session, never in a
// URL, so no access log or referrer carries it; no-store keeps the image out of caches.
// Without a pending secret there is nothing to show: 404.
func (a *Area) enrolQR(c *gin.Context) {
	secret := a.pendingSecret(c)
	if secret == "" {
		a.core.Fail(c, webcore.ErrNotFound)
		return
	}
	u, _ := a.core.User(c)
	e, err := auth.EnrolmentFor(u.Username, secret)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "image/png", e.QRPNG)
}

// enrolPage is GET /profile/totp: the required enrolment (signed-in users have the
// profile for it).
func (a *Area) enrolPage(c *gin.Context) {
	if _, stage := a.core.User(c); stage == session.StageSigned {
		a.core.Redirect(c, "/profile")
		return
	}
	v, err := a.pendingEnrolment(c)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	a.core.Render(c, http.StatusOK, pages.EnrolRequired(a.core.Chrome(c, "enrol.title"), v))
}

// enrolSubmit is POST /profile/totp: the first code of the new factor. A required
// enrolment then completes the sign-in.
func (a *Area) enrolSubmit(c *gin.Context) {
	u, stage := a.core.User(c)
	if u.TOTPSecret != "" {
		// Replacing a second factor needs a code of the current one: /profile/totp/replace.
		a.core.Redirect(c, "/profile")
		return
	}
	v, err := a.pendingEnrolment(c)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	codes, err := a.confirmTOTP(c, v.Secret, "")
	if errors.Is(err, auth.ErrInvalidCode) {
		msg := a.core.Translator(c).T("enrol.invalid")
		if stage == session.StageEnrol {
			v.Error = msg
			a.core.Render(c, http.StatusUnprocessableEntity, pages.EnrolRequired(a.core.Chrome(c, "enrol.title"), v))
		} else {
			a.profileAgain(c, http.StatusUnprocessableEntity, false, func(p *view.ProfilePage) { p.Enrol.Error = msg })
		}
		return
	}
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	next := "/profile"
	if stage == session.StageEnrol {
		// The second factor now exists and was just proven: the sign-in is complete.
		if err := a.auth.CompleteAfterEnrolment(c.Request.Context(), u, a.core.Meta(c)); err != nil {
			a.core.Fail(c, err)
			return
		}
		if err := a.core.SignIn(c, u, session.StageSigned, false); err != nil { // drops the pending secret too
			a.core.Fail(c, err)
			return
		}
		next = "/"
	} else if err := a.dropPending(c); err != nil {
		a.core.Fail(c, err)
		return
	}
	a.showRecoveryCodes(c, codes, next)
}

// dropPending forgets the secret that was being enrolled, once it is confirmed.
func (a *Area) dropPending(c *gin.Context) error {
	sess := a.core.Session(c)
	delete(sess.Values, session.KeyPending)
	return sess.Save(c.Request, c.Writer)
}

// confirmTOTP enrols or replaces the user's factor and returns the new recovery codes. A
// wrong code is audited as auth.totp_failed here, the use case only refuses it.
func (a *Area) confirmTOTP(c *gin.Context, secret, current string) ([]string, error) {
	u, _ := a.core.User(c)
	codes, err := a.users.ConfirmTOTP(c.Request.Context(), u, secret, c.PostForm("code"), current, a.core.Meta(c))
	if errors.Is(err, auth.ErrInvalidCode) {
		reason := "wrong enrolment code"
		switch {
		case errors.Is(err, auth.ErrCodeReused):
			reason = "code_reused"
		case u.TOTPSecret != "":
			reason = "wrong code while replacing the second factor"
		}
		if aerr := a.auditFactorRefused(c, u.ID, u.Username, reason); aerr != nil {
			return nil, aerr
		}
	}
	return codes, err
}

// auditFactorRefused records a wrong code of the own second factor (auth.totp_failed).
func (a *Area) auditFactorRefused(c *gin.Context, userID int64, username, reason string) error {
	return audit.Record(c.Request.Context(), a.db, a.core.Meta(c), audit.Entry{Action: audit.AuthTOTPFailed, TargetType: "user",
		TargetID: itoa(userID), Outcome: audit.Failure, Details: map[string]any{"username": username, "reason": reason}})
}

// showRecoveryCodes answers with the codes, once.
func (a *Area) showRecoveryCodes(c *gin.Context, codes []string, next string) {
	tr := a.core.Translator(c)
	a.core.Render(c, http.StatusOK, pages.OneTime(a.core.Chrome(c, "identity.recovery.title"), view.OneTime{
		Heading: tr.T("identity.recovery.title"), Text: tr.T("identity.recovery.explain"), Codes: codes, Test: "recovery-codes",
		Back: next, BackLabel: tr.T("identity.continue"),
	}))
}
