package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/purser-finance/purser/internal/authz"
)

// route is one entry of the route table. Every route names the permission it needs; a
// route cannot be registered without one, so nothing is reachable by accident.
type route struct {
	method string
	path   string
	action authz.Action
	// enrolling: reachable by a user who must still set up a second factor.
	enrolling bool
	handle    gin.HandlerFunc
}

// RouteInfo describes a registered route, for the authorisation matrix tests.
type RouteInfo struct {
	Method, Path string
	Action       authz.Action
}

// Routes lists every registered route.
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, 0, len(s.routes))
	for _, r := range s.routes {
		out = append(out, RouteInfo{Method: r.method, Path: r.path, Action: r.action})
	}
	return out
}

// table is every route of the portal. The areas keep their routes in their own packages
// (the readweb, opsweb, auditweb, adminweb and accountweb packages' Routes behind
// readRoutes, opsRoutes, auditRoutes, adminRoutes and accountRoutes) so that each area's
// table sits beside its handlers; this function is still the one place they are all
// assembled.
func (s *Server) table() []route {
	routes := []route{
		// Probes and assets.
		{method: "GET", path: "/healthz", action: authz.ViewHealth, handle: s.healthz},
		{method: "GET", path: "/readyz", action: authz.ViewHealth, handle: s.readyz},
		{method: "GET", path: "/metrics", action: authz.ViewHealth, handle: s.metricsHandler},
		{method: "GET", path: "/static/*file", action: authz.AuthenticatePublic, handle: s.staticFile},
		{method: "GET", path: "/favicon.ico", action: authz.AuthenticatePublic, handle: s.favicon},
		{method: "POST", path: "/lang", action: authz.AuthenticatePublic, handle: s.setLanguage},
		// JSON API.
		{method: "GET", path: "/api/v1/me", action: authz.ManageOwnProfile, handle: s.apiMe},
		// The JSON API's own description: public, it holds nothing but the API's shape.
		{method: "GET", path: "/api/v1/openapi.json", action: authz.AuthenticatePublic, handle: s.openAPI},
	}
	routes = append(routes, s.readRoutes()...)
	routes = append(routes, s.opsRoutes()...)
	routes = append(routes, s.auditRoutes()...)
	routes = append(routes, s.adminRoutes()...)
	routes = append(routes, s.accountRoutes()...)
	routes = append(routes, s.rulesRoutes()...)
	routes = append(routes, s.reportRoutes()...)
	return routes
}

func (s *Server) buildRouter(reg prometheus.Registerer) error {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.RedirectTrailingSlash = true
	e.ForwardedByClientIP = len(s.cfg.TrustedProxies) > 0
	e.RemoteIPHeaders = []string{"X-Forwarded-For", "X-Real-IP"}
	proxies := make([]string, 0, len(s.cfg.TrustedProxies))
	for _, p := range s.cfg.TrustedProxies {
		proxies = append(proxies, p.String())
	}
	if err := e.SetTrustedProxies(proxies); err != nil {
		return err
	}
	// Order matters: the request id first so that everything after can log it; recovery
	// early so a panic anywhere becomes the error page; sessions before authorisation.
	e.Use(s.requestID, s.accessLog, s.recovery, s.securityHeaders, s.observe, s.language, s.loadUser)

	s.routes = s.table()
	for _, r := range s.routes {
		if r.action == "" {
			panic("web: route without a permission: " + r.method + " " + r.path)
		}
		e.Handle(r.method, r.path, s.crossOrigin, s.authorize(r), r.handle)
	}
	e.NoRoute(func(c *gin.Context) { s.fail(c, errNotFound) })
	e.NoMethod(func(c *gin.Context) { s.fail(c, errMethodNotAllowed) })
	s.engine = e
	return nil
}

func (s *Server) healthz(c *gin.Context) { c.String(http.StatusOK, "ok") }
