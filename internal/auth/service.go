package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/secretbox"
	"github.com/purser-finance/purser/internal/store"
)

// Errors of the sign-in flow. Their messages are for logs; the web layer shows one
// translated sentence for ErrInvalidCredentials whatever the cause, so that nobody can
// learn whether a user name exists.
var (
	ErrInvalidCredentials = errors.New("auth: invalid user name or password")
	ErrLockedOut          = errors.New("auth: too many failed attempts, temporarily locked")
	ErrInvalidCode        = errors.New("auth: invalid second-factor code")
	ErrSecondFactorNeeded = errors.New("auth: this role requires a second factor")
)

// SecondFactorRequired reports whether a user's roles oblige a second factor: approvers
// and admins move or govern money.
func SecondFactorRequired(roles []string) bool {
	return slices.Contains(roles, string(authz.Approver)) || slices.Contains(roles, string(authz.Admin))
}

// Service checks credentials, throttles guesses and records every outcome in the audit
// trail.
type Service struct {
	DB          *store.DB
	Passwords   *Passwords
	TOTPSecrets *secretbox.Box
	Log         *slog.Logger
	Now         func() time.Time
	// CodeNow is the clock TOTP codes are matched against; nil: Now. Only the in-process
	// test harness sets it (wiring.Options.CodeNow), to move to the next 30-second step
	// instead of waiting for it; a code is still accepted once per step.
	CodeNow func() time.Time

	MaxFailures int           // per user name and per client address
	Window      time.Duration // failures older than this are forgotten
	Lockout     time.Duration
}

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

// throttleKeys names the counters one attempt touches: the user name as typed (whether or
// not it exists) and the client address, so neither one user nor one address can guess
// without limit.
func throttleKeys(username, ip string) []string {
	keys := []string{"user:" + strings.ToLower(strings.TrimSpace(username))}
	if ip != "" {
		keys = append(keys, "ip:"+ip)
	}
	return keys
}

// PasswordResult is what the first step of a sign-in found.
type PasswordResult struct {
	User *store.User
	// NeedsCode: the user has a second factor; sign-in continues with CheckCode.
	NeedsCode bool
	// NeedsEnrolment: the user's roles require a second factor they have not set up yet;
	// the session may do nothing but enrol.
	NeedsEnrolment bool
}

// CheckPassword is the first step of a sign-in. On success without a second factor it
// also completes the sign-in (audit auth.login).
func (s *Service) CheckPassword(ctx context.Context, username, password string, m audit.Meta) (PasswordResult, error) {
	now := s.now()
	keys := throttleKeys(username, m.IP)
	for _, k := range keys {
		t, err := s.DB.LoginThrottle(ctx, k)
		if err != nil {
			return PasswordResult{}, err
		}
		if t.LockedUntil != nil && now.Before(*t.LockedUntil) {
			if err := audited(s.recordFailure(ctx, nil, username, m, audit.AuthLoginFailed, "locked", nil)); err != nil {
				return PasswordResult{}, err
			}
			return PasswordResult{}, ErrLockedOut
		}
	}

	u, err := s.DB.UserByUsername(ctx, username)
	switch {
	case errors.Is(err, store.ErrNotFound):
		_, _ = s.Passwords.Verify(ctx, password, dummyHash) // same cost as a real check
		return PasswordResult{}, s.recordFailure(ctx, keys, username, m, audit.AuthLoginFailed, "unknown user", nil)
	case err != nil:
		return PasswordResult{}, err
	}
	ok, err := s.Passwords.Verify(ctx, password, u.PasswordHash)
	if err != nil && !errors.Is(err, ErrMalformedHash) {
		return PasswordResult{}, err
	}
	if !ok {
		return PasswordResult{}, s.recordFailure(ctx, keys, username, m, audit.AuthLoginFailed, "wrong password", &u.ID)
	}
	if u.Disabled {
		return PasswordResult{}, s.recordFailure(ctx, keys, username, m, audit.AuthLoginFailed, "user disabled", &u.ID)
	}
	// The password was right: this user name's counter starts over. The address counter
	// stays, so that one address cannot reset it by knowing one password.
	if err := s.DB.ClearLoginFailures(ctx, keys[0]); err != nil {
		return PasswordResult{}, err
	}
	res := PasswordResult{User: u, NeedsCode: u.TOTPSecret != ""}
	if !res.NeedsCode && SecondFactorRequired(u.Roles) {
		res.NeedsEnrolment = true
	}
	if !res.NeedsCode {
		if err := s.complete(ctx, u, m, "password"); err != nil {
			return PasswordResult{}, err
		}
	}
	return res, nil
}

// CheckCode is the second step: the TOTP code of a user whose password was right.
func (s *Service) CheckCode(ctx context.Context, u *store.User, code string, m audit.Meta) error {
	err := s.secondFactor(ctx, u, m, "wrong code", true, func(time.Time) error {
		return s.useCode(ctx, u, code, s.codeNow())
	})
	if err != nil {
		return err
	}
	return s.complete(ctx, u, m, "totp")
}

// VerifyStepUp checks a fresh code for an action that needs one (approvals, admin
// changes), with the same throttling, without signing in again. The code is used up like
// a sign-in's: ErrCodeReused for a code (or time step) already accepted, by any check.
func (s *Service) VerifyStepUp(ctx context.Context, u *store.User, code string, m audit.Meta) error {
	return s.secondFactor(ctx, u, m, "wrong step-up code", false, func(time.Time) error {
		return s.useCode(ctx, u, code, s.codeNow())
	})
}

// secondFactor runs one check of a user's second factor under the per-user throttle
// shared by TOTP codes, step-up codes and recovery codes: while locked it answers
// ErrLockedOut (recorded when auditLocked); a failed check is counted and audited as
// auth.totp_failed with reason, answering ErrInvalidCode or, when it locks, ErrLockedOut;
// a passed check clears the counter. check answers nil, ErrInvalidCode or ErrCodeReused
// (a failure like a wrong code, audited with reason code_reused and answered as such).
func (s *Service) secondFactor(ctx context.Context, u *store.User, m audit.Meta, reason string, auditLocked bool, check func(now time.Time) error) error {
	now := s.now()
	key := fmt.Sprintf("totp:%d", u.ID)
	t, err := s.DB.LoginThrottle(ctx, key)
	if err != nil {
		return err
	}
	if t.LockedUntil != nil && now.Before(*t.LockedUntil) {
		if auditLocked {
			if err := audited(s.recordFailure(ctx, nil, u.Username, m, audit.AuthTOTPFailed, "locked", &u.ID)); err != nil {
				return err
			}
		}
		return ErrLockedOut
	}
	result := check(now)
	if result != nil && !errors.Is(result, ErrInvalidCode) {
		return result
	}
	if result != nil {
		if errors.Is(result, ErrCodeReused) {
			reason = "code_reused"
		}
		switch err := s.recordFailure(ctx, []string{key}, u.Username, m, audit.AuthTOTPFailed, reason, &u.ID); {
		case errors.Is(err, ErrLockedOut):
			return ErrLockedOut
		case audited(err) != nil:
			return err
		}
		return result
	}
	return s.DB.ClearLoginFailures(ctx, key)
}

// useCode checks and uses up a code of u's stored second factor (UseCode).
func (s *Service) useCode(ctx context.Context, u *store.User, code string, now time.Time) error {
	secret, err := s.TOTPSecrets.Open(u.TOTPSecret)
	if err != nil || secret == "" {
		if err != nil {
			s.Log.Error("cannot open a stored TOTP secret", "user_id", u.ID, "error", err)
		}
		return ErrInvalidCode
	}
	return UseCode(ctx, s.DB, u.ID, secret, code, now)
}

// Enrol confirms a new second factor: code must match secret, then the sealed secret is
// stored and the change audited in one transaction.
func (s *Service) Enrol(ctx context.Context, u *store.User, secret, code string, m audit.Meta) error {
	step, ok := MatchStep(secret, code, s.codeNow())
	if !ok {
		if err := audited(s.recordFailure(ctx, nil, u.Username, m, audit.AuthTOTPFailed, "wrong enrolment code", &u.ID)); err != nil {
			return err
		}
		return ErrInvalidCode
	}
	sealed, err := s.TOTPSecrets.Seal(secret)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *store.DB) error {
		if err := tx.SetUserTOTP(ctx, u.ID, sealed); err != nil {
			return err
		}
		// The confirming code is used up like any other.
		if _, err := tx.ClaimTOTPStep(ctx, u.ID, step); err != nil {
			return err
		}
		u.TOTPSecret = sealed
		return audit.Record(ctx, tx, m, audit.Entry{
			Action: audit.UserUpdate, TargetType: "user", TargetID: fmt.Sprint(u.ID), Outcome: audit.Success,
			Details: map[string]any{"change": "second factor enrolled", "username": u.Username},
		})
	})
}

// complete records a successful sign-in.
func (s *Service) complete(ctx context.Context, u *store.User, m audit.Meta, factor string) error {
	m = m.WithActor(u.ID, u.Username)
	return s.DB.InTx(ctx, func(tx *store.DB) error {
		if err := tx.TouchLastLogin(ctx, u.ID, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, m, audit.Entry{
			Action: audit.AuthLogin, TargetType: "user", TargetID: fmt.Sprint(u.ID), Outcome: audit.Success,
			Details: map[string]any{"factor": factor},
		})
	})
}

// audited is the error of a recordFailure whose refusal the caller answers itself: nil
// once the failure is recorded (its answer is the refusal), else why it could not be.
func audited(err error) error {
	if errors.Is(err, ErrInvalidCredentials) || errors.Is(err, ErrLockedOut) {
		return nil
	}
	return err
}

// recordFailure counts a failure against keys and audits it. It returns ErrLockedOut when
// this failure locked one of the keys, ErrInvalidCredentials otherwise (or the database
// error). The user name typed is recorded as the target even when no such user exists:
// auditors need to see guessing.
func (s *Service) recordFailure(ctx context.Context, keys []string, username string, m audit.Meta, action, reason string, userID *int64) error {
	now := s.now()
	result := ErrInvalidCredentials
	for _, k := range keys {
		t, err := s.DB.RecordLoginFailure(ctx, k, now, s.Window, s.MaxFailures, s.Lockout)
		if err != nil {
			return err
		}
		if t.LockedUntil != nil && now.Before(*t.LockedUntil) {
			result = ErrLockedOut
		}
	}
	details := map[string]any{"username": username, "reason": reason}
	if errors.Is(result, ErrLockedOut) && reason != "locked" {
		details["locked_for"] = s.Lockout.String()
	}
	targetID := username
	if userID != nil {
		targetID = fmt.Sprint(*userID)
	}
	if err := audit.Record(ctx, s.DB, m, audit.Entry{
		Action: action, TargetType: "user", TargetID: targetID, Outcome: audit.Failure, Details: details,
	}); err != nil {
		return err
	}
	return result
}

// CompleteAfterEnrolment finishes a sign-in whose second factor was set up (and proven
// with a code) during it.
func (s *Service) CompleteAfterEnrolment(ctx context.Context, u *store.User, m audit.Meta) error {
	return s.complete(ctx, u, m, "totp enrolment")
}
