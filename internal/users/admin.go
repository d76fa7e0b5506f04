package users

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/store"
)

// Errors of the administration use cases; MessageID translates them.
var (
	ErrNotFound          = errors.New("users: no such user")
	ErrLastAdmin         = errors.New("users: the last enabled admin cannot lose the role or be disabled")
	ErrSelf              = errors.New("users: admins cannot disable themselves")
	ErrInvitationInvalid = errors.New("users: the invitation link is invalid, used or expired")
	ErrWrongPassword     = errors.New("users: the current password is wrong")
	ErrNoSecondFactor    = errors.New("users: no second factor is enrolled")
)

// MessageID returns the i18n message id for an error of the user use cases ("" when err
// is none of them).
func MessageID(err error) string {
	var ve *ValidationError
	switch {
	case errors.Is(err, ErrPasswordTooShort):
		return "users.err.password_short"
	case errors.Is(err, ErrPasswordTooLong):
		return "users.err.password_long"
	case errors.Is(err, ErrPasswordCommon):
		return "users.err.password_common"
	case errors.Is(err, ErrPasswordPersonal):
		return "users.err.password_personal"
	case errors.As(err, &ve):
		return "users.err.invalid"
	case errors.Is(err, ErrExists):
		return "users.err.exists"
	case errors.Is(err, ErrNotFound):
		return "users.err.not_found"
	case errors.Is(err, ErrLastAdmin):
		return "users.err.last_admin"
	case errors.Is(err, ErrSelf):
		return "users.err.self"
	case errors.Is(err, ErrInvitationInvalid):
		return "users.err.invitation"
	case errors.Is(err, ErrWrongPassword):
		return "users.err.wrong_password"
	case errors.Is(err, ErrNoSecondFactor):
		return "users.err.no_second_factor"
	case errors.Is(err, auth.ErrCodeReused):
		return "identity.code_reused"
	case errors.Is(err, auth.ErrInvalidCode):
		return "users.err.code"
	case errors.Is(err, auth.ErrLockedOut):
		return "users.err.locked"
	case errors.Is(err, auth.ErrStepUpRequired):
		return "admin.err.step_up"
	}
	return ""
}

// InvitationTTL is how long an invitation link works unless the admin says otherwise.
const InvitationTTL = 72 * time.Hour

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) codeNow() time.Time {
	if s.CodeNow != nil {
		return s.CodeNow()
	}
	return s.now()
}

func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

// admin runs fn on the user id in a transaction after checking the step-up proof.
func (s *Service) admin(ctx context.Context, id int64, m audit.Meta, up auth.StepUp, fn func(tx *store.DB, u *store.User) error) error {
	if err := up.Require(m); err != nil {
		return err
	}
	return notFound(s.DB.InTx(ctx, func(tx *store.DB) error {
		u, err := tx.UserByID(ctx, id)
		if err != nil {
			return err
		}
		return fn(tx, u)
	}))
}

func record(ctx context.Context, tx *store.DB, m audit.Meta, action string, u *store.User, d map[string]any) error {
	if d == nil {
		d = map[string]any{}
	}
	d["username"] = u.Username
	return audit.Record(ctx, tx, m, audit.Entry{Action: action, TargetType: "user", TargetID: fmt.Sprint(u.ID),
		Outcome: audit.Success, Details: d})
}

// List returns every user with roles and scopes.
func (s *Service) List(ctx context.Context) ([]store.User, error) { return s.DB.ListUsers(ctx) }

// Get returns one user.
func (s *Service) Get(ctx context.Context, id int64) (*store.User, error) {
	u, err := s.DB.UserByID(ctx, id)
	return u, notFound(err)
}

// UpdateDisplayName changes a user's display name (user.update with before/after).
func (s *Service) UpdateDisplayName(ctx context.Context, id int64, name string, m audit.Meta, up auth.StepUp) error {
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > 200 {
		return &ValidationError{Fields: map[string]string{"display_name": "must be at most 200 characters"}}
	}
	return s.admin(ctx, id, m, up, func(tx *store.DB, u *store.User) error {
		if u.DisplayName == name {
			return nil
		}
		if err := tx.SetUserDisplayName(ctx, id, name); err != nil {
			return err
		}
		return record(ctx, tx, m, audit.UserUpdate, u, map[string]any{"change": "display name",
			"before": map[string]any{"display_name": u.DisplayName}, "after": map[string]any{"display_name": name}})
	})
}

// countEnabledAdmins counts enabled users holding the admin role.
func countEnabledAdmins(ctx context.Context, tx *store.DB) (int, error) {
	all, err := tx.ListUsers(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range all {
		if !u.Disabled && slices.Contains(u.Roles, string(authz.Admin)) {
			n++
		}
	}
	return n, nil
}

// SetRoles replaces a user's roles, recording one role.grant or role.revoke per change.
// The last enabled admin keeps the admin role. A user whose new roles need a second factor
// they lack must enrol at their next sign-in (auth decides that per request).
func (s *Service) SetRoles(ctx context.Context, id int64, roles []string, m audit.Meta, up auth.StepUp) error {
	if len(roles) == 0 {
		return &ValidationError{Fields: map[string]string{"role": "at least one role is required (" + roleList() + ")"}}
	}
	for _, r := range roles {
		if !authz.Role(r).Valid() {
			return &ValidationError{Fields: map[string]string{"role": fmt.Sprintf("%q is not a role (%s)", r, roleList())}}
		}
	}
	return s.admin(ctx, id, m, up, func(tx *store.DB, u *store.User) error {
		var grant, revoke []string
		for _, r := range roles {
			if !slices.Contains(u.Roles, r) && !slices.Contains(grant, r) {
				grant = append(grant, r)
			}
		}
		for _, r := range u.Roles {
			if !slices.Contains(roles, r) {
				revoke = append(revoke, r)
			}
		}
		if len(grant)+len(revoke) == 0 {
			return nil
		}
		if slices.Contains(revoke, string(authz.Admin)) && !u.Disabled {
			n, err := countEnabledAdmins(ctx, tx)
			if err != nil {
				return err
			}
			if n <= 1 {
				return ErrLastAdmin
			}
		}
		if err := tx.SetUserRoles(ctx, id, roles); err != nil {
			return err
		}
		for _, r := range grant {
			if err := record(ctx, tx, m, audit.RoleGrant, u, map[string]any{"role": r}); err != nil {
				return err
			}
		}
		for _, r := range revoke {
			if err := record(ctx, tx, m, audit.RoleRevoke, u, map[string]any{"role": r}); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetScopes replaces a user's organisation scopes (user.update with before/after); none
// means the whole enterprise.
func (s *Service) SetScopes(ctx context.Context, id int64, scopes []string, m audit.Meta, up auth.StepUp) error {
	clean := make([]string, 0, len(scopes))
	for _, sc := range scopes {
		if sc = strings.TrimSpace(sc); sc != "" {
			if len(sc) > 128 {
				return &ValidationError{Fields: map[string]string{"scope": "organisation ids are at most 128 characters"}}
			}
			clean = append(clean, sc)
		}
	}
	slices.Sort(clean)
	clean = slices.Compact(clean)
	return s.admin(ctx, id, m, up, func(tx *store.DB, u *store.User) error {
		if slices.Equal(u.Scopes, clean) {
			return nil
		}
		if err := tx.SetUserScopes(ctx, id, clean); err != nil {
			return err
		}
		return record(ctx, tx, m, audit.UserUpdate, u, map[string]any{"change": "scopes",
			"before": map[string]any{"scopes": u.Scopes}, "after": map[string]any{"scopes": clean}})
	})
}

// SetDisabledByID disables (ending every session) or enables a user. Admins cannot
// disable themselves, nor the last enabled admin.
func (s *Service) SetDisabledByID(ctx context.Context, id int64, disabled bool, m audit.Meta, up auth.StepUp) error {
	if disabled && m.ActorID != nil && *m.ActorID == id {
		return ErrSelf
	}
	return s.admin(ctx, id, m, up, func(tx *store.DB, u *store.User) error {
		if disabled && !u.Disabled && slices.Contains(u.Roles, string(authz.Admin)) {
			n, err := countEnabledAdmins(ctx, tx)
			if err != nil {
				return err
			}
			if n <= 1 {
				return ErrLastAdmin
			}
		}
		txs := *s
		txs.DB = tx
		return txs.SetDisabled(ctx, u.Username, disabled, m)
	})
}

// AdminResetTOTP removes a user's second factor and recovery codes and ends their
// sessions; they enrol again at their next sign-in.
func (s *Service) AdminResetTOTP(ctx context.Context, id int64, m audit.Meta, up auth.StepUp) error {
	return s.admin(ctx, id, m, up, func(tx *store.DB, u *store.User) error {
		if err := tx.ReplaceRecoveryCodes(ctx, id, nil); err != nil {
			return err
		}
		txs := *s
		txs.DB = tx
		return txs.ResetTOTP(ctx, u.Username, m) // joins the transaction
	})
}

// SetPassword lets an admin set a user's password (checked against the policy); every
// session of the user ends.
func (s *Service) SetPassword(ctx context.Context, id int64, password string, m audit.Meta, up auth.StepUp) error {
	if err := up.Require(m); err != nil {
		return err
	}
	u, err := s.DB.UserByID(ctx, id)
	if err != nil {
		return notFound(err)
	}
	if err := CheckPassword(password, u.Username); err != nil {
		return err
	}
	hash, err := s.Passwords.Hash(ctx, password)
	if err != nil {
		return err
	}
	return s.admin(ctx, id, m, up, func(tx *store.DB, u *store.User) error {
		if err := tx.SetUserPassword(ctx, id, hash); err != nil {
			return err
		}
		ended, err := tx.DeleteUserSessions(ctx, id)
		if err != nil {
			return err
		}
		return record(ctx, tx, m, audit.UserUpdate, u, map[string]any{"change": "password set by an admin", "sessions_ended": ended})
	})
}

// Invitation is a fresh one-time link token (shown once) and when it expires.
type Invitation struct {
	Token     string
	ExpiresAt time.Time
}

func newInvitationToken() (raw, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	raw = base64.RawURLEncoding.EncodeToString(b)
	return raw, hashInvitation(raw), nil
}

func hashInvitation(raw string) string {
	sum := sha256.Sum256([]byte("purser-invitation:" + strings.TrimSpace(raw)))
	return hex.EncodeToString(sum[:])
}

// Invite issues a one-time link with which the user sets their own password (reset by
// invitation); an earlier unused link of the user stops working. ttl ≤ 0 means
// InvitationTTL. The web layer builds the URL around Token.
func (s *Service) Invite(ctx context.Context, id int64, ttl time.Duration, m audit.Meta, up auth.StepUp) (Invitation, error) {
	if ttl <= 0 {
		ttl = InvitationTTL
	}
	raw, hash, err := newInvitationToken()
	if err != nil {
		return Invitation{}, err
	}
	exp := s.now().Add(ttl).UTC().Truncate(time.Second)
	err = s.admin(ctx, id, m, up, func(tx *store.DB, u *store.User) error {
		if err := tx.CreateInvitation(ctx, &store.Invitation{UserID: id, TokenHash: hash, ExpiresAt: exp}); err != nil {
			return err
		}
		return record(ctx, tx, m, audit.UserUpdate, u, map[string]any{"change": "invitation issued", "expires_at": exp})
	})
	if err != nil {
		return Invitation{}, err
	}
	return Invitation{Token: raw, ExpiresAt: exp}, nil
}

// CreateInvited creates a user without a password (n.Password is ignored) and issues an
// invitation link for them to set one.
func (s *Service) CreateInvited(ctx context.Context, n NewUser, ttl time.Duration, m audit.Meta, up auth.StepUp) (*store.User, Invitation, error) {
	if err := up.Require(m); err != nil {
		return nil, Invitation{}, err
	}
	var (
		u   *store.User
		inv Invitation
	)
	err := s.DB.InTx(ctx, func(tx *store.DB) error {
		txs := *s
		txs.DB = tx
		n.Password = strings.Repeat("x", MinPasswordLength) // passes validate; replaced below
		var err error
		if u, err = txs.Create(ctx, n, m); err != nil {
			return err
		}
		if err := tx.SetUserPassword(ctx, u.ID, ""); err != nil { // no password until the invitation is accepted
			return err
		}
		inv, err = txs.Invite(ctx, u.ID, ttl, m, up)
		return err
	})
	if err != nil {
		return nil, Invitation{}, err
	}
	u.PasswordHash = ""
	return u, inv, nil
}

// Create with a checked password: CreateChecked applies the password policy before
// Create (the CLI's Create keeps its own rules).
func (s *Service) CreateChecked(ctx context.Context, n NewUser, m audit.Meta, up auth.StepUp) (*store.User, error) {
	if err := up.Require(m); err != nil {
		return nil, err
	}
	if err := CheckPassword(n.Password, n.Username); err != nil {
		return nil, err
	}
	return s.Create(ctx, n, m)
}

// AcceptInvitation sets the password of the invited user (checked against the policy
// first, so a refused password does not use up the link) and uses up the link. It returns
// the user, who then signs in normally.
func (s *Service) AcceptInvitation(ctx context.Context, token, password string, m audit.Meta) (*store.User, error) {
	var u *store.User
	hash, err := s.Passwords.Hash(ctx, password)
	if err != nil {
		return nil, err
	}
	err = s.DB.InTx(ctx, func(tx *store.DB) error {
		inv, err := tx.UseInvitation(ctx, hashInvitation(token), s.now())
		if errors.Is(err, store.ErrNotFound) {
			return ErrInvitationInvalid
		}
		if err != nil {
			return err
		}
		if u, err = tx.UserByID(ctx, inv.UserID); err != nil {
			return err
		}
		if u.Disabled {
			return ErrInvitationInvalid
		}
		if err := CheckPassword(password, u.Username); err != nil {
			return err // rolls back: the link still works
		}
		if err := tx.SetUserPassword(ctx, u.ID, hash); err != nil {
			return err
		}
		return record(ctx, tx, m.WithActor(u.ID, u.Username), audit.UserUpdate, u, map[string]any{"change": "invitation accepted, password set"})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Sessions lists a user's sessions, most recent first (the session ids are hashes of the
// cookies, safe to show and to pass back to EndSession).
func (s *Service) Sessions(ctx context.Context, userID int64) ([]store.Session, error) {
	return s.DB.ListUserSessions(ctx, userID)
}

// EndSession ends one session of a user (their own, or any user's for an admin: the web
// layer authorises); audited as user.update.
func (s *Service) EndSession(ctx context.Context, userID int64, sessionID string, m audit.Meta) error {
	return notFound(s.DB.InTx(ctx, func(tx *store.DB) error {
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		sess, err := tx.SessionByID(ctx, sessionID)
		if err != nil || sess.UserID == nil || *sess.UserID != userID {
			return fmt.Errorf("session: %w", store.ErrNotFound)
		}
		if err := tx.DeleteSession(ctx, sessionID); err != nil {
			return err
		}
		return record(ctx, tx, m, audit.UserUpdate, u, map[string]any{"change": "session ended", "session_started": sess.CreatedAt})
	}))
}

// EndSessions ends every session of a user except keep ("" = all), e.g. "sign out
// everywhere else"; it returns how many ended.
func (s *Service) EndSessions(ctx context.Context, userID int64, keep string, m audit.Meta) (int, error) {
	n := 0
	err := notFound(s.DB.InTx(ctx, func(tx *store.DB) error {
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		list, err := tx.ListUserSessions(ctx, userID)
		if err != nil {
			return err
		}
		for _, sess := range list {
			if sess.ID == keep {
				continue
			}
			if err := tx.DeleteSession(ctx, sess.ID); err != nil {
				return err
			}
			n++
		}
		return record(ctx, tx, m, audit.UserUpdate, u, map[string]any{"change": "sessions ended", "sessions_ended": n})
	}))
	return n, err
}
