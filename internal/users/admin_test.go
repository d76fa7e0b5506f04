package users

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

const pw = "correct horse battery"

func TestPasswordPolicy(t *testing.T) {
	if n := len(commonPasswords()); n < 10000 {
		t.Fatalf("common password list has %d entries", n)
	}
	for _, c := range []struct {
		pw   string
		want error
	}{
		{"short", ErrPasswordTooShort},
		{strings.Repeat("é", 9), ErrPasswordTooShort},
		{strings.Repeat("a", MaxPasswordBytes+1), ErrPasswordTooLong},
		{"1234567890", ErrPasswordCommon},
		{"Password123!", ErrPasswordCommon},
		{"2024qwertyuiop!!", ErrPasswordCommon},
		{"zzzzzzzzzzzz", ErrPasswordCommon},
		{"abcdefghijkl", ErrPasswordCommon},
		{"my-alice-pass-99", ErrPasswordPersonal},
		{pw, nil},
		{"Tr0ub4dor&3-horse", nil},
	} {
		if err := CheckPassword(c.pw, "alice"); !errors.Is(err, c.want) || (c.want == nil && err != nil) {
			t.Errorf("%q: got %v, want %v", c.pw, err, c.want)
		}
		if c.want != nil && MessageID(c.want) == "" {
			t.Errorf("%v has no message id", c.want)
		}
	}
}

func actorMeta(u *store.User) audit.Meta { return audit.Meta{}.WithActor(u.ID, u.Username) }

func TestAdminChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := service(t, db)
		ctx := context.Background()
		sys, op := audit.System("test"), auth.Operator()
		admin, err := s.Create(ctx, NewUser{Username: "ada", Password: pw, Roles: []string{"admin"}}, sys)
		if err != nil {
			t.Fatal(err)
		}
		bob, err := s.Create(ctx, NewUser{Username: "bob", DisplayName: "Bob", Password: pw, Roles: []string{"finance", "viewer"}}, sys)
		if err != nil {
			t.Fatal(err)
		}
		m := actorMeta(admin)
		fresh := auth.Recent(admin.ID, time.Now(), time.Now())
		// Without a step-up, or with someone else's, nothing changes.
		for _, up := range []auth.StepUp{{}, auth.Recent(bob.ID, time.Now(), time.Now()), auth.Recent(admin.ID, time.Now().Add(-time.Hour), time.Now()), op} {
			if err := s.SetRoles(ctx, bob.ID, []string{"viewer"}, m, up); !errors.Is(err, auth.ErrStepUpRequired) {
				t.Fatalf("step-up %+v: %v", up, err)
			}
		}
		start := len(actions(t, db))

		if err := s.UpdateDisplayName(ctx, bob.ID, " Bob B. ", m, fresh); err != nil {
			t.Fatal(err)
		}
		if err := s.SetRoles(ctx, bob.ID, []string{"viewer", "approver"}, m, fresh); err != nil {
			t.Fatal(err)
		}
		if err := s.SetScopes(ctx, bob.ID, []string{"org-2", "org-1", "org-1"}, m, fresh); err != nil {
			t.Fatal(err)
		}
		got, _ := db.UserByID(ctx, bob.ID)
		if got.DisplayName != "Bob B." || strings.Join(got.Roles, ",") != "approver,viewer" || strings.Join(got.Scopes, ",") != "org-1,org-2" {
			t.Fatalf("after changes: %+v", got)
		}
		if got := strings.Join(actions(t, db)[start:], ","); got != "user.update,role.grant,role.revoke,user.update" {
			t.Fatalf("audit %s", got)
		}
		evs, _ := db.ListAudit(ctx, store.AuditFilter{Limit: 1})
		if d := string(evs[0].Details); !strings.Contains(d, `"before":{"scopes":[]}`) || !strings.Contains(d, `"after":{"scopes":["org-1","org-2"]}`) {
			t.Fatalf("scope details %s", d)
		}
		var ve *ValidationError
		if err := s.SetRoles(ctx, bob.ID, []string{"root"}, m, fresh); !errors.As(err, &ve) {
			t.Fatalf("bad role: %v", err)
		}
		// The last admin keeps the role and cannot be disabled; nobody disables themself.
		if err := s.SetRoles(ctx, admin.ID, []string{"viewer"}, m, fresh); !errors.Is(err, ErrLastAdmin) {
			t.Fatalf("last admin: %v", err)
		}
		if err := s.SetDisabledByID(ctx, admin.ID, true, m, fresh); !errors.Is(err, ErrSelf) {
			t.Fatalf("self disable: %v", err)
		}
		if err := s.SetDisabledByID(ctx, admin.ID, true, sys, op); !errors.Is(err, ErrLastAdmin) {
			t.Fatalf("disable last admin: %v", err)
		}
		if err := s.SetDisabledByID(ctx, 9999, true, m, fresh); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown user: %v", err)
		}

		// Sessions: list, end one, end all.
		now := time.Now()
		for _, id := range []string{"s1", "s2", "s3"} {
			if err := db.SaveSession(ctx, &store.Session{ID: id, UserID: &bob.ID, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		if list, _ := s.Sessions(ctx, bob.ID); len(list) != 3 {
			t.Fatalf("sessions %d", len(list))
		}
		if err := s.EndSession(ctx, bob.ID, "s1", m); err != nil {
			t.Fatal(err)
		}
		if err := s.EndSession(ctx, admin.ID, "s2", m); !errors.Is(err, ErrNotFound) {
			t.Fatalf("ending another user's session by id: %v", err)
		}
		if n, err := s.EndSessions(ctx, bob.ID, "", m); err != nil || n != 2 {
			t.Fatalf("end all: %d %v", n, err)
		}

		// Admin sets a password: policy applies, sessions end.
		if err := s.SetPassword(ctx, bob.ID, "password123", m, fresh); !errors.Is(err, ErrPasswordCommon) {
			t.Fatalf("common password accepted: %v", err)
		}
		if err := db.SaveSession(ctx, &store.Session{ID: "s4", UserID: &bob.ID, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPassword(ctx, bob.ID, "a brand new secret", m, fresh); err != nil {
			t.Fatal(err)
		}
		got, _ = db.UserByID(ctx, bob.ID)
		if ok, _ := s.Passwords.Verify(ctx, "a brand new secret", got.PasswordHash); !ok {
			t.Fatal("password not set")
		}
		if list, _ := s.Sessions(ctx, bob.ID); len(list) != 0 {
			t.Fatal("sessions survived a password reset")
		}
		for _, e := range mustAudit(t, db) {
			if strings.Contains(string(e.Details), "brand new") {
				t.Fatalf("password in audit: %s", e.Details)
			}
		}
	})
}

func mustAudit(t *testing.T, db *store.DB) []store.AuditEvent {
	t.Helper()
	evs, err := db.ListAudit(context.Background(), store.AuditFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestInvitation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := service(t, db)
		ctx := context.Background()
		sys, op := audit.System("test"), auth.Operator()
		u, inv, err := s.CreateInvited(ctx, NewUser{Username: "carol", Roles: []string{"viewer"}}, time.Hour, sys, op)
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := db.UserByID(ctx, u.ID)
		if stored.PasswordHash != "" {
			t.Fatal("an invited user has a password before accepting")
		}
		if _, err := s.AcceptInvitation(ctx, "wrong-token", pw, sys); !errors.Is(err, ErrInvitationInvalid) {
			t.Fatalf("wrong token: %v", err)
		}
		// A refused password does not use up the link.
		if _, err := s.AcceptInvitation(ctx, inv.Token, "qwertyuiop", sys); !errors.Is(err, ErrPasswordCommon) {
			t.Fatalf("weak password: %v", err)
		}
		got, err := s.AcceptInvitation(ctx, inv.Token, pw, sys)
		if err != nil || got.ID != u.ID {
			t.Fatalf("accept: %v", err)
		}
		stored, _ = db.UserByID(ctx, u.ID)
		if ok, _ := s.Passwords.Verify(ctx, pw, stored.PasswordHash); !ok {
			t.Fatal("password not set by the invitation")
		}
		if _, err := s.AcceptInvitation(ctx, inv.Token, pw, sys); !errors.Is(err, ErrInvitationInvalid) {
			t.Fatalf("second use: %v", err)
		}
		// Expired links and superseded links do not work.
		s.Now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
		old, err := s.Invite(ctx, u.ID, time.Hour, sys, op)
		if err != nil {
			t.Fatal(err)
		}
		s.Now = nil
		if _, err := s.AcceptInvitation(ctx, old.Token, pw, sys); !errors.Is(err, ErrInvitationInvalid) {
			t.Fatalf("expired: %v", err)
		}
		first, _ := s.Invite(ctx, u.ID, 0, sys, op)
		second, _ := s.Invite(ctx, u.ID, 0, sys, op)
		if _, err := s.AcceptInvitation(ctx, first.Token, pw, sys); !errors.Is(err, ErrInvitationInvalid) {
			t.Fatalf("superseded: %v", err)
		}
		if _, err := s.AcceptInvitation(ctx, second.Token, "another fine secret", sys); err != nil {
			t.Fatal(err)
		}
		for _, e := range mustAudit(t, db) {
			if strings.Contains(string(e.Details), second.Token) || strings.Contains(string(e.Details), "fine secret") {
				t.Fatalf("secret in audit: %s", e.Details)
			}
		}
	})
}

func TestProfile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := service(t, db)
		// A code works once: the test's clock moves to the next 30-second step before
		// each further code of one secret.
		clock := time.Now()
		s.Now = func() time.Time { return clock }
		ctx := context.Background()
		u, err := s.Create(ctx, NewUser{Username: "dan", Password: pw, Roles: []string{"approver"}}, audit.System("test"))
		if err != nil {
			t.Fatal(err)
		}
		m := actorMeta(u)
		now := time.Now()
		for _, id := range []string{"mine", "other"} {
			if err := db.SaveSession(ctx, &store.Session{ID: id, UserID: &u.ID, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.ChangePassword(ctx, u, "not it", "a new long secret", "mine", m); !errors.Is(err, ErrWrongPassword) {
			t.Fatalf("wrong current: %v", err)
		}
		if err := s.ChangePassword(ctx, u, pw, "iloveyou12345", "mine", m); !errors.Is(err, ErrPasswordCommon) {
			t.Fatalf("common: %v", err)
		}
		if err := s.ChangePassword(ctx, u, pw, "a new long secret", "mine", m); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.Sessions(ctx, u.ID); len(list) != 1 || list[0].ID != "mine" {
			t.Fatalf("sessions after password change: %+v", list)
		}

		// Enrol a second factor: recovery codes come back, and work once at sign-in.
		enr, err := s.BeginTOTP(u)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := auth.Code(enr.Secret, clock)
		if _, err := s.ConfirmTOTP(ctx, u, enr.Secret, "000000", "", m); !errors.Is(err, auth.ErrInvalidCode) {
			t.Fatalf("wrong code: %v", err)
		}
		codes, err := s.ConfirmTOTP(ctx, u, enr.Secret, code, "", m)
		if err != nil || len(codes) != auth.RecoveryCodeCount {
			t.Fatalf("confirm: %v %v", codes, err)
		}
		if n, _ := s.RecoveryCodesLeft(ctx, u.ID); n != 10 {
			t.Fatalf("codes left %d", n)
		}
		a := &auth.Service{DB: db, Passwords: s.Passwords, TOTPSecrets: s.TOTPSecrets, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			MaxFailures: 5, Window: time.Minute, Lockout: time.Minute}
		fresh, _ := db.UserByID(ctx, u.ID)
		if err := a.CheckCodeOrRecovery(ctx, fresh, strings.ToUpper(codes[0]), audit.Meta{}); err != nil {
			t.Fatalf("recovery code at sign-in: %v", err)
		}
		if err := a.CheckCodeOrRecovery(ctx, fresh, codes[0], audit.Meta{}); !errors.Is(err, auth.ErrInvalidCode) {
			t.Fatalf("recovery code reused: %v", err)
		}
		evs := mustAudit(t, db)
		if evs[0].Action != audit.AuthTOTPFailed || evs[1].Action != audit.AuthLogin || !strings.Contains(string(evs[1].Details), "recovery_code") {
			t.Fatalf("sign-in audit: %s %s", evs[1].Action, evs[1].Details)
		}
		// Replacing the factor needs a code of the current one.
		enr2, _ := s.BeginTOTP(fresh)
		code2, _ := auth.Code(enr2.Secret, clock)
		if _, err := s.ConfirmTOTP(ctx, fresh, enr2.Secret, code2, "123456", m); !errors.Is(err, auth.ErrInvalidCode) {
			t.Fatalf("replace without current code: %v", err)
		}
		if _, err := s.ConfirmTOTP(ctx, fresh, enr2.Secret, code2, codes[1], m); err != nil {
			t.Fatalf("replace with a recovery code: %v", err)
		}
		if ok, _ := db.UseRecoveryCode(ctx, u.ID, auth.HashRecoveryCode(codes[2]), time.Now()); ok {
			t.Fatal("old recovery codes survive a new enrolment")
		}
		fresh, _ = db.UserByID(ctx, u.ID)
		if _, err := s.RegenerateRecoveryCodes(ctx, fresh, code2, m); !errors.Is(err, auth.ErrCodeReused) {
			t.Fatalf("the confirming code used again: %v", err)
		}
		clock = clock.Add(30 * time.Second)
		cur, _ := auth.Code(enr2.Secret, clock)
		again, err := s.RegenerateRecoveryCodes(ctx, fresh, cur, m)
		if err != nil || len(again) != 10 {
			t.Fatal(err)
		}

		// Personal API tokens.
		past := time.Now().Add(-time.Minute)
		var ve *ValidationError
		if _, err := s.CreateOwnToken(ctx, u, "ci", &past, m); !errors.As(err, &ve) {
			t.Fatalf("expired token: %v", err)
		}
		raw, err := s.CreateOwnToken(ctx, u, "ci", nil, m)
		if err != nil {
			t.Fatal(err)
		}
		toks, _ := s.Tokens(ctx, u.ID)
		if len(toks) != 1 || !strings.HasPrefix(raw, toks[0].Prefix) {
			t.Fatalf("tokens %+v", toks)
		}
		if err := s.RevokeToken(ctx, u, toks[0].ID, m); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeToken(ctx, u, 12345, m); !errors.Is(err, ErrNotFound) {
			t.Fatalf("revoke unknown: %v", err)
		}
		for _, e := range mustAudit(t, db) {
			d := string(e.Details)
			if strings.Contains(d, raw) || strings.Contains(d, codes[3]) || strings.Contains(d, "new long secret") {
				t.Fatalf("secret in audit: %s", d)
			}
		}
	})
}
