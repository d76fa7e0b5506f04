// Package readweb is the read side on the web: the pages of the synced cache (the
// sub-account list and detail, coupons, stored-value cards, resources, resource packages,
// the catalogue), their CSV and xlsx exports, the read JSON API, the refresh button and
// the sub-account's alert threshold, the organisation type-ahead, and the dashboard (the
// landing page: its balances panel, the user's recent activity, where Purser is
// connected). It declares its routes with their permissions (Routes) and receives its
// collaborators as Deps; package web mounts it.
//
// What it depends on, and why: the read use cases of internal/readmodel (Reader), which
// apply the user's scope in SQL, so the handlers only parse, call one use case and
// render; the store for the little it writes (a threshold with its audit event) and for
// a sub-account's events; the sync queue (SyncTrigger) for the refresh buttons. What the
// portal knows of its master accounts (their names, which are no longer configured) and
// the operations panels of a sub-account's page and of the dashboard belong to other parts
// of the portal — the operations and admin pages name masters too, the panels are the
// operations area's — so web hands them in (Masters, OpsPanel, OpsDashboard). It does not import web: the request-scoped core (page frame and flash
// message, rendering, the one error exit, translator, subject, query scope, audit
// metadata) reaches it as webcore.Core, and the stateless shared rules (formatting, the
// list page size, the master filter parameter) live in webcore.
package readweb

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/settings"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// Reader is the read side's use cases (readmodel.Reader): every list, count, export and
// facet is scoped in SQL by the scope passed in.
type Reader interface {
	// Sub-accounts.
	SubAccounts(ctx context.Context, scope authz.QueryScope, f store.SubAccountFilter) (readmodel.SubAccountPage, error)
	ListSubAccounts(ctx context.Context, scope authz.QueryScope, f store.SubAccountFilter) (store.SubAccountPage, error)
	EachSubAccount(ctx context.Context, scope authz.QueryScope, f store.SubAccountFilter, fn func(store.SubAccount) error) error
	SubAccount(ctx context.Context, scope authz.QueryScope, id string) (*store.SubAccount, error)
	Detail(ctx context.Context, scope authz.QueryScope, sa *store.SubAccount, since time.Time, limit int) (readmodel.SubAccountDetail, error)
	Holdings(ctx context.Context, scope authz.QueryScope, id string, limit int) (readmodel.SubAccountHoldings, error)
	SearchOrganizations(ctx context.Context, scope authz.QueryScope, master, q string, limit int) ([]store.Organization, error)
	OrganizationName(ctx context.Context, scope authz.QueryScope, master, id string) (string, error)

	// The billing lists.
	Coupons(ctx context.Context, scope authz.QueryScope, f store.CouponFilter) (readmodel.CouponPage, error)
	EachCoupon(ctx context.Context, scope authz.QueryScope, f store.CouponFilter, fn func(store.Coupon) error) error
	Cards(ctx context.Context, scope authz.QueryScope, f store.CardFilter) (store.Page[store.StoredValueCard], error)
	EachCard(ctx context.Context, scope authz.QueryScope, f store.CardFilter, fn func(store.StoredValueCard) error) error
	Resources(ctx context.Context, scope authz.QueryScope, f store.ResourceFilter) (readmodel.ResourcePage, error)
	EachResource(ctx context.Context, scope authz.QueryScope, f store.ResourceFilter, fn func(store.Resource) error) error
	Packages(ctx context.Context, scope authz.QueryScope, f store.PackageFilter) (store.Page[store.PackageUsage], error)
	EachPackage(ctx context.Context, scope authz.QueryScope, f store.PackageFilter, fn func(store.PackageUsage) error) error
	Catalog(ctx context.Context, f store.CatalogFilter) (store.Page[store.CatalogEntry], error)
	EachCatalogEntry(ctx context.Context, f store.CatalogFilter, fn func(store.CatalogEntry) error) error
	ServiceNames(ctx context.Context, lang string) (map[string]string, error)

	// Balances and freshness.
	Dashboard(ctx context.Context, scope authz.QueryScope, f readmodel.DashboardFilter) (readmodel.Dashboard, error)
	Masters(ctx context.Context, master string, hidden []string) ([]store.MasterBalances, error)
	MastersCached(ctx context.Context, master string, hidden []string) ([]store.MasterBalances, error)
	LatestRuns(ctx context.Context, master string) (map[string]store.SyncRun, error)

	// Cache is the read cache, where the dashboard keeps the user's recent events.
	Cache() *readmodel.Cache
}

// Store is what the area reads and writes directly: a sub-account's audit events, and
// its alert threshold committed together with its audit event.
type Store interface {
	audit.Appender
	ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error)
	InTx(ctx context.Context, fn func(tx *store.DB) error) error
}

// Master is one master account the pages can name (a master without a name is named by
// its domain id).
type Master struct{ DomainID, Name string }

// Masters is what the portal knows of its master accounts. A master disabled or deleted
// under /admin/upstream keeps its cached rows, but they are no longer live: lists,
// exports, totals and the JSON API leave them out (Hidden) and the selector does not
// offer it.
type Masters interface {
	// Known lists the configured masters of the cache, named.
	Known(ctx context.Context) ([]Master, error)
	// Hidden lists the cached masters no longer configured (usually none).
	Hidden(ctx context.Context) []string
	// Options is the master selector of a filter form: nil with one master or none, else
	// "all" and each master, selected marked.
	Options(c *gin.Context, selected string) []view.Option
	// Label names master on a detail page: "" with one master or none; a master no
	// longer configured by its domain id, gone set.
	Label(ctx context.Context, master string) (name string, gone bool)
	// LastSync is master's most recently finished sync run of any area (nil: none yet).
	LastSync(ctx context.Context, master string) *store.SyncRun
}

// SyncTrigger queues a sync of the cache (jobs.Runner): an area ("full", "balances", …),
// optionally of one sub-account, of every master (EnqueueSync) or of one (EnqueueSyncOf).
// It returns the job's id.
type SyncTrigger interface {
	EnqueueSync(ctx context.Context, area, subAccountID, trigger string) (int64, error)
	EnqueueSyncOf(ctx context.Context, master, area, subAccountID, trigger string) (int64, error)
}

// Settings are the run-time settings (settings.Service): the default alert threshold.
type Settings interface {
	Get(ctx context.Context) (settings.Settings, error)
}

// OpsPanel is the operations part of a sub-account's page: its latest operations and the
// buttons that draft one for it (the operations area's, which web provides).
type OpsPanel func(c *gin.Context, sa *store.SubAccount) (view.SubAccountOps, error)

// OpsDashboard is the dashboard's operations panel: what waits for an approver and the
// latest operations (the operations area's, which web provides).
type OpsDashboard func(c *gin.Context) (view.OpsDashboard, error)

// TopUpsDashboard is the dashboard's panel of this month's automatic top-ups (the rules
// area's); nil shows none.
type TopUpsDashboard func(c *gin.Context) (*view.RuleTopUps, error)

// Upstream is where Purser is connected, as the dashboard says it: the sandbox, or the
// host of the upstream's URL.
type Upstream struct {
	Sandbox bool
	URL     string
}

// Deps are the area's collaborators. All are required except Sync (nil answers "sync is
// not available") and Settings (nil: the built-in default threshold).
type Deps struct {
	Core     webcore.Core
	Reader   Reader
	Store    Store
	Masters  Masters
	Sync     SyncTrigger
	Settings Settings
	OpsPanel OpsPanel
	// OpsDashboard and Upstream are the dashboard's operations panel and connection card.
	OpsDashboard    OpsDashboard
	TopUpsDashboard TopUpsDashboard
	Upstream        Upstream
	Log             *slog.Logger
	Now             func() time.Time
}

// Area serves the read pages.
type Area struct {
	core     webcore.Core
	read     Reader
	db       Store
	masters  Masters
	sync     SyncTrigger
	settings Settings
	opsPanel OpsPanel
	// opsDashboard and upstream are the dashboard's (Deps).
	opsDashboard OpsDashboard
	topUps       TopUpsDashboard
	upstream     Upstream
	log          *slog.Logger
	now          func() time.Time
}

// New builds the area.
func New(d Deps) (*Area, error) {
	if d.Core == nil || d.Reader == nil || d.Store == nil || d.Masters == nil || d.OpsPanel == nil || d.OpsDashboard == nil ||
		d.Log == nil || d.Now == nil {
		return nil, errors.New("readweb: Deps.Core, Reader, Store, Masters, OpsPanel, OpsDashboard, Log and Now are required")
	}
	return &Area{core: d.Core, read: d.Reader, db: d.Store, masters: d.Masters, sync: d.Sync, settings: d.Settings,
		opsPanel: d.OpsPanel, opsDashboard: d.OpsDashboard, topUps: d.TopUpsDashboard, upstream: d.Upstream, log: d.Log, now: d.Now}, nil
}

// scopedSubAccount reads a sub-account by id within the user's scope. Out of scope is a
// *webcore.OutOfScope, which Core.Fail answers exactly like "not found" (nothing leaks
// that it exists) and records as access.denied.
func (a *Area) scopedSubAccount(c *gin.Context, id string) (*store.SubAccount, error) {
	sa, err := a.read.SubAccount(c.Request.Context(), a.core.Scope(c), id)
	if errors.Is(err, readmodel.ErrOutOfScope) {
		return nil, &webcore.OutOfScope{TargetType: "sub_account", TargetID: id}
	}
	return sa, err // store.ErrNotFound is a 404 in Fail
}
