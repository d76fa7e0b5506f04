// Package web is Purser's HTTP core: the server and its router (one route table, every
// route with its authz action), the middleware (request id, security headers, session,
// CSRF, authentication, authorisation, language), the one error exit, rendering, the page
// frame (navigation, flash messages, the session with signing in and out and the step-up
// kept in it), metrics and health probes, and the wiring of the areas.
//
// The pages themselves live in the areas, each a package of its own under internal/web:
// auditweb (the audit trail), readweb (the synced cache and the dashboard), opsweb (the
// maker-checker workflow), adminweb (administration) and accountweb (a person's own
// account). Each declares its routes and receives its collaborators; web mounts them
// (areas.go, areas_identity.go) and implements the webcore.Core they render and fail
// through. What web keeps beyond the frame is what several areas name: the master
// accounts (masters.go) and the JSON API's own description and /api/v1/me.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/i18n"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/reports"
	"github.com/purser-finance/purser/internal/secretbox"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/accountweb"
	"github.com/purser-finance/purser/internal/web/adminweb"
	"github.com/purser-finance/purser/internal/web/auditweb"
	"github.com/purser-finance/purser/internal/web/opsweb"
	"github.com/purser-finance/purser/internal/web/readweb"
	"github.com/purser-finance/purser/internal/web/reportsweb"
	"github.com/purser-finance/purser/internal/web/rulesweb"
	"github.com/purser-finance/purser/web/static"
)

// Pinger is what readiness asks of the upstream.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are the server's collaborators, built in cmd/portal.
type Deps struct {
	Config   config.Config
	DB       *store.DB
	Upstream Pinger
	Log      *slog.Logger
	Metrics  *prometheus.Registry // nil: a fresh registry
	Version  string
	Now      func() time.Time // nil: time.Now
	// Sync queues refreshes of the cache (the refresh buttons, POST /api/v1/sync); nil
	// answers "sync is not available".
	Sync SyncTrigger
	// Masters is the registry of master accounts (upstreamacct.Registry). nil: a single
	// upstream client, where nothing says which masters are configured, so every cached
	// one counts and none has a name.
	Masters MasterRegistry
	// Auth signs people in and checks step-up codes; Sessions keeps their sessions;
	// TOTPSecrets seals the secret of a second factor being enrolled. Required: build
	// them with wiring.NewIdentity.
	Auth        *auth.Service
	Sessions    *session.Store
	TOTPSecrets *secretbox.Box
	// Operations is the maker-checker workflow (internal/approval); nil answers
	// "operations are not available" on the operations pages and API.
	Operations *approval.Service
	// Admin holds the administration and identity services (users, upstream accounts,
	// settings, single sign-on). Required.
	Admin AdminDeps
	// AuditVerifier queues the verifications started from /audit/verify (a job runner);
	// nil answers "not available" there.
	AuditVerifier AuditVerifier
	// Reports is the scheduled reports use case (areas_reports.go); nil: one over DB.
	Reports *reports.Service
}

// Server serves the portal.
type Server struct {
	cfg        config.Config
	db         *store.DB
	upstream   Pinger
	log        *slog.Logger
	version    string
	now        func() time.Time
	sync       SyncTrigger
	masters    MasterRegistry
	ops        *approval.Service
	admin      AdminDeps
	audit      *auditweb.Area    // the audit area, mounted in areas.go
	readArea   *readweb.Area     // the read area's pages, mounted in areas.go
	opsArea    *opsweb.Area      // the operations area, mounted in areas.go
	adminWeb   *adminweb.Area    // the admin area, mounted in areas_identity.go
	accountWeb *accountweb.Area  // the account area, mounted in areas_identity.go
	rulesWeb   *rulesweb.Area    // the top-up rules' area, mounted in areas_rules.go
	reportsWeb *reportsweb.Area  // the scheduled reports' page, mounted in areas_reports.go
	read       *readmodel.Reader // the read side's use cases, with their caches

	auth     *auth.Service
	sessions *session.Store
	totpBox  *secretbox.Box
	i18n     *i18n.Bundle
	metrics  *metrics
	assets   map[string]string
	cop      *http.CrossOriginProtection
	engine   *gin.Engine
	routes   []route
}

// New builds the server and its router.
func New(d Deps) (*Server, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Metrics == nil {
		d.Metrics = prometheus.NewRegistry()
	}
	if err := d.required(); err != nil {
		return nil, err
	}
	bundle, err := i18n.New()
	if err != nil {
		return nil, err
	}
	assets, err := static.Versions()
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(d.Metrics, d.DB, d.Log)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: d.Config, db: d.DB, upstream: d.Upstream, log: d.Log, version: d.Version, now: d.Now,
		sync: d.Sync, masters: d.Masters, ops: d.Operations, admin: d.Admin,
		read: readmodel.New(d.DB),
		auth: d.Auth, sessions: d.Sessions, totpBox: d.TOTPSecrets,
		i18n: bundle, metrics: m, assets: assets,
	}
	s.cop = http.NewCrossOriginProtection()
	if d.Config.PublicURL != "" {
		// Behind a proxy the Host header may not be the public name; the public origin is
		// always same-site.
		if err := s.cop.AddTrustedOrigin(d.Config.PublicURL); err != nil {
			return nil, fmt.Errorf("PORTAL_PUBLIC_URL as trusted origin: %w", err)
		}
	}
	if s.audit, err = s.mountAudit(d); err != nil {
		return nil, err
	}
	if s.opsArea, err = s.mountOps(); err != nil {
		return nil, err
	}
	if s.rulesWeb, err = s.mountRules(d); err != nil {
		return nil, err
	}
	if s.readArea, err = s.mountRead(d); err != nil {
		return nil, err
	}
	if s.adminWeb, err = s.mountAdmin(d); err != nil {
		return nil, err
	}
	if s.accountWeb, err = s.mountAccount(d); err != nil {
		return nil, err
	}
	if s.reportsWeb, err = s.mountReports(d); err != nil {
		return nil, err
	}
	if err := s.buildRouter(d.Metrics); err != nil {
		return nil, err
	}
	return s, nil
}

// required names the first collaborator New cannot do without.
func (d Deps) required() error {
	for _, r := range []struct {
		name string
		ok   bool
	}{{"DB", d.DB != nil}, {"Auth", d.Auth != nil}, {"Sessions", d.Sessions != nil}, {"TOTPSecrets", d.TOTPSecrets != nil},
		{"Admin.Users", d.Admin.Users != nil}, {"Admin.Accounts", d.Admin.Accounts != nil},
		{"Admin.Settings", d.Admin.Settings != nil}, {"Admin.SSO", d.Admin.SSO != nil}} {
		if !r.ok {
			return fmt.Errorf("web: Deps.%s is required (wiring.NewIdentity builds it)", r.name)
		}
	}
	return nil
}

// Handler is the whole portal as an http.Handler.
func (s *Server) Handler() http.Handler { return s.engine }

// Sessions exposes the session store (tests move its clock).
func (s *Server) Sessions() *session.Store { return s.sessions }

// Serve answers on ln until ctx ends, then shuts down gracefully: requests in flight get
// up to 20 seconds to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.engine,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second, // CSV uploads
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("serving", "addr", ln.Addr().String(), "url", s.cfg.PublicURL)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s.log.Info("shutting down")
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
