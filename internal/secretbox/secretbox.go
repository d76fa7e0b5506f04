// Package secretbox encrypts secrets kept in the database (TOTP secrets, upstream secret
// keys) with AES-256-GCM under a key derived from PORTAL_SECRET_KEY, so a copy of the
// database alone reveals none of them.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// prefix versions the format so that a later key rotation can tell old from new.
const prefix = "v1:"

// ErrDecrypt is returned for a value that was not sealed by this key.
var ErrDecrypt = errors.New("secretbox: cannot decrypt (wrong key or damaged value)")

// Box seals and opens values.
type Box struct{ aead cipher.AEAD }

// New derives an encryption key for purpose from the master secret. Each purpose gets its
// own key, so that a value sealed for one use cannot be replayed as another.
func New(master []byte, purpose string) (*Box, error) {
	if len(master) != 32 {
		return nil, errors.New("secretbox: master key must be 32 bytes")
	}
	block, err := aes.NewCipher(Derive(master, "secretbox:"+purpose))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Derive returns a 32-byte subkey of master for a label (HMAC-SHA256 as a PRF).
func Derive(master []byte, label string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Seal encrypts plaintext into printable text. Empty stays empty, meaning "no secret".
func (b *Box) Seal(plaintext string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := b.aead.Seal(nonce, nonce, []byte(plaintext), nil)
	return prefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a value produced by Seal.
func (b *Box) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	raw, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", ErrDecrypt
	}
	data, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(data) < b.aead.NonceSize() {
		return "", ErrDecrypt
	}
	n := b.aead.NonceSize()
	pt, err := b.aead.Open(nil, data[:n], data[n:], nil)
	if err != nil {
		return "", ErrDecrypt
	}
	return string(pt), nil
}
