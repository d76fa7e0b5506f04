package adminweb

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// adminAreas are the admin index's entries; areas still to come are listed, not linked.
var adminAreas = []struct {
	key, href string
	action    authz.Action
	ready     bool
}{
	{"policy", "/admin/policy", authz.ManagePolicy, true},
	{"limits", "/admin/limits", authz.ManagePolicy, true},
	{"delegations", "/delegations", authz.ManageUsers, true},
	{"matrix", "/admin/matrix", authz.ManagePolicy, true},
	{"users", "/admin/users", authz.ManageUsers, true},
	{"upstream", "/admin/upstream", authz.ManageUpstream, true},
	{"settings", "/admin/settings", authz.ManageSettings, true},
}

// index is GET /admin: the admin areas the user may use.
func (a *Area) index(c *gin.Context) {
	sub := a.core.Subject(c)
	tr := a.core.Translator(c)
	var v view.AdminIndex
	for _, ar := range adminAreas {
		if !authz.Allowed(sub, ar.action, authz.Target{}) {
			continue
		}
		v.Areas = append(v.Areas, view.AdminArea{Label: tr.T("admin.area." + ar.key), Help: tr.T("admin.help." + ar.key),
			Href: ar.href, Test: "admin-" + ar.key, Available: ar.ready})
	}
	a.core.Render(c, http.StatusOK, pages.AdminIndex(a.core.Page(c, "nav.admin"), v))
}
