package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/store"
)

// RecoveryCodeCount is how many recovery codes a user gets with a second factor.
const RecoveryCodeCount = 10

var recoveryEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewRecoveryCodes returns RecoveryCodeCount fresh codes (shown to the user once, as
// "xxxxx-xxxxx", 50 random bits each) and the hashes to store.
func NewRecoveryCodes() (codes, hashes []string, err error) {
	for range RecoveryCodeCount {
		b := make([]byte, 7)
		if _, err := rand.Read(b); err != nil {
			return nil, nil, err
		}
		s := strings.ToLower(recoveryEncoding.EncodeToString(b))[:10]
		code := s[:5] + "-" + s[5:]
		codes = append(codes, code)
		hashes = append(hashes, HashRecoveryCode(code))
	}
	return codes, hashes, nil
}

// HashRecoveryCode is the stored form of a code, after normalising what people type
// (case, spaces, dashes). The codes are random, so SHA-256 is enough.
func HashRecoveryCode(code string) string {
	c := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\t':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
	sum := sha256.Sum256([]byte("purser-recovery:" + c))
	return hex.EncodeToString(sum[:])
}

// LooksLikeRecoveryCode tells a recovery code from a six-digit TOTP code, so that one
// sign-in field can accept either.
func LooksLikeRecoveryCode(code string) bool {
	return len(strings.ReplaceAll(strings.TrimSpace(code), "-", "")) == 10
}

// CheckRecoveryCode is the alternative second step of a sign-in: one of the user's unused
// recovery codes instead of a TOTP code. The code is used up; throttling and the audit of
// failures are the same as CheckCode's, and success is recorded as auth.login with factor
// "recovery_code".
func (s *Service) CheckRecoveryCode(ctx context.Context, u *store.User, code string, m audit.Meta) error {
	err := s.secondFactor(ctx, u, m, "wrong recovery code", true, func(now time.Time) error {
		ok, err := s.DB.UseRecoveryCode(ctx, u.ID, HashRecoveryCode(code), now)
		if err == nil && !ok {
			return ErrInvalidCode
		}
		return err
	})
	if err != nil {
		return err
	}
	return s.complete(ctx, u, m, "recovery_code")
}

// CheckCodeOrRecovery accepts either a TOTP code or a recovery code in one field.
func (s *Service) CheckCodeOrRecovery(ctx context.Context, u *store.User, code string, m audit.Meta) error {
	if LooksLikeRecoveryCode(code) {
		return s.CheckRecoveryCode(ctx, u, code, m)
	}
	return s.CheckCode(ctx, u, code, m)
}
