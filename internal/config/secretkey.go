package config

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SecretKeyFile is where a generated key lives inside the data directory.
const SecretKeyFile = "secret.key"

// EnsureSecretKey fills c.SecretKey from the data directory, generating and saving a new
// random key (mode 0600) on first start. It reports whether it generated one, so that the
// caller can warn: a generated key on a multi-replica deployment would differ per replica.
func EnsureSecretKey(c *Config) (generated bool, err error) {
	if c.SecretKey != nil {
		return false, nil
	}
	path := filepath.Join(c.DataDir, SecretKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		key, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if derr != nil || len(key) != 32 {
			return false, fmt.Errorf("%s does not hold a 32-byte base64 key", path)
		}
		c.SecretKey = key
		return false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("read secret key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return false, err
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return false, fmt.Errorf("create data dir: %w", err)
	}
	// O_EXCL: two processes starting at once must not overwrite each other's key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return EnsureSecretKey(c)
	}
	if err != nil {
		return false, fmt.Errorf("write secret key: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		return false, fmt.Errorf("write secret key: %w", err)
	}
	c.SecretKey = key
	return true, nil
}
