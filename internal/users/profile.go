package users

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/store"
)

// The own-profile use cases: the acting user is u, and m's actor is u.

// ChangePassword replaces the user's own password after checking the current one and
// the policy; every other session of the user ends (keepSession stays signed in).
func (s *Service) ChangePassword(ctx context.Context, u *store.User, current, next, keepSession string, m audit.Meta) error {
	ok, err := s.Passwords.Verify(ctx, current, u.PasswordHash)
	if err != nil && !errors.Is(err, auth.ErrMalformedHash) {
		return err
	}
	if !ok {
		if err := audit.Record(ctx, s.DB, m, audit.Entry{Action: audit.UserUpdate, TargetType: "user", TargetID: idOf(u),
			Outcome: audit.Failure, Details: map[string]any{"username": u.Username, "change": "password change refused: wrong current password"}}); err != nil {
			return err
		}
		return ErrWrongPassword
	}
	if err := CheckPassword(next, u.Username); err != nil {
		return err
	}
	hash, err := s.Passwords.Hash(ctx, next)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.DB) error {
		if err := tx.SetUserPassword(ctx, u.ID, hash); err != nil {
			return err
		}
		ended, err := endOthers(ctx, tx, u.ID, keepSession)
		if err != nil {
			return err
		}
		return record(ctx, tx, m, audit.UserUpdate, u, map[string]any{"change": "password changed", "sessions_ended": ended})
	})
}

func idOf(u *store.User) string { return fmt.Sprint(u.ID) }

func endOthers(ctx context.Context, tx *store.DB, userID int64, keep string) (int, error) {
	list, err := tx.ListUserSessions(ctx, userID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sess := range list {
		if sess.ID != keep {
			if err := tx.DeleteSession(ctx, sess.ID); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// BeginTOTP generates a new second factor for the user to scan (not stored yet: the web
// layer keeps Secret in the session until ConfirmTOTP).
func (s *Service) BeginTOTP(u *store.User) (auth.Enrolment, error) {
	return auth.NewEnrolment(u.Username)
}

// ConfirmTOTP enrols (or replaces) the user's own second factor once code proves the
// authenticator holds secret, and returns fresh recovery codes (shown once; the old ones
// stop working). Replacing an existing factor needs currentCode, a code of the old one
// (or one of the old recovery codes), so a stolen session cannot swap it. Both codes are
// used up (auth.ErrCodeReused for one already accepted); the new code is checked first so
// that a mistyped one does not waste the current one.
func (s *Service) ConfirmTOTP(ctx context.Context, u *store.User, secret, code, currentCode string, m audit.Meta) ([]string, error) {
	step, ok := auth.MatchStep(secret, code, s.codeNow())
	if !ok {
		return nil, auth.ErrInvalidCode
	}
	if u.TOTPSecret != "" {
		if err := s.useCurrentFactor(ctx, u, currentCode); err != nil {
			return nil, err
		}
	}
	sealed, err := s.TOTPSecrets.Seal(secret)
	if err != nil {
		return nil, err
	}
	codes, hashes, err := auth.NewRecoveryCodes()
	if err != nil {
		return nil, err
	}
	change := "second factor enrolled"
	if u.TOTPSecret != "" {
		change = "second factor replaced"
	}
	err = s.DB.InTx(ctx, func(tx *store.DB) error {
		if err := tx.SetUserTOTP(ctx, u.ID, sealed); err != nil {
			return err
		}
		// The new secret starts with the confirming code's step used.
		if _, err := tx.ClaimTOTPStep(ctx, u.ID, step); err != nil {
			return err
		}
		if err := tx.ReplaceRecoveryCodes(ctx, u.ID, hashes); err != nil {
			return err
		}
		return record(ctx, tx, m, audit.UserUpdate, u, map[string]any{"change": change, "recovery_codes_issued": len(codes)})
	})
	if err != nil {
		return nil, err
	}
	u.TOTPSecret = sealed
	return codes, nil
}

// useCurrentFactor uses up a code of the enrolled factor (shared with sign-in and step-up:
// auth.ErrCodeReused for one already accepted) or a recovery code; auth.ErrInvalidCode
// when it is neither.
func (s *Service) useCurrentFactor(ctx context.Context, u *store.User, code string) error {
	if auth.LooksLikeRecoveryCode(code) {
		ok, err := s.DB.UseRecoveryCode(ctx, u.ID, auth.HashRecoveryCode(code), s.now())
		if err == nil && !ok {
			return auth.ErrInvalidCode
		}
		return err
	}
	secret, err := s.TOTPSecrets.Open(u.TOTPSecret)
	if err != nil || secret == "" {
		return auth.ErrInvalidCode
	}
	return auth.UseCode(ctx, s.DB, u.ID, secret, code, s.codeNow())
}

// RegenerateRecoveryCodes replaces the user's recovery codes after a code of their second
// factor proves it is them.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, u *store.User, code string, m audit.Meta) ([]string, error) {
	if u.TOTPSecret == "" {
		return nil, ErrNoSecondFactor
	}
	if err := s.useCurrentFactor(ctx, u, code); err != nil {
		return nil, err
	}
	codes, hashes, err := auth.NewRecoveryCodes()
	if err != nil {
		return nil, err
	}
	err = s.DB.InTx(ctx, func(tx *store.DB) error {
		if err := tx.ReplaceRecoveryCodes(ctx, u.ID, hashes); err != nil {
			return err
		}
		return record(ctx, tx, m, audit.UserUpdate, u, map[string]any{"change": "recovery codes regenerated", "recovery_codes_issued": len(codes)})
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// RecoveryCodesLeft says how many unused recovery codes the user has.
func (s *Service) RecoveryCodesLeft(ctx context.Context, userID int64) (int64, error) {
	return s.DB.CountRecoveryCodes(ctx, userID)
}

// CreateOwnToken issues a personal API token for the acting user (shown once; only its
// hash is stored); expires nil = no expiry.
func (s *Service) CreateOwnToken(ctx context.Context, u *store.User, name string, expires *time.Time, m audit.Meta) (string, error) {
	if len(strings.TrimSpace(name)) > 100 {
		return "", &ValidationError{Fields: map[string]string{"name": "must be at most 100 characters"}}
	}
	if expires != nil && !expires.After(s.now()) {
		return "", &ValidationError{Fields: map[string]string{"expires": "must be in the future"}}
	}
	return s.CreateToken(ctx, u.Username, name, expires, m)
}

// Tokens lists the user's API tokens (hashes are never shown; Prefix identifies them).
func (s *Service) Tokens(ctx context.Context, userID int64) ([]store.APIToken, error) {
	return s.DB.ListAPITokens(ctx, userID)
}

// RevokeToken revokes one of the user's tokens (user.update); ErrNotFound when the user
// has no such token.
func (s *Service) RevokeToken(ctx context.Context, u *store.User, tokenID int64, m audit.Meta) error {
	return notFound(s.DB.InTx(ctx, func(tx *store.DB) error {
		if err := tx.RevokeAPIToken(ctx, u.ID, tokenID, s.now()); err != nil {
			return err
		}
		return record(ctx, tx, m, audit.UserUpdate, u, map[string]any{"change": "API token revoked", "revoked_id": tokenID})
	}))
}
