package web

import (
	"log/slog"
	"time"

	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/secretbox"
	"github.com/purser-finance/purser/internal/store"
)

// NewStepUp returns the second-factor checker that the approval service asks for a fresh
// TOTP code (approval.StepUpVerifier): the same secrets, throttle and lockout as sign-in,
// so that step-up failures count toward the same lockout. now nil: time.Now.
func NewStepUp(cfg config.Config, db *store.DB, log *slog.Logger, now func() time.Time) (*auth.Service, error) {
	box, err := secretbox.New(cfg.SecretKey, "totp")
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &auth.Service{
		DB: db, Passwords: PasswordHasher(), TOTPSecrets: box, Log: log, Now: now,
		MaxFailures: cfg.LoginMaxFailures, Window: cfg.LoginLockout, Lockout: cfg.LoginLockout,
	}, nil
}
