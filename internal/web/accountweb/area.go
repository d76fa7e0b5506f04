// Package accountweb is a person's own account on the web: signing in (password, second
// factor, single sign-on) and out, accepting an invitation, enrolling and replacing the
// second factor, and the profile — password, e-mail address, recovery codes, sessions,
// personal API tokens — with the in-app notifications. It declares its routes with their
// permissions (Routes) and receives its collaborators as Deps; package web mounts it.
//
// It does not import web. What a sign-in does to the session — rotating its id, the
// stage, signing out — is the core's (Core.SignIn, Core.SignOut), beside the middleware
// that loads the session on every request; the area keeps only its own values in the
// session (the identity provider's state, the second factor being enrolled). The checks
// themselves are the use cases' (internal/auth, users, sso), which audit them.
package accountweb

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/notify"
	"github.com/purser-finance/purser/internal/settings"
	"github.com/purser-finance/purser/internal/sso"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/web/webcore"
)

// Auth checks passwords and second factors (auth.Service).
type Auth interface {
	CheckPassword(ctx context.Context, username, password string, m audit.Meta) (auth.PasswordResult, error)
	CheckCodeOrRecovery(ctx context.Context, u *store.User, code string, m audit.Meta) error
	CompleteAfterEnrolment(ctx context.Context, u *store.User, m audit.Meta) error
}

// Users are a person's own account changes (users.Service).
type Users interface {
	AcceptInvitation(ctx context.Context, token, password string, m audit.Meta) (*store.User, error)
	ConfirmTOTP(ctx context.Context, u *store.User, secret, code, currentCode string, m audit.Meta) ([]string, error)
	RecoveryCodesLeft(ctx context.Context, userID int64) (int64, error)
	RegenerateRecoveryCodes(ctx context.Context, u *store.User, code string, m audit.Meta) ([]string, error)
	ChangePassword(ctx context.Context, u *store.User, current, next, keepSession string, m audit.Meta) error
	ChangeOwnEmail(ctx context.Context, u *store.User, email string, m audit.Meta, up auth.StepUp) error
	Sessions(ctx context.Context, userID int64) ([]store.Session, error)
	EndSession(ctx context.Context, userID int64, sessionID string, m audit.Meta) error
	EndSessions(ctx context.Context, userID int64, keep string, m audit.Meta) (int, error)
	Tokens(ctx context.Context, userID int64) ([]store.APIToken, error)
	CreateOwnToken(ctx context.Context, u *store.User, name string, expires *time.Time, m audit.Meta) (string, error)
	RevokeToken(ctx context.Context, u *store.User, tokenID int64, m audit.Meta) error
}

// Settings are read for the single sign-on configuration in force (settings.Service).
type Settings interface {
	Get(ctx context.Context) (settings.Settings, error)
}

// SSO signs people in at the identity provider (sso.Service).
type SSO interface {
	BeginLogin(ctx context.Context, cfg sso.Config) (string, sso.Pending, error)
	Complete(ctx context.Context, cfg sso.Config, cb sso.Callback, pend sso.Pending, m audit.Meta) (*store.User, error)
}

// Store is where the area's own audit events go (sign-out, refused sign-ins, wrong
// enrolment codes) and the user a local sign-in names.
type Store interface {
	audit.Appender
	UserByUsername(ctx context.Context, username string) (*store.User, error)
}

// Secrets seal the second factor being enrolled while it waits in the session
// (secretbox.Box).
type Secrets interface {
	Seal(plaintext string) (string, error)
	Open(sealed string) (string, error)
}

// Notices are a user's in-app notifications (notify.Notifier).
type Notices interface {
	List(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]notify.Notification, error)
	MarkRead(ctx context.Context, userID int64, ids []int64) error
}

// Deps are the area's collaborators. All are required except Notices: nil answers
// "operations are not available" on the notifications pages (they come with the
// maker-checker workflow).
type Deps struct {
	Core     webcore.Core
	Auth     Auth
	Users    Users
	Settings Settings
	SSO      SSO
	Store    Store
	Secrets  Secrets
	Notices  Notices
	// Config tells whether the sign-in page may show the sandbox's demo credentials.
	Config config.Config
	Log    *slog.Logger
	Now    func() time.Time
}

// Area serves the account pages.
type Area struct {
	core     webcore.Core
	auth     Auth
	users    Users
	settings Settings
	sso      SSO
	db       Store
	secrets  Secrets
	notices  Notices
	cfg      config.Config
	log      *slog.Logger
	now      func() time.Time
}

// New builds the area.
func New(d Deps) (*Area, error) {
	if d.Core == nil || d.Auth == nil || d.Users == nil || d.Settings == nil || d.SSO == nil || d.Store == nil ||
		d.Secrets == nil || d.Log == nil || d.Now == nil {
		return nil, errors.New("accountweb: Deps.Core, Auth, Users, Settings, SSO, Store, Secrets, Log and Now are required")
	}
	return &Area{core: d.Core, auth: d.Auth, users: d.Users, settings: d.Settings, sso: d.SSO, db: d.Store, secrets: d.Secrets,
		notices: d.Notices, cfg: d.Config, log: d.Log, now: d.Now}, nil
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
