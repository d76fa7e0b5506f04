package accountweb

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// The signed-in user's own page: password, second factor and recovery codes, sessions,
// personal API tokens. Secrets (recovery codes, a new token) are shown once, in the
// answer to the POST that made them, never again.

// profilePage is GET /profile (?replace=1: with the QR code of a new second factor).
func (a *Area) profilePage(c *gin.Context) {
	v, err := a.profileView(c, c.Query("replace") == "1")
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	v.Enrol.Done = c.Query("m") == "enrolled"
	a.core.Render(c, http.StatusOK, pages.Profile(a.core.Page(c, "profile.title"), v))
}

// profileAgain shows the profile with an error in one section (the input is kept by the
// caller through edit).
func (a *Area) profileAgain(c *gin.Context, status int, replacing bool, edit func(*view.ProfilePage)) {
	v, err := a.profileView(c, replacing)
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	edit(&v)
	a.core.Render(c, status, pages.Profile(a.core.Page(c, "profile.title"), v))
}

// profileView builds /profile; replacing shows the QR code of a new factor.
func (a *Area) profileView(c *gin.Context, replacing bool) (view.ProfilePage, error) {
	u, _ := a.core.User(c)
	tr := a.core.Translator(c)
	ctx := c.Request.Context()
	v := view.ProfilePage{Username: u.Username, DisplayName: u.DisplayName, Email: u.Email, Roles: webcore.RoleLabels(tr, u.Roles),
		Enrolled: u.TOTPSecret != "", Replacing: replacing && u.TOTPSecret != ""}
	if v.EmailStepUp = u.TOTPSecret != ""; v.EmailStepUp {
		v.StepUp = a.core.StepUpView(c, "")
	}
	if !v.Enrolled || v.Replacing {
		e, err := a.pendingEnrolment(c)
		if err != nil {
			return v, err
		}
		v.Enrol = e
	}
	if v.Enrolled {
		n, err := a.users.RecoveryCodesLeft(ctx, u.ID)
		if err != nil {
			return v, err
		}
		v.RecoveryLeft = strconv.FormatInt(n, 10)
	}
	list, err := a.users.Sessions(ctx, u.ID)
	if err != nil {
		return v, err
	}
	v.Sessions = webcore.SessionRows(list, session.ID(a.core.Session(c)), tr.Lang)
	toks, err := a.users.Tokens(ctx, u.ID)
	if err != nil {
		return v, err
	}
	now := a.now()
	for _, t := range toks {
		row := view.TokenRow{ID: itoa(t.ID), Name: t.Name, Prefix: t.Prefix, Created: webcore.FormatTime(t.CreatedAt, tr.Lang),
			Expires: webcore.FormatTimePtr(t.ExpiresAt, tr.Lang), LastUsed: webcore.FormatTimePtr(t.LastUsedAt, tr.Lang)}
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
