package users

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// TestProfileCodesWorkOnce: the profile's uses of a second-factor code (confirming a new
// factor, proving the current one to replace it or for new recovery codes) share the
// single use of sign-in and step-up.
func TestProfileCodesWorkOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := service(t, db)
		clock := time.Date(2026, 11, 25, 9, 0, 5, 0, time.UTC)
		s.Now = func() time.Time { return clock }
		ctx := context.Background()
		u, err := s.Create(ctx, NewUser{Username: "eve", Password: pw, Roles: []string{"approver"}}, audit.System("test"))
		if err != nil {
			t.Fatal(err)
		}
		m := actorMeta(u)
		enr, _ := s.BeginTOTP(u)
		first, _ := auth.Code(enr.Secret, clock)
		if _, err := s.ConfirmTOTP(ctx, u, enr.Secret, first, "", m); err != nil {
			t.Fatal(err)
		}
		fresh, _ := db.UserByID(ctx, u.ID)
		if _, err := s.RegenerateRecoveryCodes(ctx, fresh, first, m); !errors.Is(err, auth.ErrCodeReused) || MessageID(err) != "identity.code_reused" {
			t.Fatalf("recovery codes with the enrolment's code: %v (%s)", err, MessageID(err))
		}
		enr2, _ := s.BeginTOTP(fresh)
		clock = clock.Add(30 * time.Second)
		next, _ := auth.Code(enr2.Secret, clock)
		if _, err := s.ConfirmTOTP(ctx, fresh, enr2.Secret, next, first, m); !errors.Is(err, auth.ErrCodeReused) {
			t.Fatalf("replacing with a used current code: %v", err)
		}
		current, _ := auth.Code(enr.Secret, clock)
		if _, err := s.ConfirmTOTP(ctx, fresh, enr2.Secret, next, current, m); err != nil {
			t.Fatalf("replacing with the current code of the next step: %v", err)
		}
		// The new secret's confirming code is used up too.
		fresh, _ = db.UserByID(ctx, u.ID)
		if _, err := s.RegenerateRecoveryCodes(ctx, fresh, next, m); !errors.Is(err, auth.ErrCodeReused) {
			t.Fatalf("the new factor's confirming code again: %v", err)
		}
	})
}

// TestProfileCodesOnCodeNow: with CodeNow set (the in-process test harness's TOTP clock)
// the profile matches codes against it: a new factor is confirmed, and the current one
// proven, by codes of CodeNow's step, not of Now's; the single use still holds.
func TestProfileCodesOnCodeNow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := service(t, db)
		now := time.Date(2026, 11, 25, 9, 0, 5, 0, time.UTC)
		codeNow := now.Add(10 * time.Minute)
		s.Now = func() time.Time { return now }
		s.CodeNow = func() time.Time { return codeNow }
		ctx := context.Background()
		u, err := s.Create(ctx, NewUser{Username: "eve", Password: pw, Roles: []string{"approver"}}, audit.System("test"))
		if err != nil {
			t.Fatal(err)
		}
		m := actorMeta(u)
		enr, _ := s.BeginTOTP(u)
		wall, _ := auth.Code(enr.Secret, now)
		if _, err := s.ConfirmTOTP(ctx, u, enr.Secret, wall, "", m); !errors.Is(err, auth.ErrInvalidCode) {
			t.Fatalf("confirming with a code of Now's step: %v", err)
		}
		first, _ := auth.Code(enr.Secret, codeNow)
		if _, err := s.ConfirmTOTP(ctx, u, enr.Secret, first, "", m); err != nil {
			t.Fatalf("confirming with a code of CodeNow's step: %v", err)
		}
		fresh, _ := db.UserByID(ctx, u.ID)
		if _, err := s.RegenerateRecoveryCodes(ctx, fresh, first, m); !errors.Is(err, auth.ErrCodeReused) {
			t.Fatalf("the confirming code again: %v", err)
		}
		codeNow = codeNow.Add(30 * time.Second)
		if _, err := s.RegenerateRecoveryCodes(ctx, fresh, wall, m); !errors.Is(err, auth.ErrInvalidCode) || errors.Is(err, auth.ErrCodeReused) {
			t.Fatalf("recovery codes with a code of Now's step: %v", err)
		}
		next, _ := auth.Code(enr.Secret, codeNow)
		if _, err := s.RegenerateRecoveryCodes(ctx, fresh, next, m); err != nil {
			t.Fatalf("recovery codes with CodeNow's next step: %v", err)
		}
	})
}
