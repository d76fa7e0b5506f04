package wiring_test

import (
	"context"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/config"
	"github.com/purser-finance/purser/internal/settings"
	"github.com/purser-finance/purser/internal/store/storetest"
	"github.com/purser-finance/purser/internal/testkit"
	"github.com/purser-finance/purser/internal/wiring"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// TestIdentitySharesOneOfEach: sign-in, step-up and user management hash with the one
// hasher and open second factors with the one box, and the session store takes the
// timeouts an admin saved in the settings. Codes are matched on Options.CodeNow.
func TestIdentitySharesOneOfEach(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	cfg, err := config.Load(func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.SecretKey = make([]byte, 32)
	clk := testkit.NewClock(time.Time{})
	pw := testkit.Passwords()
	codes := testkit.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	id, err := wiring.NewIdentity(cfg, db, wiring.Options{Now: clk.Now, Passwords: pw, CodeNow: codes.Now})
	if err != nil {
		t.Fatal(err)
	}
	if id.Auth.Passwords != pw || id.Admin.Users.Passwords != pw || id.Passwords != pw {
		t.Fatal("more than one password hasher")
	}
	if id.Auth.TOTPSecrets != id.TOTPSecrets || id.Admin.Users.TOTPSecrets != id.TOTPSecrets {
		t.Fatal("more than one TOTP secret box")
	}
	if !id.Auth.Now().Equal(clk.Now()) || !id.Sessions.Now().Equal(clk.Now()) {
		t.Fatal("the services do not read the given clock")
	}
	// The TOTP clock reaches both places that match codes, and nothing else.
	if id.Auth.CodeNow == nil || !id.Auth.CodeNow().Equal(codes.Now()) ||
		id.Admin.Users.CodeNow == nil || !id.Admin.Users.CodeNow().Equal(codes.Now()) {
		t.Fatal("sign-in or the profile does not match codes on Options.CodeNow")
	}
	err = id.Admin.Settings.UpdateSessions(ctx, settings.Sessions{IdleTimeout: 2 * time.Hour, AbsoluteTimeout: 48 * time.Hour},
		testkit.System(), auth.Operator())
	if err != nil {
		t.Fatal(err)
	}
	if idle, abs := id.Sessions.Limits(ctx); idle != 2*time.Hour || abs != 48*time.Hour {
		t.Fatalf("session limits %v/%v, want the saved 2h/48h", idle, abs)
	}
}
