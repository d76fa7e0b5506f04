package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"testing"

	"github.com/purser-finance/purser/internal/bss/sandbox"
)

// What the tests of a portal whose upstream is a sandbox the test holds share (the
// replicas, the standing rules in the browser): the demo portal's in-process sandbox is
// out of the test's reach, so these start one, point the portal at it as its one master
// account and add the users with the CLI, as an operator would.

// newSecretKey is a fresh PORTAL_SECRET_KEY: the CLI and the portal must share it.
func newSecretKey() string {
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	return base64.StdEncoding.EncodeToString(raw[:])
}

// startTestSandbox starts a sandbox of n sub-accounts on a free port until the test ends.
func startTestSandbox(t *testing.T, n int) (*sandbox.Running, sandbox.Options) {
	t.Helper()
	opts := sandbox.DefaultOptions()
	opts.Logger = slog.New(slog.DiscardHandler)
	opts.SubAccounts = n
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sb, err := sandbox.Start(ctx, "127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	return sb, opts
}

// sandboxUpstream are the variables that make sb a portal's upstream: stored under
// /admin/upstream as its one master account on the portal's first start.
func sandboxUpstream(sb *sandbox.Running, opts sandbox.Options) map[string]string {
	return map[string]string{"PORTAL_UPSTREAM": sb.URL(), "PORTAL_HW_AK": opts.AK, "PORTAL_HW_SK": opts.SK,
		"PORTAL_HW_DOMAIN_ID": opts.DomainID}
}

// addCLIUser adds a user with `portal user add`: the password on standard input, one
// role and a TOTP secret, with the CLI's variables vars (the database, the secret key).
func addCLIUser(t *testing.T, vars map[string]string, password, name, role, secret string) {
	t.Helper()
	if r := runCLI(t, password+"\n", vars, "user", "add", "--username", name, "--role", role, "--totp-secret", secret); r.code != exitOK {
		t.Fatalf("user add %s\n%s", name, r)
	}
}
