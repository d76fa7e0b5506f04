package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/secretbox"
	"github.com/purser-finance/purser/internal/settings"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/upstreamacct"
)

func writeKey(t *testing.T, dir, name string, k []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(base64.StdEncoding.EncodeToString(k)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func opened(t *testing.T, key []byte, purpose, sealed string) string {
	t.Helper()
	b, err := secretbox.New(key, purpose)
	if err != nil {
		t.Fatal(err)
	}
	v, err := b.Open(sealed)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return v
}

// TestSecretsRotate: a round trip through the CLI, a wrong old key refused, and a failure
// half-way leaving every value as it was.
func TestSecretsRotate(t *testing.T) {
	t.Parallel()
	defer cliPhase()()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "portal.db")
	oldKey, newKey, otherKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32), bytes.Repeat([]byte{3}, 32)
	vars := map[string]string{"PORTAL_DATABASE_URL": "sqlite://" + dbPath, "PORTAL_DATA_DIR": dir}
	writeKey(t, dir, "secret.key", oldKey)
	if r := runCLI(t, "long enough pw\n", vars, "user", "add", "--username", "ada", "--role", "admin", "--totp-secret", "JBSWY3DPEHPK3PXP"); r.code != 0 {
		t.Fatal(r)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite://"+dbPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ups, _ := upstreamacct.New(db, oldKey)
	acct, err := ups.Create(ctx, upstreamacct.Input{Name: "Main", Endpoint: "https://bss.example.com", AK: "AK", SK: "the-sk", DomainID: "d", Enabled: true},
		audit.System("test"), auth.Operator())
	if err != nil {
		t.Fatal(err)
	}
	set, _ := settings.New(db, oldKey, configForTest())
	if err := set.UpdateWebhook(ctx, settings.Webhook{URL: "https://hooks.example.com", Secret: "whsec"}, false, audit.System("test"), auth.Operator()); err != nil {
		t.Fatal(err)
	}
	snapshot := func() (string, string, string) {
		u, _ := db.UserByUsername(ctx, "ada")
		a, _ := db.UpstreamAccountByID(ctx, acct.ID)
		s, _ := db.SettingBySection(ctx, settings.SectionWebhook)
		return u.TOTPSecret, a.SK, s.Secret
	}
	totp0, sk0, wh0 := snapshot()

	// Usage errors.
	if r := runCLI(t, "", vars, "secrets", "rotate"); r.code != 2 {
		t.Fatal(r)
	}
	bad := filepath.Join(dir, "bad.key")
	_ = os.WriteFile(bad, []byte("short\n"), 0o600)
	if r := runCLI(t, "", vars, "secrets", "rotate", "--new-key-file", bad); r.code != 2 {
		t.Fatal(r)
	}

	// A wrong current key is refused and nothing changes.
	newFile := writeKey(t, dir, "new.key", newKey)
	wrong := map[string]string{"PORTAL_DATABASE_URL": vars["PORTAL_DATABASE_URL"], "PORTAL_DATA_DIR": dir,
		"PORTAL_SECRET_KEY": base64.StdEncoding.EncodeToString(otherKey)}
	if r := runCLI(t, "", wrong, "secrets", "rotate", "--new-key-file", newFile); r.code != 1 || !strings.Contains(r.stderr, "nothing was changed") {
		t.Fatal(r)
	}
	if a, b, c := snapshot(); a != totp0 || b != sk0 || c != wh0 {
		t.Fatal("a refused rotation changed stored values")
	}

	// One value sealed under another key: the rotation fails after reading the users'
	// secrets, and leaves them (and everything else) untouched.
	foreign, _ := secretbox.New(otherKey, "upstream-sk")
	bogus, _ := foreign.Seal("x")
	b2, err := ups.Create(ctx, upstreamacct.Input{Name: "Broken", Endpoint: "https://bss.example.com", AK: "AK2", SK: "y", DomainID: "d2"},
		audit.System("test"), auth.Operator())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ReplaceSealedValue(ctx, store.SealedUpstreamSK, itoa(b2.ID), mustSK(t, db, b2.ID), bogus); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, "", vars, "secrets", "rotate", "--new-key-file", newFile); r.code != 1 {
		t.Fatal(r)
	}
	if a, b, c := snapshot(); a != totp0 || b != sk0 || c != wh0 {
		t.Fatal("a failed rotation left values half-rotated")
	}
	if err := ups.Delete(ctx, b2.ID, audit.System("test"), auth.Operator()); err != nil {
		t.Fatal(err)
	}

	// The round trip.
	r := runCLI(t, "", vars, "secrets", "rotate", "--new-key-file", newFile)
	if r.code != 0 || !strings.Contains(r.stdout, "re-sealed 3 secrets") {
		t.Fatal(r)
	}
	totp1, sk1, wh1 := snapshot()
	if totp1 == totp0 || opened(t, newKey, "totp", totp1) != "JBSWY3DPEHPK3PXP" ||
		opened(t, newKey, "upstream-sk", sk1) != "the-sk" || !strings.Contains(opened(t, newKey, "settings", wh1), "whsec") {
		t.Fatal("values do not open with the new key")
	}
	if k, _ := readKeyFile(filepath.Join(dir, "secret.key")); !bytes.Equal(k, newKey) {
		t.Fatal("the data directory's key was not replaced")
	}
	// The portal works with the new key: a user command reads the database.
	if r := runCLI(t, "", vars, "user", "list"); r.code != 0 || !strings.Contains(r.stdout, "ada") {
		t.Fatal(r)
	}
	evs, _ := db.ListAudit(ctx, store.AuditFilter{Action: audit.SecretsRotate, Limit: 5})
	if len(evs) != 1 {
		t.Fatalf("%d secrets.rotate events", len(evs))
	}
}

func mustSK(t *testing.T, db *store.DB, id int64) string {
	a, err := db.UpstreamAccountByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a.SK
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

func configForTest() config.Config { return config.Config{} }
