package users

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/secretbox"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func service(t *testing.T, db *store.DB) *Service {
	box, err := secretbox.New(bytes.Repeat([]byte{1}, 32), "totp")
	if err != nil {
		t.Fatal(err)
	}
	return &Service{DB: db, Passwords: auth.NewPasswords(2), TOTPSecrets: box}
}

func actions(t *testing.T, db *store.DB) []string {
	evs, err := db.ListAudit(context.Background(), store.AuditFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(evs) - 1; i >= 0; i-- {
		out = append(out, evs[i].Action)
	}
	return out
}

func TestCreateValidatesAndAudits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := service(t, db)
		ctx := context.Background()
		m := audit.System("test")
		bad := []NewUser{
			{Username: "", Password: "long enough pw", Roles: []string{"finance"}},
			{Username: "a b", Password: "long enough pw", Roles: []string{"finance"}},
			{Username: "ok", Password: "short", Roles: []string{"finance"}},
			{Username: "ok", Password: "long enough pw"},
			{Username: "ok", Password: "long enough pw", Roles: []string{"root"}},
			{Username: "ok", Password: "long enough pw", Roles: []string{"finance"}, TOTPSecret: "not base32!"},
		}
		for _, n := range bad {
			var ve *ValidationError
			if _, err := s.Create(ctx, n, m); !errors.As(err, &ve) {
				t.Errorf("%+v: want ValidationError, got %v", n, err)
			}
		}
		if n, _ := db.CountUsers(ctx); n != 0 {
			t.Fatal("a refused user was written")
		}
		if len(actions(t, db)) != 0 {
			t.Fatal("a refused user was audited as created")
		}
		u, err := s.Create(ctx, NewUser{Username: "Li.Na", Password: "long enough pw", Roles: []string{"finance", "approver"},
			Scopes: []string{"org-1"}, TOTPSecret: "jbsw y3dp ehpk 3pxp"}, m)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(actions(t, db), ","); got != "user.create,role.grant,role.grant" {
			t.Fatalf("audit %s", got)
		}
		stored, _ := db.UserByID(ctx, u.ID)
		secret, err := s.TOTPSecrets.Open(stored.TOTPSecret)
		if err != nil || secret != "JBSWY3DPEHPK3PXP" {
			t.Fatalf("totp secret %q %v", secret, err)
		}
		if _, err := s.Create(ctx, NewUser{Username: "li.na", Password: "long enough pw", Roles: []string{"viewer"}}, m); !errors.Is(err, ErrExists) {
			t.Fatalf("duplicate: %v", err)
		}
		evs, _ := db.ListAudit(ctx, store.AuditFilter{Limit: 10})
		for _, e := range evs {
			if strings.Contains(string(e.Details), "JBSW") || strings.Contains(string(e.Details), "long enough pw") {
				t.Fatalf("secret in audit details: %s", e.Details)
			}
		}
	})
}

func TestResetDisableToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := service(t, db)
		ctx := context.Background()
		m := audit.System("test")
		u, err := s.Create(ctx, NewUser{Username: "ada", Password: "long enough pw", Roles: []string{"admin"}, TOTPSecret: "JBSWY3DPEHPK3PXP"}, m)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		for _, id := range []string{"s1", "s2"} {
			if err := db.SaveSession(ctx, &store.Session{ID: id, UserID: &u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.ResetTOTP(ctx, "ada", m); err != nil {
			t.Fatal(err)
		}
		got, _ := db.UserByID(ctx, u.ID)
		if got.TOTPSecret != "" {
			t.Fatal("secret not removed")
		}
		if list, _ := db.ListUserSessions(ctx, u.ID); len(list) != 0 {
			t.Fatal("sessions survived a second-factor reset")
		}
		tok, err := s.CreateToken(ctx, "ada", "ci", nil, m)
		if err != nil || !strings.HasPrefix(tok, "pst_") {
			t.Fatal(tok, err)
		}
		if _, err := db.APITokenByHash(ctx, auth.HashAPIToken(tok)); err != nil {
			t.Fatal("token not stored by hash")
		}
		if err := db.SaveSession(ctx, &store.Session{ID: "s3", UserID: &u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetDisabled(ctx, "ada", true, m); err != nil {
			t.Fatal(err)
		}
		if list, _ := db.ListUserSessions(ctx, u.ID); len(list) != 0 {
			t.Fatal("sessions survived disabling")
		}
		if _, err := s.CreateToken(ctx, "ada", "x", nil, m); err == nil {
			t.Fatal("token for a disabled user")
		}
		if err := s.SetDisabled(ctx, "nobody", true, m); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown user: %v", err)
		}
		want := "user.create,role.grant,user.update,user.update,user.disable"
		if got := strings.Join(actions(t, db), ","); got != want {
			t.Fatalf("audit %s, want %s", got, want)
		}
	})
}

func TestSeedDemo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := service(t, db)
		ctx := context.Background()
		seeded, err := s.SeedDemo(ctx, "purser-demo", "JBSWY3DPEHPK3PXP")
		if err != nil || !seeded {
			t.Fatal(seeded, err)
		}
		list, _ := db.ListUsers(ctx)
		var names []string
		for _, u := range list {
			names = append(names, u.Username+"="+strings.Join(u.Roles, "+"))
			if u.TOTPSecret == "" {
				t.Errorf("%s has no second factor", u.Username)
			}
		}
		want := "admin=admin+approver,approver=approver,approver2=approver,auditor=auditor,finance=finance,viewer=viewer"
		if strings.Join(names, ",") != want {
			t.Fatalf("demo users %s", strings.Join(names, ","))
		}
		again, err := s.SeedDemo(ctx, "purser-demo", "JBSWY3DPEHPK3PXP")
		if err != nil || again {
			t.Fatal("a database with users must not be seeded again")
		}
	})
}
