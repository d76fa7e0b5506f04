package accountweb

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/users"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// Personal API tokens: the raw token is shown once, in the answer to its creation.

// parseExpiry reads the optional expiry date of a token (YYYY-MM-DD, end of that day in
// the display zone).
func parseExpiry(v string) (*time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, true
	}
	d, err := time.ParseInLocation("2006-01-02", v, webcore.DisplayZone)
	if err != nil {
		return nil, false
	}
	t := d.Add(24*time.Hour - time.Second).UTC()
	return &t, true
}

// profileCreateToken is POST /profile/tokens.
func (a *Area) profileCreateToken(c *gin.Context) {
	u, _ := a.core.User(c)
	tr := a.core.Translator(c)
	name, exp := strings.TrimSpace(c.PostForm("name")), c.PostForm("expires")
	again := func(msg string) {
		a.profileAgain(c, http.StatusUnprocessableEntity, false, func(p *view.ProfilePage) {
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
	raw, err := a.users.CreateOwnToken(c.Request.Context(), u, name, expires, a.core.Meta(c))
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
		a.core.Fail(c, err)
		return
	}
	a.core.Render(c, http.StatusOK, pages.OneTime(a.core.Page(c, "identity.token.created"), view.OneTime{
		Heading: tr.T("identity.token.created"), Text: tr.T("identity.token.once"), Value: raw, Test: "new-token",
		Back: "/profile", BackLabel: tr.T("identity.continue"),
	}))
}

// profileRevokeToken is POST /profile/tokens/:id/revoke (only the own tokens).
func (a *Area) profileRevokeToken(c *gin.Context) {
	u, _ := a.core.User(c)
	id, err := webcore.PathID(c, "id")
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	if err := a.users.RevokeToken(c.Request.Context(), u, id, a.core.Meta(c)); err != nil {
		if errors.Is(err, users.ErrNotFound) {
			err = webcore.ErrNotFound
		}
		a.core.Fail(c, err)
		return
	}
	a.core.Flash(c, "ok", "flash.id_token_revoked")
	a.core.Redirect(c, "/profile")
}
