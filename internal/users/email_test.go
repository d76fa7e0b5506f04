package users

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func TestNormalizeEmail(t *testing.T) {
	long := strings.Repeat("a", 250) + "@x.io" // 255 characters
	for _, c := range []struct{ in, want string }{
		{"", ""}, {"  ", ""},
		{" ada@example.com ", "ada@example.com"},
		{"Ada.Lovelace@Example.COM", "Ada.Lovelace@example.com"},
		{"a+tag@sub.example.org", "a+tag@sub.example.org"},
	} {
		got, err := NormalizeEmail(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"ada", "ada@", "@example.com", "Ada <ada@example.com>", "<ada@example.com>",
		"ada@example.com, bob@example.com", "ada@example.com;bob@example.com", "ada @example.com", "ada@exa\nmple.com", long} {
		_, err := NormalizeEmail(in)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields["email"] == "" {
			t.Errorf("NormalizeEmail(%q) = %v, want a validation error on email", in, err)
		}
	}
}

func TestEmailChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := service(t, db)
		ctx := context.Background()
		sys := audit.System("test")
		if _, err := s.Create(ctx, NewUser{Username: "x", Email: "not an address", Password: pw, Roles: []string{"viewer"}}, sys); err == nil {
			t.Fatal("a bad address was accepted at creation")
		}
		admin, err := s.Create(ctx, NewUser{Username: "ada", Email: "Ada@Example.com", Password: pw, Roles: []string{"admin"}, TOTPSecret: "JBSWY3DPEHPK3PXP"}, sys)
		if err != nil || admin.Email != "Ada@example.com" {
			t.Fatalf("create: %+v %v", admin, err)
		}
		bob, err := s.Create(ctx, NewUser{Username: "bob", Password: pw, Roles: []string{"finance"}}, sys)
		if err != nil {
			t.Fatal(err)
		}
		m := actorMeta(admin)
		fresh := auth.Recent(admin.ID, time.Now(), time.Now())
		if err := s.SetEmail(ctx, bob.ID, "bob@example.com", m, auth.StepUp{}); !errors.Is(err, auth.ErrStepUpRequired) {
			t.Fatalf("admin change without step-up: %v", err)
		}
		if err := s.SetEmail(ctx, bob.ID, "bob@", m, fresh); err == nil {
			t.Fatal("bad address accepted")
		}
		if err := s.SetEmail(ctx, bob.ID, " bob@example.com ", m, fresh); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.UserByID(ctx, bob.ID); got.Email != "bob@example.com" {
			t.Fatalf("email = %q", got.Email)
		}
		// The last event is the change with before and after.
		evs, err := db.ListAudit(ctx, store.AuditFilter{Limit: 1})
		if err != nil || len(evs) != 1 || evs[0].Action != audit.UserUpdate ||
			!strings.Contains(string(evs[0].Details), `"before":{"email":""}`) || !strings.Contains(string(evs[0].Details), `"after":{"email":"bob@example.com"}`) {
			t.Fatalf("audit %+v %v", evs, err)
		}
		n := len(actions(t, db))
		if err := s.SetEmail(ctx, bob.ID, "bob@example.com", m, fresh); err != nil || len(actions(t, db)) != n {
			t.Fatalf("an unchanged address must record nothing: %v", err)
		}

		// Own address: a user with a second factor needs a step-up, one without does not.
		if err := s.ChangeOwnEmail(ctx, admin, "ada@new.example", m, auth.StepUp{}); !errors.Is(err, auth.ErrStepUpRequired) {
			t.Fatalf("own change without step-up: %v", err)
		}
		if err := s.ChangeOwnEmail(ctx, admin, "ada@new.example", m, fresh); err != nil {
			t.Fatal(err)
		}
		bobNow, _ := db.UserByID(ctx, bob.ID)
		if err := s.ChangeOwnEmail(ctx, bobNow, "", actorMeta(bob), auth.StepUp{}); err != nil {
			t.Fatal(err)
		}
		a, _ := db.UserByID(ctx, admin.ID)
		b, _ := db.UserByID(ctx, bob.ID)
		if a.Email != "ada@new.example" || b.Email != "" {
			t.Fatalf("emails %q %q", a.Email, b.Email)
		}
	})
}
