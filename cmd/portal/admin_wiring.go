package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/wiring"
)

// identity builds the sign-in, session and administration collaborators of the web server
// (wiring.NewIdentity, with the process's one password hasher), bootstrapping the master
// account from PORTAL_HW_* into the upstream accounts on a first start. codeNow is the
// in-process tests' TOTP clock (env.codeNow); nil in `portal serve`: the wall clock.
func identity(ctx context.Context, cfg config.Config, db *store.DB, log *slog.Logger, codeNow func() time.Time) (*wiring.Identity, error) {
	id, err := wiring.NewIdentity(cfg, db, wiring.Options{Log: log, Passwords: wiring.NewPasswords(), CodeNow: codeNow})
	if err != nil {
		return nil, err
	}
	created, err := id.Admin.Accounts.EnsureFromConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if created {
		log.Info("stored the master account from PORTAL_HW_* (edit it under /admin/upstream)")
	}
	return id, nil
}
