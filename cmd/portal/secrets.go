package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/rekey"
)

const secretsUsage = "secrets: want 'secrets rotate --new-key-file FILE' or 'secrets new-key' (see docs/ADMIN.md)"

// runSecrets: `portal secrets new-key` prints a fresh key; `portal secrets rotate
// --new-key-file FILE` re-seals every stored secret from the current key to the new one.
func runSecrets(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		return usagef(secretsUsage)
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("secrets "+sub, flag.ContinueOnError)
	getenv := configFlags(fs, e.getenv)
	var newKeyFile string
	switch sub {
	case "new-key":
	case "rotate":
		fs.StringVar(&newKeyFile, "new-key-file", "", "file holding the new key: 32 bytes, base64 (required)")
	default:
		return usagef(secretsUsage)
	}
	if err := parse(fs, args, e.stderr); err != nil {
		return err
	}
	if len(fs.Args()) > 0 {
		return usagef("secrets %s: unexpected argument %q", sub, fs.Args()[0])
	}
	if sub == "new-key" {
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, base64.StdEncoding.EncodeToString(k))
		return nil
	}
	if newKeyFile == "" {
		return usagef("secrets rotate: --new-key-file is required")
	}
	newKey, err := readKeyFile(newKeyFile)
	if err != nil {
		return usagef("secrets rotate: %v", err)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	fromDataDir := cfg.SecretKey == nil
	if fromDataDir {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, config.SecretKeyFile)); err != nil {
			return exitError{"secrets rotate: no current key: PORTAL_SECRET_KEY is not set and " +
				filepath.Join(cfg.DataDir, config.SecretKeyFile) + " does not exist"}
		}
		if _, err := config.EnsureSecretKey(&cfg); err != nil {
			return err
		}
	}
	db, err := openStore(ctx, cfg, newLogger(cfg, e.stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := rekey.Rotate(ctx, db, cfg.SecretKey, newKey, audit.System("portal secrets rotate"))
	switch {
	case errors.Is(err, rekey.ErrWrongKey):
		return exitError{"secrets rotate: a stored secret does not decrypt with the current key (is PORTAL_SECRET_KEY the key in use?); nothing was changed"}
	case errors.Is(err, rekey.ErrBadKey):
		return usagef("secrets rotate: the new key must be 32 bytes and differ from the current one")
	case err != nil:
		return err
	}
	var parts []string
	for _, t := range sortedKeys(rep.Resealed) {
		parts = append(parts, fmt.Sprintf("%s %d", t, rep.Resealed[t]))
	}
	fmt.Fprintf(e.stdout, "re-sealed %d secrets (%s)\n", rep.Total, dash(strings.Join(parts, ", ")))
	if fromDataDir {
		path := filepath.Join(cfg.DataDir, config.SecretKeyFile)
		if err := writeKeyFile(path, newKey); err != nil {
			return exitError{fmt.Sprintf("secrets rotate: the database now uses the new key, but %s could not be replaced (%v): copy %s there before restarting",
				path, err, newKeyFile)}
		}
		fmt.Fprintf(e.stdout, "%s now holds the new key; restart the portal\n", path)
	} else {
		fmt.Fprintln(e.stdout, "set PORTAL_SECRET_KEY to the new key on every replica and restart them now: until then they cannot read the stored secrets")
	}
	return nil
}

// readKeyFile reads a base64 key of 32 bytes.
func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("%s does not hold a 32-byte base64 key (make one with 'portal secrets new-key')", path)
	}
	return k, nil
}

// writeKeyFile replaces the data directory's key atomically (mode 0600).
func writeKeyFile(path string, key []byte) error {
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
