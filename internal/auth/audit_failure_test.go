package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// Refused sign-in steps are audited; when the event cannot be written the call fails with
// the write's error, never with the plain refusal as if it had been recorded.
func TestRefusalsFailWithoutAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clk := &clock{t: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)}
		s, u := enrolled(t, db, clk)
		ctx := context.Background()
		m := audit.Meta{IP: "192.0.2.1"}
		// Lock the user name and the address out first, while the audit log works.
		for range s.MaxFailures {
			_, _ = s.CheckPassword(ctx, "nobody", "wrong", m)
		}
		for range s.MaxFailures {
			_ = s.CheckCode(ctx, u, "000000", m)
		}
		storetest.BreakAudit(t, db)
		refused := map[error]bool{ErrInvalidCredentials: true, ErrLockedOut: true, ErrInvalidCode: true}
		for name, call := range map[string]func() error{
			"locked sign-in": func() error { _, err := s.CheckPassword(ctx, "nobody", "wrong", m); return err },
			"locked code":    func() error { return s.CheckCode(ctx, u, "000000", m) },
			"enrolment code": func() error { return s.Enrol(ctx, u, testSecret, "000000", m) },
			"step-up code": func() error {
				v := &store.User{ID: u.ID + 1000, Username: "nobody-else"}
				return s.VerifyStepUp(ctx, v, "000000", m)
			},
		} {
			err := call()
			for r := range refused {
				if err == nil || errors.Is(err, r) {
					t.Errorf("%s with the audit log down: %v, want the audit write's error", name, err)
					break
				}
			}
		}
	})
}
