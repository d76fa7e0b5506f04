// Package wiring builds the portal's identity and administration collaborators from the
// configuration: the password hasher, the TOTP secret box, the one auth service (sign-in
// and step-up alike), the session store and the administration use cases. cmd/portal
// (serve and the CLI) calls it, and so does the test kit (internal/testkit), so that tests
// run the wiring production runs.
package wiring

import (
	"context"
	"log/slog"
	"time"

	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/secretbox"
	"github.com/purser-finance/purser/internal/session"
	"github.com/purser-finance/purser/internal/settings"
	"github.com/purser-finance/purser/internal/sso"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/upstreamacct"
	"github.com/purser-finance/purser/internal/users"
	"github.com/purser-finance/purser/internal/web"
)

// NewPasswords is the password hasher of one process: one bound on concurrent argon2id
// work (two hashes at a time) shared by everything that hashes or verifies there.
func NewPasswords() *auth.Passwords { return auth.NewPasswords(2) }

// Options are what varies between processes and tests.
type Options struct {
	Log       *slog.Logger     // nil: discard
	Now       func() time.Time // nil: time.Now
	Passwords *auth.Passwords  // nil: NewPasswords()
	// CodeNow is the clock TOTP codes are matched against (nil: Now). cmd/portal's
	// in-process test harness sets it so that a test moves to the next 30-second step
	// instead of waiting for it; nothing a deployment configures (no flag, variable or
	// route) reaches it.
	CodeNow func() time.Time
}

// Identity is who-is-signed-in and the administration use cases, built once per process.
type Identity struct {
	Passwords   *auth.Passwords
	TOTPSecrets *secretbox.Box
	// Auth checks passwords and second factors; the same service answers the approval
	// workflow's step-up, so step-up failures count toward the sign-in lockout.
	Auth     *auth.Service
	Sessions *session.Store
	Admin    web.AdminDeps
}

// NewIdentity builds the identity collaborators over db.
func NewIdentity(cfg config.Config, db *store.DB, o Options) (*Identity, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Passwords == nil {
		o.Passwords = NewPasswords()
	}
	box, err := secretbox.New(cfg.SecretKey, "totp")
	if err != nil {
		return nil, err
	}
	accounts, err := upstreamacct.New(db, cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	accounts.Log = o.Log
	// Clients built per request (test connection) must not register metrics: one
	// registry accepts each client's metrics once.
	accounts.ClientConfig = func(c *bss.Config) { c.Metrics = nil }
	st, err := settings.New(db, cfg.SecretKey, cfg)
	if err != nil {
		return nil, err
	}
	id := &Identity{Passwords: o.Passwords, TOTPSecrets: box}
	id.Auth = &auth.Service{
		DB: db, Passwords: o.Passwords, TOTPSecrets: box, Log: o.Log.With("component", "auth"), Now: o.Now, CodeNow: o.CodeNow,
		MaxFailures: cfg.LoginMaxFailures, Window: cfg.LoginLockout, Lockout: cfg.LoginLockout,
	}
	id.Sessions = session.NewStore(db, session.Options{
		SecretKey: cfg.SecretKey, Secure: cfg.SecureCookies(),
		Idle: cfg.SessionIdleTimeout, Absolute: cfg.SessionAbsoluteTimeout, Log: o.Log,
	})
	id.Sessions.Now = o.Now
	// The timeouts an admin set under /admin/settings win over the configured ones (zero:
	// the configured ones). Settings are cached per process: no query per request.
	id.Sessions.Limits = func(ctx context.Context) (time.Duration, time.Duration) {
		s, err := st.Get(ctx)
		if err != nil {
			return 0, 0
		}
		return s.Sessions.IdleTimeout, s.Sessions.AbsoluteTimeout
	}
	id.Admin = web.AdminDeps{
		Users:    &users.Service{DB: db, Passwords: o.Passwords, TOTPSecrets: box, Now: o.Now, CodeNow: o.CodeNow},
		Accounts: accounts, Settings: st, SSO: sso.New(db),
	}
	return id, nil
}

// Users is the user-management use case alone, for the CLI's user commands.
func Users(cfg config.Config, db *store.DB, passwords *auth.Passwords) (*users.Service, error) {
	box, err := secretbox.New(cfg.SecretKey, "totp")
	if err != nil {
		return nil, err
	}
	return &users.Service{DB: db, Passwords: passwords, TOTPSecrets: box}, nil
}
