package main

import (
	"context"
	"log/slog"

	"github.com/purser-finance/purser/internal/bss"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/settings"
	"github.com/purser-finance/purser/internal/sso"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/upstreamacct"
	"github.com/purser-finance/purser/internal/web"
)

// adminDeps builds the administration and identity services of the web server: users,
// upstream accounts (bootstrapping the master account from PORTAL_HW_* on a first start),
// settings and single sign-on.
func adminDeps(ctx context.Context, cfg config.Config, db *store.DB, log *slog.Logger) (web.AdminDeps, error) {
	us, err := userService(cfg, db)
	if err != nil {
		return web.AdminDeps{}, err
	}
	accounts, err := upstreamacct.New(db, cfg.SecretKey)
	if err != nil {
		return web.AdminDeps{}, err
	}
	accounts.Log = log
	// Clients built per request (test connection) must not register metrics: one
	// registry accepts each client's metrics once.
	accounts.ClientConfig = func(c *bss.Config) { c.Metrics = nil }
	created, err := accounts.EnsureFromConfig(ctx, cfg)
	if err != nil {
		return web.AdminDeps{}, err
	}
	if created {
		log.Info("stored the master account from PORTAL_HW_* (edit it under /admin/upstream)")
	}
	st, err := settings.New(db, cfg.SecretKey, cfg)
	if err != nil {
		return web.AdminDeps{}, err
	}
	return web.AdminDeps{Users: us, Accounts: accounts, Settings: st, SSO: sso.New(db)}, nil
}
