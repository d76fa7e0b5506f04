// Package users manages portal accounts: creation with roles and scopes, second-factor
// resets, disabling, API tokens and the demo users. Every change commits with its audit
// events in one transaction. The CLI uses it today and the admin pages will.
package users

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/secretbox"
	"github.com/purser-finance/purser/internal/store"
)

// MinPasswordLength is the shortest password accepted (NIST SP 800-63B asks for at least
// 8; finance tools deserve a little more).
const MinPasswordLength = 10

// ValidationError lists what is wrong with an input, per field.
type ValidationError struct{ Fields map[string]string }

func (e *ValidationError) Error() string {
	var parts []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range e.Fields {
			if !yield(k) {
				return
			}
		}
	}) {
		parts = append(parts, k+": "+e.Fields[k])
	}
	return strings.Join(parts, "; ")
}

// ErrExists is returned when the user name is taken.
var ErrExists = errors.New("users: user name already exists")

// Service manages users.
type Service struct {
	DB          *store.DB
	Passwords   *auth.Passwords
	TOTPSecrets *secretbox.Box
	Now         func() time.Time
	// CodeNow is the clock TOTP codes are matched against; nil: Now (auth.Service.CodeNow).
	CodeNow func() time.Time
}

// NewUser is the input of Create.
type NewUser struct {
	Username    string
	DisplayName string
	Email       string // optional; NormalizeEmail's rules
	Password    string
	Roles       []string
	Scopes      []string
	TOTPSecret  string // base32, optional: enrolled at once
}

func validate(n NewUser) error {
	f := map[string]string{}
	if u := strings.TrimSpace(n.Username); u == "" || len(u) > 64 || strings.ContainsAny(u, " \t\r\n/\\") {
		f["username"] = "must be 1–64 characters without spaces or slashes"
	}
	if utf8.RuneCountInString(n.Password) < MinPasswordLength {
		f["password"] = fmt.Sprintf("must be at least %d characters", MinPasswordLength)
	} else if len(n.Password) > 1024 {
		f["password"] = "must be at most 1024 bytes"
	}
	if len(n.Roles) == 0 {
		f["role"] = "at least one role is required (" + roleList() + ")"
	}
	for _, r := range n.Roles {
		if !authz.Role(r).Valid() {
			f["role"] = fmt.Sprintf("%q is not a role (%s)", r, roleList())
		}
	}
	if _, err := NormalizeEmail(n.Email); err != nil {
		f["email"] = err.(*ValidationError).Fields["email"]
	}
	if n.TOTPSecret != "" && !validSecret(n.TOTPSecret) {
		f["totp_secret"] = "must be base32 (A–Z, 2–7), at least 16 characters"
	}
	if len(f) > 0 {
		return &ValidationError{Fields: f}
	}
	return nil
}

func roleList() string {
	var s []string
	for _, r := range authz.Roles {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}

func validSecret(s string) bool {
	s = strings.TrimRight(s, "=")
	if len(s) < 16 {
		return false
	}
	for _, c := range s {
		if (c < 'A' || c > 'Z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// Create adds a user with roles, scopes and optionally an enrolled second factor, and
// audits user.create and one role.grant per role.
func (s *Service) Create(ctx context.Context, n NewUser, m audit.Meta) (*store.User, error) {
	n.TOTPSecret = strings.ToUpper(strings.ReplaceAll(n.TOTPSecret, " ", ""))
	if err := validate(n); err != nil {
		return nil, err
	}
	n.Email, _ = NormalizeEmail(n.Email) // validated above
	hash, err := s.Passwords.Hash(ctx, n.Password)
	if err != nil {
		return nil, err
	}
	sealed, err := s.TOTPSecrets.Seal(n.TOTPSecret)
	if err != nil {
		return nil, err
	}
	u := &store.User{
		Username: strings.TrimSpace(n.Username), DisplayName: strings.TrimSpace(n.DisplayName), Email: n.Email,
		PasswordHash: hash, TOTPSecret: sealed, Roles: n.Roles, Scopes: n.Scopes,
	}
	err = s.DB.InTx(ctx, func(tx *store.DB) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		id := fmt.Sprint(u.ID)
		if err := audit.Record(ctx, tx, m, audit.Entry{
			Action: audit.UserCreate, TargetType: "user", TargetID: id, Outcome: audit.Success,
			Details: map[string]any{"username": u.Username, "display_name": u.DisplayName, "email": u.Email, "scopes": u.Scopes,
				"second_factor": n.TOTPSecret != ""},
		}); err != nil {
			return err
		}
		for _, r := range u.Roles {
			if err := audit.Record(ctx, tx, m, audit.Entry{
				Action: audit.RoleGrant, TargetType: "user", TargetID: id, Outcome: audit.Success,
				Details: map[string]any{"username": u.Username, "role": r},
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, ErrExists
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ResetTOTP removes a user's second factor and ends their sessions: they enrol again at
// their next sign-in (required for approvers and admins).
func (s *Service) ResetTOTP(ctx context.Context, username string, m audit.Meta) error {
	return s.DB.InTx(ctx, func(tx *store.DB) error {
		u, err := tx.UserByUsername(ctx, username)
		if err != nil {
			return err
		}
		if err := tx.SetUserTOTP(ctx, u.ID, ""); err != nil {
			return err
		}
		ended, err := tx.DeleteUserSessions(ctx, u.ID)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, m, audit.Entry{
			Action: audit.UserUpdate, TargetType: "user", TargetID: fmt.Sprint(u.ID), Outcome: audit.Success,
			Details: map[string]any{"username": u.Username, "change": "second factor reset", "sessions_ended": ended},
		})
	})
}

// SetDisabled disables (ending every session at once) or re-enables a user.
func (s *Service) SetDisabled(ctx context.Context, username string, disabled bool, m audit.Meta) error {
	return s.DB.InTx(ctx, func(tx *store.DB) error {
		u, err := tx.UserByUsername(ctx, username)
		if err != nil {
			return err
		}
		if err := tx.SetUserDisabled(ctx, u.ID, disabled); err != nil {
			return err
		}
		action, details := audit.UserUpdate, map[string]any{"username": u.Username, "change": "enabled"}
		if disabled {
			ended, err := tx.DeleteUserSessions(ctx, u.ID)
			if err != nil {
				return err
			}
			action, details = audit.UserDisable, map[string]any{"username": u.Username, "sessions_ended": ended}
		}
		return audit.Record(ctx, tx, m, audit.Entry{
			Action: action, TargetType: "user", TargetID: fmt.Sprint(u.ID), Outcome: audit.Success, Details: details,
		})
	})
}

// CreateToken issues a personal API token for a user and returns it; only its hash is
// kept, so this is the one time it can be shown.
func (s *Service) CreateToken(ctx context.Context, username, name string, expires *time.Time, m audit.Meta) (string, error) {
	if name = strings.TrimSpace(name); name == "" {
		name = "cli"
	}
	raw, hash, prefix, err := auth.NewAPIToken()
	if err != nil {
		return "", err
	}
	err = s.DB.InTx(ctx, func(tx *store.DB) error {
		u, err := tx.UserByUsername(ctx, username)
		if err != nil {
			return err
		}
		if u.Disabled {
			return &ValidationError{Fields: map[string]string{"username": "user is disabled"}}
		}
		t := &store.APIToken{UserID: u.ID, Name: name, TokenHash: hash, Prefix: prefix, ExpiresAt: expires}
		if err := tx.CreateAPIToken(ctx, t); err != nil {
			return err
		}
		return audit.Record(ctx, tx, m, audit.Entry{
			Action: audit.UserUpdate, TargetType: "user", TargetID: fmt.Sprint(u.ID), Outcome: audit.Success,
			Details: map[string]any{"username": u.Username, "change": "API token created", "name": name, "prefix": prefix},
		})
	})
	if err != nil {
		return "", err
	}
	return raw, nil
}

// DemoUser is one of the users demo mode creates.
type DemoUser struct {
	Username, DisplayName string
	Roles                 []string
}

// DemoUsers are the users of CONTRACTS.md's demo mode: roles as their names, and admin
// also approves.
var DemoUsers = []DemoUser{
	{"admin", "Ada Admin / 管理员", []string{"admin", "approver"}},
	{"finance", "Fiona Finance / 财务", []string{"finance"}},
	{"approver", "Arthur Approver / 审批人", []string{"approver"}},
	{"approver2", "Bea Approver / 审批人二", []string{"approver"}},
	{"auditor", "Otto Auditor / 审计员", []string{"auditor"}},
	{"viewer", "Vera Viewer / 只读用户", []string{"viewer"}},
}

// SeedDemo creates the demo users when the database has no user at all; it reports
// whether it did. Called only in sandbox mode.
func (s *Service) SeedDemo(ctx context.Context, password, totpSecret string) (bool, error) {
	n, err := s.DB.CountUsers(ctx)
	if err != nil || n > 0 {
		return false, err
	}
	for _, d := range DemoUsers {
		_, err := s.Create(ctx, NewUser{
			Username: d.Username, DisplayName: d.DisplayName, Password: password, Roles: d.Roles, TOTPSecret: totpSecret,
		}, audit.System("demo mode"))
		if errors.Is(err, ErrExists) {
			continue // another replica seeded at the same time
		}
		if err != nil {
			return false, fmt.Errorf("demo user %s: %w", d.Username, err)
		}
	}
	return true, nil
}
