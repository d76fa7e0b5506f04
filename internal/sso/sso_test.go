package sso

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// browser follows the flow as a browser would: it opens the provider's URL and stops at
// the redirect back to Purser, returning the callback parameters.
func browser(t *testing.T, authURL, redirect string) Callback {
	t.Helper()
	c := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirect) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), redirect) {
		t.Fatalf("provider answered %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	q := loc.Query()
	return Callback{Code: q.Get("code"), State: q.Get("state"), Error: q.Get("error")}
}

func TestCodeFlowWithPKCE(t *testing.T) {
	op, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	defer op.Shutdown()
	mc := op.Config()
	const redirect = "http://127.0.0.1:8080/login/oidc/callback"
	base := Config{Enabled: true, Issuer: mc.Issuer, ClientID: mc.ClientID, ClientSecret: mc.ClientSecret, RedirectURL: redirect,
		Scopes: []string{"profile", "email", "groups"}, RoleClaim: "groups",
		RoleMap:    map[string][]string{"finance-team": {"finance"}, "fin-approvers": {"approver", "viewer"}},
		ScopeClaim: "groups", ScopeMap: map[string][]string{"finance-team": {"org-east"}}}
	if err := base.Validate(); err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := New(db)
		m := audit.Meta{IP: "192.0.2.1"}
		login := func(cfg Config, u *mockoidc.MockUser) (*store.User, error) {
			t.Helper()
			authURL, pend, err := s.BeginLogin(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if q, _ := url.Parse(authURL); q.Query().Get("code_challenge_method") != "S256" || q.Query().Get("nonce") != pend.Nonce {
				t.Fatalf("auth URL without PKCE or nonce: %s", authURL)
			}
			op.QueueUser(u)
			return s.Complete(ctx, cfg, browser(t, authURL, redirect), pend, m)
		}
		li := &mockoidc.MockUser{Subject: "sub-li", Email: "Li.Na@example.com", EmailVerified: true, PreferredUsername: "lina",
			Groups: []string{"finance-team", "fin-approvers", "other"}}

		// JIT off (the default): an unknown identity is refused and audited.
		cfg := base
		if _, err := login(cfg, li); !errors.Is(err, ErrNoAccount) || MessageID(err) != "sso.err.no_account" {
			t.Fatalf("JIT off: %v", err)
		}
		if n, _ := db.CountUsers(ctx); n != 0 {
			t.Fatal("a user was created with JIT off")
		}
		// JIT on: created with the mapped roles and scopes.
		cfg.JIT = true
		u, err := login(cfg, li)
		if err != nil {
			t.Fatal(err)
		}
		if u.Username != "li.na@example.com" || u.Email != "li.na@example.com" || strings.Join(u.Roles, ",") != "approver,finance,viewer" || strings.Join(u.Scopes, ",") != "org-east" {
			t.Fatalf("JIT user %+v", u)
		}
		// Next time the same subject is the same user, even with JIT off.
		cfg.JIT = false
		again, err := login(cfg, li)
		if err != nil || again.ID != u.ID {
			t.Fatalf("second login: %+v %v", again, err)
		}
		// An identity mapping to no role is not created.
		cfg.JIT = true
		if _, err := login(cfg, &mockoidc.MockUser{Subject: "sub-x", Email: "x@example.com", EmailVerified: true, Groups: []string{"sales"}}); !errors.Is(err, ErrNoRole) {
			t.Fatalf("no role: %v", err)
		}
		// An unverified e-mail claim is no user name, but it is the notification address.
		kim, err := login(cfg, &mockoidc.MockUser{Subject: "sub-kim", Email: "kim@example.com", EmailVerified: false, PreferredUsername: "kim",
			Groups: []string{"finance-team"}})
		if err != nil || kim.Username != "kim" || kim.Email != "kim@example.com" {
			t.Fatalf("JIT user with an unverified e-mail: %+v %v", kim, err)
		}
		if stored, _ := db.UserByID(ctx, u.ID); stored.Email != "li.na@example.com" {
			t.Fatalf("stored JIT address %q", stored.Email)
		}
		// Link by verified e-mail to an existing local user.
		local := &store.User{Username: "ops@example.com", Roles: []string{"auditor"}}
		if err := db.CreateUser(ctx, local); err != nil {
			t.Fatal(err)
		}
		cfg.JIT, cfg.LinkByEmail = false, true
		if _, err := login(cfg, &mockoidc.MockUser{Subject: "sub-ops", Email: "ops@example.com", EmailVerified: false}); !errors.Is(err, ErrNoAccount) {
			t.Fatalf("unverified e-mail linked: %v", err)
		}
		linked, err := login(cfg, &mockoidc.MockUser{Subject: "sub-ops", Email: "ops@example.com", EmailVerified: true, Groups: []string{"finance-team"}})
		if err != nil || linked.ID != local.ID || strings.Join(linked.Roles, ",") != "auditor" {
			t.Fatalf("link by e-mail: %+v %v", linked, err)
		}
		// A disabled user is refused.
		if err := db.SetUserDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := login(cfg, li); !errors.Is(err, ErrUserDisabled) {
			t.Fatalf("disabled: %v", err)
		}
		// A tampered state or nonce never signs in.
		authURL, pend, _ := s.BeginLogin(ctx, cfg)
		op.QueueUser(li)
		cb := browser(t, authURL, redirect)
		cb.State = "forged"
		if _, err := s.Complete(ctx, cfg, cb, pend, m); !errors.Is(err, ErrState) {
			t.Fatalf("forged state: %v", err)
		}
		authURL, pend, _ = s.BeginLogin(ctx, cfg)
		op.QueueUser(li)
		cb = browser(t, authURL, redirect)
		pend.Verifier = "a-different-verifier-of-sufficient-length-0123456789"
		if _, err := s.Complete(ctx, cfg, cb, pend, m); !errors.Is(err, ErrProvider) {
			t.Fatalf("wrong PKCE verifier: %v", err)
		}

		evs, err := db.ListAudit(ctx, store.AuditFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, e := range evs {
			count[e.Action+"/"+e.Outcome]++
			if e.Action == audit.AuthLogin && !strings.Contains(string(e.Details), `"factor":"oidc"`) {
				t.Fatalf("login without factor: %s", e.Details)
			}
		}
		// Li (created, then again, then linked ops) and kim: four sign-ins, two creations.
		if count["auth.login/success"] != 4 || count["auth.login_failed/failure"] != 6 || count["user.create/success"] != 2 || count["role.grant/success"] != 4 {
			t.Fatalf("audit %v", count)
		}
	})
}

func TestLocalSignInAllowed(t *testing.T) {
	c := Config{Enabled: true, LocalOnlyAdmins: true}
	if c.LocalSignInAllowed([]string{"finance"}) || !c.LocalSignInAllowed([]string{"admin", "approver"}) {
		t.Fatal("local-only-admins")
	}
	c.Enabled = false
	if !c.LocalSignInAllowed([]string{"finance"}) {
		t.Fatal("disabled SSO must not block local sign-in")
	}
	bad := Config{Enabled: true, Issuer: "ftp://x", RoleMap: map[string][]string{"g": {"root"}}}
	var ve *ValidationError
	if err := bad.Validate(); !errors.As(err, &ve) || len(ve.Fields) < 4 {
		t.Fatalf("validate: %v", err)
	}
}
