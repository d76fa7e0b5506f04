package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/purser-finance/purser/internal/testkit"
)

// TestOIDCSignIn runs the whole code flow against an in-process provider: role mapping on
// just-in-time creation, the session rotated, role removal effective at once, and local
// sign-in limited to admins.
func TestOIDCSignIn(t *testing.T) {
	t.Parallel()
	op, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	defer op.Shutdown()
	mc := op.Config()
	p := newPortal(t, testkit.SQLite(t), nil)
	p.secret(mc.ClientSecret)
	admin := p.adminBrowser()
	r := admin.post("/admin/settings/sso", admin.withCode(url.Values{"enabled": {"on"}, "issuer": {mc.Issuer}, "client_id": {mc.ClientID},
		"client_secret": {mc.ClientSecret}, "redirect_url": {p.http.URL + "/login/oidc/callback"}, "scopes": {"openid profile email groups"},
		"role_claim": {"groups"}, "role_map": {"finance-team = finance\nauditors = auditor"}, "jit": {"on"}, "local_only_admins": {"on"}}))
	if r.status != http.StatusSeeOther {
		t.Fatalf("save SSO: %d %s", r.status, r.testid(t, "settings-error-sso"))
	}
	if page := admin.get("/admin/settings"); strings.Contains(page.body, mc.ClientSecret) {
		t.Fatal("client secret rendered")
	}

	b := p.browser()
	login := b.get("/login")
	if !login.has(t, "sso-login") {
		t.Fatal("no single sign-on offer on the login page")
	}
	oidcLogin := func(b *browser, u *mockoidc.MockUser) response {
		t.Helper()
		start := b.get("/login/oidc?next=/sub-accounts")
		if start.status != http.StatusSeeOther || !strings.HasPrefix(start.location, mc.Issuer) {
			t.Fatalf("start: %d %q", start.status, start.location)
		}
		op.QueueUser(u)
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := c.Get(start.location)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		cb, _ := url.Parse(res.Header.Get("Location"))
		return b.get(cb.RequestURI())
	}
	li := &mockoidc.MockUser{Subject: "sub-li", Email: "li@example.com", EmailVerified: true, PreferredUsername: "li", Groups: []string{"finance-team"}}
	before := b.cookie()
	r = oidcLogin(b, li)
	if r.status != http.StatusSeeOther || r.location != "/sub-accounts" {
		t.Fatalf("callback: %d %q %s", r.status, r.location, r.body)
	}
	if b.cookie() == before {
		t.Fatal("session not rotated")
	}
	if me := b.get("/operations"); me.status != http.StatusOK {
		t.Fatalf("mapped finance role: %d", me.status)
	}
	u, err := p.db.UserByUsername(context.Background(), "li@example.com")
	if err != nil || !slices.Equal(u.Roles, []string{"finance"}) {
		t.Fatalf("JIT user: %+v %v", u, err)
	}
	// The admin removes the role: effective on the next request.
	if r := admin.post("/admin/users/"+itoa(u.ID), admin.withCode(url.Values{"role": {"viewer"}})); r.status != http.StatusSeeOther {
		t.Fatalf("role change: %d", r.status)
	}
	if r := b.get("/operations/new?kind=transfer_funds"); r.status != http.StatusForbidden {
		t.Fatalf("role removal: %d", r.status)
	}
	// Tampered state: refused and audited.
	b2 := p.browser()
	b2.get("/login/oidc")
	if r := b2.get("/login/oidc/callback?code=x&state=forged"); r.status != http.StatusUnauthorized || r.testid(t, "sso-error") == "" {
		t.Fatalf("forged state: %d", r.status)
	}
	// Local sign-in is for admins only now.
	p.addUser("walt", "", "viewer")
	if r := p.browser().post("/login", url.Values{"username": {"walt"}, "password": {testPassword}}); r.status != http.StatusForbidden {
		t.Fatalf("non-admin local sign-in: %d", r.status)
	}
	p.browser().signIn("ada", testSecret)
}
