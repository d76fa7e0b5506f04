// Package adminweb is the administrators' workspace on the web: the admin index, the
// users and their sessions, the upstream (Huawei Cloud) accounts, the portal settings and
// the approval policy. It declares its routes with their permissions (Routes) and
// receives its collaborators as Deps; package web mounts it.
//
// It does not import web: the request-scoped core reaches it as webcore.Core, which web
// implements — the page frame, rendering, the one error exit, and the step-up every
// change here needs (Core.StepUp: the form's code or one given in the last five minutes,
// kept in the session the core owns). The use cases (internal/users, upstreamacct,
// settings, approval) check the proof again and audit every change with before and
// after; the handlers only parse the form, call one of them and render.
package adminweb

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/purser-finance/purser/internal/approval"
	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/settings"
	"github.com/purser-finance/purser/internal/sso"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/upstreamacct"
	"github.com/purser-finance/purser/internal/users"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// Users manages the portal's users (users.Service).
type Users interface {
	List(ctx context.Context) ([]store.User, error)
	Get(ctx context.Context, id int64) (*store.User, error)
	CreateInvited(ctx context.Context, n users.NewUser, ttl time.Duration, m audit.Meta, up auth.StepUp) (*store.User, users.Invitation, error)
	CreateChecked(ctx context.Context, n users.NewUser, m audit.Meta, up auth.StepUp) (*store.User, error)
	Invite(ctx context.Context, id int64, ttl time.Duration, m audit.Meta, up auth.StepUp) (users.Invitation, error)
	UpdateDisplayName(ctx context.Context, id int64, name string, m audit.Meta, up auth.StepUp) error
	SetEmail(ctx context.Context, id int64, email string, m audit.Meta, up auth.StepUp) error
	SetRoles(ctx context.Context, id int64, roles []string, m audit.Meta, up auth.StepUp) error
	SetScopes(ctx context.Context, id int64, scopes []string, m audit.Meta, up auth.StepUp) error
	SetDisabledByID(ctx context.Context, id int64, disabled bool, m audit.Meta, up auth.StepUp) error
	SetPassword(ctx context.Context, id int64, password string, m audit.Meta, up auth.StepUp) error
	AdminResetTOTP(ctx context.Context, id int64, m audit.Meta, up auth.StepUp) error
	Sessions(ctx context.Context, userID int64) ([]store.Session, error)
	EndSession(ctx context.Context, userID int64, sessionID string, m audit.Meta) error
	EndSessions(ctx context.Context, userID int64, keep string, m audit.Meta) (int, error)
}

// Accounts manages the upstream accounts (upstreamacct.Service).
type Accounts interface {
	List(ctx context.Context) ([]upstreamacct.Account, error)
	Get(ctx context.Context, id int64) (upstreamacct.Account, error)
	Create(ctx context.Context, in upstreamacct.Input, m audit.Meta, up auth.StepUp) (upstreamacct.Account, error)
	Update(ctx context.Context, id int64, in upstreamacct.Input, m audit.Meta, up auth.StepUp) (upstreamacct.Account, error)
	Delete(ctx context.Context, id int64, m audit.Meta, up auth.StepUp) error
	TestConnection(ctx context.Context, id int64, m audit.Meta) (upstreamacct.ConnectionResult, error)
}

// Settings reads and changes the portal settings (settings.Service).
type Settings interface {
	Get(ctx context.Context) (settings.Settings, error)
	UpdateSync(ctx context.Context, v settings.Sync, m audit.Meta, up auth.StepUp) error
	UpdateBalance(ctx context.Context, threshold, currency string, m audit.Meta, up auth.StepUp) error
	UpdateSMTP(ctx context.Context, v settings.SMTP, clearPassword bool, m audit.Meta, up auth.StepUp) error
	UpdateWebhook(ctx context.Context, v settings.Webhook, clearSecret bool, m audit.Meta, up auth.StepUp) error
	UpdateSessions(ctx context.Context, v settings.Sessions, m audit.Meta, up auth.StepUp) error
	UpdateSSO(ctx context.Context, v sso.Config, m audit.Meta, up auth.StepUp) error
	SendTestWebhook(ctx context.Context, m audit.Meta) error
	SendTestMail(ctx context.Context, to string, m audit.Meta) error
}

// Store is what the area reads directly: the organisation tree (scope checkboxes) and an
// upstream account's stored row (its access key, which is no secret).
type Store interface {
	Organizations(ctx context.Context) ([]store.Organization, error)
	UpstreamAccountByID(ctx context.Context, id int64) (*store.UpstreamAccount, error)
}

// Policies are the maker-checker rules per kind (approval.Service).
type Policies interface {
	Policies(ctx context.Context) ([]approval.Policy, error)
	SetPolicy(ctx context.Context, a approval.Actor, p approval.Policy) error
	Limits
}

// StepUpVerifier checks a fresh second-factor code (auth.Service): the policy form asks
// for one every time, not the five-minute window of the other admin changes.
type StepUpVerifier interface {
	VerifyStepUp(ctx context.Context, u *store.User, code string, m audit.Meta) error
}

// Deliveries tell the last failed notification delivery (notify.Notifier).
type Deliveries interface {
	LastFailure() notify.Failure
}

// InProcessMasters are the master accounts registered in process and not stored (the
// demo sandbox; upstreamacct.Registry).
type InProcessMasters interface {
	InProcess(ctx context.Context) ([]upstreamacct.Master, error)
}

// Deps are the area's collaborators. Core, Users, Accounts, Settings, Store, StepUp,
// LastSync and Log are required. Policies nil answers "operations are not available" on
// the policy page; Deliveries nil shows no delivery failure; Masters nil lists no
// in-process masters.
type Deps struct {
	Core     webcore.Core
	Users    Users
	Accounts Accounts
	Settings Settings
	Store    Store
	StepUp   StepUpVerifier
	Policies Policies
	// Matrix is the approval matrix (nil, with Policies: "operations are not available").
	Matrix     Matrix
	Deliveries Deliveries
	Masters    InProcessMasters
	// LastSync is a master's most recently finished sync run (nil: none yet).
	LastSync func(ctx context.Context, domainID string) *store.SyncRun
	// PublicURL is the portal's public address (invitation links, the suggested single
	// sign-on callback); "" takes the request's host.
	PublicURL string
	Log       *slog.Logger
}

// Area serves the admin pages.
type Area struct {
	core       webcore.Core
	users      Users
	accounts   Accounts
	settings   Settings
	db         Store
	stepUp     StepUpVerifier
	policies   Policies
	matrix     Matrix
	deliveries Deliveries
	masters    InProcessMasters
	lastSync   func(ctx context.Context, domainID string) *store.SyncRun
	publicURL  string
	log        *slog.Logger
}

// New builds the area.
func New(d Deps) (*Area, error) {
	if d.Core == nil || d.Users == nil || d.Accounts == nil || d.Settings == nil || d.Store == nil || d.StepUp == nil ||
		d.LastSync == nil || d.Log == nil {
		return nil, errors.New("adminweb: Deps.Core, Users, Accounts, Settings, Store, StepUp, LastSync and Log are required")
	}
	return &Area{core: d.Core, users: d.Users, accounts: d.Accounts, settings: d.Settings, db: d.Store, stepUp: d.StepUp,
		policies: d.Policies, matrix: d.Matrix, deliveries: d.Deliveries, masters: d.Masters, lastSync: d.LastSync, publicURL: d.PublicURL,
		log: d.Log}, nil
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
