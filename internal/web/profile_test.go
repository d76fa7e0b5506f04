package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/testkit"
)

// TestProfile: password change with policy errors (input kept), API tokens created
// (shown once) and revoked, recovery codes, and sign-in with a recovery code.
func TestProfile(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testkit.SQLite(t), nil)
	p.addUser("fiona", testSecret, "finance")
	b := p.browser()
	b.signIn("fiona", testSecret)

	r := b.post("/profile/password", url.Values{"current_password": {testPassword}, "new_password": {"qwertyuiop"}, "new_password2": {"qwertyuiop"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.testid(t, "password-error"), "common") {
		t.Fatalf("common password: %d %q", r.status, r.testid(t, "password-error"))
	}
	b.lang = "zh-CN"
	r = b.post("/profile/password", url.Values{"current_password": {testPassword}, "new_password": {"short"}, "new_password2": {"short"}})
	if !strings.Contains(r.testid(t, "password-error"), "10") || !strings.Contains(r.body, "密码") {
		t.Fatalf("zh policy error: %q", r.testid(t, "password-error"))
	}
	b.lang = ""
	r = b.post("/profile/tokens", url.Values{"name": {"nightly"}, "expires": {"2001-01-01"}})
	if r.status != http.StatusUnprocessableEntity || r.testid(t, "token-error") == "" {
		t.Fatalf("past expiry: %d", r.status)
	}
	if v, _ := r.doc(t).Find(`[data-testid="token-name"]`).Attr("value"); v != "nightly" {
		t.Fatal("token name not kept")
	}
	r = b.post("/profile/tokens", url.Values{"name": {"nightly"}, "expires": {"2030-01-01"}})
	tok := r.testid(t, "new-token")
	if r.status != http.StatusOK || len(tok) < 20 {
		t.Fatalf("token: %d", r.status)
	}
	p.secret(tok)
	if page := b.get("/profile"); strings.Contains(page.body, tok) || page.doc(t).Find(`[data-testid="token-row"]`).Length() != 1 {
		t.Fatal("token shown again, or not listed")
	}
	req, _ := http.NewRequest(http.MethodGet, p.http.URL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if r := p.browser().do(req); r.status != http.StatusOK {
		t.Fatalf("token use: %d", r.status)
	}
	toks, _ := p.db.ListAPITokens(context.Background(), mustID(p, "fiona"))
	if r := b.post("/profile/tokens/"+itoa(toks[0].ID)+"/revoke", nil); r.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.status)
	}
	if r := p.browser().do(req); r.status != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", r.status)
	}

	// Recovery codes: shown once, each signs in once.
	r = b.post("/profile/recovery-codes", url.Values{"code": {b.code(testSecret)}})
	var codes []string
	r.doc(t).Find(`[data-testid="recovery-code"]`).Each(func(_ int, s *goquery.Selection) { codes = append(codes, s.Text()) })
	if len(codes) != 10 {
		t.Fatalf("recovery codes: %d", len(codes))
	}
	for _, c := range codes {
		p.secret(c)
	}
	c2 := p.browser()
	c2.post("/login", url.Values{"username": {"fiona"}, "password": {testPassword}})
	if r := c2.post("/login/totp", url.Values{"code": {codes[0]}}); r.status != http.StatusSeeOther || r.location != "/" {
		t.Fatalf("recovery sign-in: %d %q", r.status, r.location)
	}
	c3 := p.browser()
	c3.post("/login", url.Values{"username": {"fiona"}, "password": {testPassword}})
	if r := c3.post("/login/totp", url.Values{"code": {codes[0]}}); r.status != http.StatusUnauthorized {
		t.Fatalf("recovery code used twice: %d", r.status)
	}
	if !strings.Contains(string(p.events(audit.AuthLogin)[len(p.events(audit.AuthLogin))-1].Details), "recovery_code") {
		t.Fatal("recovery sign-in not recorded with its factor")
	}
}
