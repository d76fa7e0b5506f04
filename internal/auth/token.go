package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// TokenPrefix marks Purser API tokens, so that secret scanners can find leaked ones.
const TokenPrefix = "pst_"

// NewAPIToken returns a new bearer token (shown to its owner once), the hash that is
// stored, and a short prefix that identifies it in lists.
func NewAPIToken() (raw, hash, prefix string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", "", err
	}
	raw = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return raw, HashAPIToken(raw), raw[:len(TokenPrefix)+6], nil
}

// HashAPIToken is the stored form of a token: tokens are random and long, so a plain
// SHA-256 is enough (no password hashing needed) and lookups stay O(1).
func HashAPIToken(raw string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(raw)))
	return hex.EncodeToString(sum[:])
}
