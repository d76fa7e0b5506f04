package users

import (
	"context"
	"errors"
	"testing"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// A refused password change is audited; when that event cannot be written the call fails
// with the write's error instead of answering "wrong password" unaudited.
func TestChangePasswordRefusalFailsWithoutAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := service(t, db)
		ctx := context.Background()
		u, err := s.Create(ctx, NewUser{Username: "erin", Password: pw, Roles: []string{"viewer"}}, audit.System("test"))
		if err != nil {
			t.Fatal(err)
		}
		storetest.BreakAudit(t, db)
		err = s.ChangePassword(ctx, u, "not it", "a new long secret", "", actorMeta(u))
		if err == nil || errors.Is(err, ErrWrongPassword) {
			t.Fatalf("wrong current password with the audit log down: %v, want the audit write's error", err)
		}
	})
}
