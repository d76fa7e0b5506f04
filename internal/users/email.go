package users

import (
	"context"
	"net/mail"
	"strings"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/store"
)

// MaxEmailLength is the longest address accepted (RFC 5321's path limit less the
// angle brackets).
const MaxEmailLength = 254

// NormalizeEmail checks an e-mail address and returns the form it is stored in: trimmed,
// "" for none. It must be one bare address ("ada@example.com"): no display name, no list,
// no angle brackets, at most MaxEmailLength characters. The domain is lower-cased (it is
// case-insensitive; the local part may not be, so it is kept as typed).
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	bad := &ValidationError{Fields: map[string]string{"email": "must be one e-mail address such as ada@example.com, at most 254 characters"}}
	if len(s) > MaxEmailLength || strings.ContainsAny(s, "<>,;\r\n\t ") {
		return "", bad
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", bad
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", bad
	}
	return s[:at] + "@" + strings.ToLower(s[at+1:]), nil
}

// setEmail stores a normalised address and audits user.update with before and after
// (the address is personal data, not a secret: the audit trail shows it to its readers).
func setEmail(ctx context.Context, tx *store.DB, m audit.Meta, u *store.User, email string) error {
	if u.Email == email {
		return nil
	}
	if err := tx.SetUserEmail(ctx, u.ID, email); err != nil {
		return err
	}
	return record(ctx, tx, m, audit.UserUpdate, u, map[string]any{"change": "e-mail address",
		"before": map[string]any{"email": u.Email}, "after": map[string]any{"email": email}})
}

// SetEmail lets an admin change a user's e-mail address ("" removes it).
func (s *Service) SetEmail(ctx context.Context, id int64, email string, m audit.Meta, up auth.StepUp) error {
	email, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	return s.admin(ctx, id, m, up, func(tx *store.DB, u *store.User) error {
		return setEmail(ctx, tx, m, u, email)
	})
}

// ChangeOwnEmail changes the signed-in user's own address. It needs a step-up when the
// user has a second factor: the address receives notifications of money movements, so a
// borrowed or stolen session must not be able to divert them silently. A user without a
// second factor (roles that need none) has nothing more to prove than the session; the
// change is audited either way.
func (s *Service) ChangeOwnEmail(ctx context.Context, u *store.User, email string, m audit.Meta, up auth.StepUp) error {
	email, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	if u.TOTPSecret != "" {
		if err := up.Require(m); err != nil {
			return err
		}
	}
	return notFound(s.DB.InTx(ctx, func(tx *store.DB) error {
		cur, err := tx.UserByID(ctx, u.ID)
		if err != nil {
			return err
		}
		return setEmail(ctx, tx, m, cur, email)
	}))
}
