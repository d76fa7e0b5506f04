// Package webdeps builds a test web server's collaborators with the production wiring
// (internal/wiring) on the test kit's clock and cheap hasher. It is apart from testkit so
// that tests of packages below web (execute, jobs) do not link the web server.
package webdeps

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
	"github.com/purser-finance/purser/internal/web"
	"github.com/purser-finance/purser/internal/wiring"
)

// Config is the configuration of a test portal: env read as the environment (nil: the
// defaults) and a fixed secret key.
func Config(t testing.TB, env map[string]string) config.Config {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.SecretKey = bytes.Repeat([]byte{42}, 32)
	return cfg
}

// Deps are the web server's collaborators built as cmd/portal builds them
// (wiring.NewIdentity), on clk and with the tests' cheap hasher; the test adds the
// upstream, the job runner or the operations service it needs.
func Deps(t testing.TB, cfg config.Config, db *store.DB, clk *testkit.Clock, log *slog.Logger) (web.Deps, *wiring.Identity) {
	t.Helper()
	id, err := wiring.NewIdentity(cfg, db, wiring.Options{Log: log, Now: clk.Now, Passwords: testkit.Passwords()})
	if err != nil {
		t.Fatal(err)
	}
	return web.Deps{Config: cfg, DB: db, Log: log, Now: clk.Now, Version: "test",
		Auth: id.Auth, Sessions: id.Sessions, TOTPSecrets: id.TOTPSecrets, Admin: id.Admin}, id
}
