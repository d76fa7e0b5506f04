// Package opsweb is the maker-checker workflow on the web: the operations list, the draft
// form with its pickers and the renewal quote, an operation's page with its context panel
// and decisions, the approver's inbox and "Approve selected", bulk uploads and batches
// from a selection with their pages, the operations JSON API, and the operations panels
// of the dashboard and of a sub-account's page. It declares its routes with their
// permissions (Routes) and receives its collaborators as Deps; package web mounts it.
//
// What it depends on, and why: the approval use cases (Operations, approval.Service),
// which check roles, scopes and separation of duties again on the target itself and
// record every decision, so the handlers only parse, call one use case and render; the
// read use cases for the pickers and the balances beside a form (Reader, scoped in
// SQL); the store for the two look-ups by key the pages make (a requester by name, the
// sub-account a form names, checked against the scope); what the portal knows of its
// master accounts (Masters, which web keeps since the read and admin pages name masters
// too). It does not import web: the request-scoped core (page frame and flash message,
// rendering, the one error exit with the workflow's refusals, translator, user, subject,
// query scope, audit metadata, the access.denied record) reaches it as webcore.Core, and
// the stateless shared rules (formatting, the query rules, the workflow's error table)
// live in webcore.
package opsweb

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/readmodel"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
	"github.com/purser-finance/purser/web/templates/view"
)

// Operations is the maker-checker workflow (approval.Service).
type Operations interface {
	// Single operations.
	List(ctx context.Context, a approval.Actor, f approval.Filter) (approval.Page, error)
	Get(ctx context.Context, a approval.Actor, id int64) (*approval.Operation, error)
	Timeline(ctx context.Context, a approval.Actor, id int64) ([]approval.TimelineEntry, error)
	Context(ctx context.Context, a approval.Actor, id int64) (*approval.OperationContext, error)
	Funds(ctx context.Context, a approval.Actor, q approval.FundsQuery) (approval.Funds, error)
	DraftAgain(ctx context.Context, a approval.Actor, id int64) (approval.Input, error)
	Create(ctx context.Context, a approval.Actor, in approval.Input, idemKey string) (*approval.Operation, error)
	QuoteRenewal(ctx context.Context, a approval.Actor, in approval.Input) (*approval.Quote, error)
	RenewalOrders(ctx context.Context, a approval.Actor, id int64) ([]approval.RenewalOrder, error)
	Approve(ctx context.Context, a approval.Actor, id int64, totpCode, comment, snapshotHash string) (*approval.Operation, error)
	Reject(ctx context.Context, a approval.Actor, id int64, comment string) (*approval.Operation, error)
	Cancel(ctx context.Context, a approval.Actor, id int64) (*approval.Operation, error)
	Resolve(ctx context.Context, a approval.Actor, id int64, outcome approval.State, reason string) (*approval.Operation, error)
	OperationRoute(ctx context.Context, a approval.Actor, id int64) (approval.RouteStatus, error)

	// The approver's inbox.
	PendingFor(ctx context.Context, a approval.Actor, limit int) ([]approval.Operation, error)
	CountPendingFor(ctx context.Context, a approval.Actor) (int, error)
	ApproveMany(ctx context.Context, a approval.Actor, totpCode, comment string, items []approval.ApproveItem) ([]approval.ApproveResult, error)

	// Batches.
	ValidateBatch(ctx context.Context, a approval.Actor, kind approval.Kind, rows []approval.BatchRow) ([]approval.BatchRow, error)
	PlanSelection(ctx context.Context, a approval.Actor, sel approval.Selection) (approval.SelectionPlan, error)
	ProposeTopUps(ctx context.Context, a approval.Actor, req approval.TopUpRequest) (approval.TopUpProposal, error)
	DraftTopUps(ctx context.Context, a approval.Actor, req approval.TopUpRequest, fingerprint, reason, key string) (*approval.Batch, approval.TopUpProposal, error)
	CreateBatch(ctx context.Context, a approval.Actor, kind approval.Kind, reason string, rows []approval.BatchRow, idemKey string, skipped ...approval.RowError) (*approval.Batch, error)
	GetBatch(ctx context.Context, a approval.Actor, id int64) (*approval.Batch, error)
	BatchProgress(ctx context.Context, a approval.Actor, id int64) (approval.BatchProgress, error)
	BatchTotals(ctx context.Context, a approval.Actor, ids []int64) (map[int64]approval.BatchTotal, error)
	BatchResultCSV(ctx context.Context, a approval.Actor, id int64, w io.Writer) error
	ApproveBatch(ctx context.Context, a approval.Actor, id int64, totpCode, comment string) (*approval.Batch, error)
	RejectBatch(ctx context.Context, a approval.Actor, id int64, comment string) (*approval.Batch, error)
	CancelBatch(ctx context.Context, a approval.Actor, id int64) (*approval.Batch, error)

	Delegations
	BatchRoute(ctx context.Context, a approval.Actor, id int64) (approval.RouteStatus, error)
}

// Reader is what the forms read of the synced cache (readmodel.Reader), within the scope
// passed in, and the read cache the dashboard's panel and the navigation's counter keep
// their entries in.
type Reader interface {
	SubAccount(ctx context.Context, scope authz.QueryScope, id string) (*store.SubAccount, error)
	PickSubAccounts(ctx context.Context, scope authz.QueryScope, q string, hidden []string, limit int) (readmodel.SubAccountPicks, error)
	CouponChoices(ctx context.Context, scope authz.QueryScope, holder, master string, hidden []string) ([]store.Coupon, error)
	ResourceChoices(ctx context.Context, scope authz.QueryScope, f readmodel.ResourceChoiceFilter) (readmodel.ResourceChoices, error)
	Masters(ctx context.Context, master string, hidden []string) ([]store.MasterBalances, error)
	LatestRuns(ctx context.Context, master string) (map[string]store.SyncRun, error)
	Cache() *readmodel.Cache
}

// Store is what the area reads by key: the requester the list is filtered by, and the
// sub-account a form names (shown only inside the user's scope).
type Store interface {
	UserByUsername(ctx context.Context, username string) (*store.User, error)
	SubAccountByID(ctx context.Context, id string) (*store.SubAccount, error)
}

// Masters is what the portal knows of its master accounts (readweb.Masters, which web
// provides): those no longer configured, the selector of a filter form, and a master's
// name on a detail page.
type Masters interface {
	Hidden(ctx context.Context) []string
	Options(c *gin.Context, selected string) []view.Option
	Label(ctx context.Context, master string) (name string, gone bool)
}

// Deps are the area's collaborators. All are required except Ops: nil (a build without
// jobs) answers "operations are not available" on every page and call.
type Deps struct {
	Core    webcore.Core
	Ops     Operations
	Reader  Reader
	Store   Store
	Masters Masters
	// SecureCookies marks the inbox's result cookie Secure (the portal is served over
	// HTTPS).
	SecureCookies bool
	Log           *slog.Logger
	Now           func() time.Time
}

// Area serves the operations pages and API.
type Area struct {
	core          webcore.Core
	ops           Operations
	read          Reader
	db            Store
	masters       Masters
	secureCookies bool
	log           *slog.Logger
	now           func() time.Time
}

// New builds the area.
func New(d Deps) (*Area, error) {
	if d.Core == nil || d.Reader == nil || d.Store == nil || d.Masters == nil || d.Log == nil || d.Now == nil {
		return nil, errors.New("opsweb: Deps.Core, Reader, Store, Masters, Log and Now are required")
	}
	return &Area{core: d.Core, ops: d.Ops, read: d.Reader, db: d.Store, masters: d.Masters, secureCookies: d.SecureCookies,
		log: d.Log, now: d.Now}, nil
}

// actor is the signed-in user as the approval service sees them.
func (a *Area) actor(c *gin.Context) approval.Actor {
	m := a.core.Meta(c)
	u, stage := a.core.User(c)
	if u == nil || stage != session.StageSigned {
		return approval.Actor{Meta: m}
	}
	return approval.Actor{UserID: u.ID, Username: u.Username, Roles: a.core.Subject(c).Roles, Scopes: u.Scopes, Meta: m}
}

// ready answers 503 when no approval service is wired (a build without jobs).
func (a *Area) ready(c *gin.Context) bool {
	if a.ops == nil {
		a.core.Fail(c, webcore.ErrOperationsUnavailable)
		return false
	}
	return true
}

// apiError answers the JSON API's error shape with a message id of the area's.
func (a *Area) apiError(c *gin.Context, status int, code, messageID string) {
	a.core.Fail(c, &webcore.Error{Status: status, Code: code, Message: messageID})
}
