package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/web/templates/pages"
	"github.com/purser-finance/purser/web/templates/view"
)

// adminRoutes are the administrators' pages.
func (s *Server) adminRoutes() []route {
	return []route{
		{method: "GET", path: "/admin", action: authz.ViewAdmin, handle: s.adminIndex},
		{method: "GET", path: "/admin/policy", action: authz.ManagePolicy, handle: s.policyPage},
		{method: "POST", path: "/admin/policy", action: authz.ManagePolicy, handle: s.policySave},
	}
}

// adminAreas are the admin index's entries; areas still to come are listed, not linked.
var adminAreas = []struct {
	key, href string
	action    authz.Action
	ready     bool
}{
	{"policy", "/admin/policy", authz.ManagePolicy, true},
	{"users", "/admin/users", authz.ManageUsers, true},
	{"upstream", "/admin/upstream", authz.ManageUpstream, true},
	{"settings", "/admin/settings", authz.ManageSettings, true},
}

// adminIndex is GET /admin: the admin areas the user may use.
func (s *Server) adminIndex(c *gin.Context) {
	u := signedIn(c)
	tr := s.i18n.For(lang(c))
	var v view.AdminIndex
	for _, a := range adminAreas {
		if !authz.Allowed(u.Subject, a.action, authz.Target{}) {
			continue
		}
		v.Areas = append(v.Areas, view.AdminArea{Label: tr.T("admin.area." + a.key), Help: tr.T("admin.help." + a.key),
			Href: a.href, Test: "admin-" + a.key, Available: a.ready})
	}
	s.render(c, http.StatusOK, pages.AdminIndex(s.page(c, "nav.admin"), v))
}
