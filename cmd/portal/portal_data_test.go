package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/jobs"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// The data directories of the portals that the tests of what comes after a start run
// on. A demo portal's first start migrates the database and River's tables, generates the
// sandbox's balance history and hashes the six demo users' passwords (argon2id): on two
// busy cores 8 to 25 s of the start, and starts go one at a time (startPhase), so the
// package waited minutes for them. These directories hold, once per process and sandbox
// size, a database that went through those steps, done by the functions serve runs for
// them (seedSandboxHistory, SeedDemo), and the secret key the demo users' second factors
// were sealed with; serve finds them done, as on a restart. The sign-in tour and the
// first-start tests (TestSandboxHistoryFirstStart, TestBrowserSandboxHistoryChart) and
// the CLI tests start on empty databases, which covers the steps themselves.

// demoDataKey is the secret key of every prepared demo data directory.
var demoDataKey = func() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}()

var demoData sync.Map // sandbox sub-accounts → *storetest.Prepared

// demoDataDir is a fresh data directory of a demo portal whose sandbox has subAccounts
// sub-accounts (0: the default) after its first start, before its first sync.
func demoDataDir(t *testing.T, subAccounts int) string {
	t.Helper()
	v, _ := demoData.LoadOrStore(subAccounts, storetest.NewPrepared(func(ctx context.Context, db *store.DB) error {
		return seedDemoData(ctx, db, subAccounts)
	}))
	dir := v.(*storetest.Prepared).SQLiteDataDir(t)
	key := []byte(base64.StdEncoding.EncodeToString(demoDataKey) + "\n")
	must(t, "write the secret key", os.WriteFile(filepath.Join(dir, config.SecretKeyFile), key, 0o600))
	return dir
}

// demoVars are the portal's variables for a sandbox of subAccounts sub-accounts.
func demoVars(subAccounts int) map[string]string {
	if subAccounts == 0 {
		return nil
	}
	return map[string]string{"PORTAL_SANDBOX_SUB_ACCOUNTS": strconv.Itoa(subAccounts)}
}

// seedDemoData does to db what a first start of demo mode does before it serves.
func seedDemoData(ctx context.Context, db *store.DB, subAccounts int) error {
	if err := jobs.Migrate(ctx, db, nil); err != nil {
		return err
	}
	vars := demoVars(subAccounts)
	cfg, err := loadConfig(func(name string) string { return vars[name] })
	if err != nil {
		return err
	}
	if !cfg.Sandbox() {
		return errors.New("the demo data is for the sandbox")
	}
	cfg.SecretKey = demoDataKey
	log := slog.New(slog.DiscardHandler)
	opts := sandboxOptions(cfg, log)
	sb, err := sandbox.New(opts)
	if err != nil {
		return err
	}
	if err := seedSandboxHistory(ctx, db, sb, opts.DomainID, log); err != nil {
		return err
	}
	us, err := userService(cfg, db)
	if err != nil {
		return err
	}
	seeded, err := us.SeedDemo(ctx, cfg.DemoPassword, cfg.DemoTOTPSecret)
	if err == nil && !seeded {
		err = errors.New("the demo users were not created")
	}
	return err
}
