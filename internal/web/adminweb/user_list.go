package adminweb

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// The users pages: /admin/users and /admin/users/:id. Every change goes through
// users.Service with a step-up proof; roles and scopes are read per request, so a change
// takes effect on the user's next request.

// userList is GET /admin/users.
func (a *Area) userList(c *gin.Context) {
	list, err := a.users.List(c.Request.Context())
	if err != nil {
		a.core.Fail(c, err)
		return
	}
	tr := a.core.Translator(c)
	orgs := a.orgNames(c)
	var v view.UserList
	for _, u := range list {
		v.Rows = append(v.Rows, view.UserRow{
			Href: "/admin/users/" + itoa(u.ID), Username: u.Username, DisplayName: u.DisplayName, Email: u.Email,
			Roles: webcore.RoleLabels(tr, u.Roles), Scopes: scopeSummary(tr, u.Scopes, orgs),
			Status: userStatus(tr, u.Disabled), SecondFactor: factorBadge(tr, u.TOTPSecret != ""),
			LastLogin: webcore.FormatTimePtr(u.LastLoginAt, tr.Lang),
		})
	}
	a.core.Render(c, http.StatusOK, pages.UserList(a.core.Page(c, "identity.users.title"), v))
}

func userStatus(tr *i18n.Translator, disabled bool) view.Badge {
	if disabled {
		return view.Badge{Text: tr.T("identity.users.disabled"), Kind: "bad"}
	}
	return view.Badge{Text: tr.T("identity.users.active"), Kind: "ok"}
}

func factorBadge(tr *i18n.Translator, on bool) view.Badge {
	if on {
		return view.Badge{Text: tr.T("identity.users.totp_on"), Kind: "ok"}
	}
	return view.Badge{Text: tr.T("identity.users.totp_off"), Kind: "warn"}
}

func scopeSummary(tr *i18n.Translator, scopes []string, names map[string]string) string {
	if len(scopes) == 0 {
		return tr.T("identity.users.all_units")
	}
	out := make([]string, 0, len(scopes))
	for _, sc := range scopes {
		if n := names[sc]; n != "" {
			out = append(out, n)
		} else {
			out = append(out, sc)
		}
	}
	return strings.Join(out, ", ")
}

// orgNames maps organisation ids to names (empty before the first sync).
func (a *Area) orgNames(c *gin.Context) map[string]string {
	orgs, err := a.db.Organizations(c.Request.Context())
	if err != nil {
		webcore.Degraded(c.Request.Context(), a.log, "cannot read organisations", "error", err, "request_id", a.core.RequestID(c))
	}
	m := make(map[string]string, len(orgs))
	for _, o := range orgs {
		m[o.ID] = o.Name
	}
	return m
}
