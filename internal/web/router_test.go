package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/authz"
	"github.com/purser-finance/purser/internal/testkit"
)

// TestRouteMatrix calls every registered route as every role (and anonymously) and checks
// the answer against authz: allowed routes never answer 401/403, denied ones always do and
// write access.denied. Read-only roles are never allowed a state change.
func TestRouteMatrix(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testkit.SQLite(t), nil)
	roles := append([]authz.Role(nil), authz.Roles...)
	browsers := map[authz.Role]*browser{}
	tokens := map[authz.Role]string{}
	for _, r := range roles {
		name := "u-" + string(r)
		secret := ""
		if r == authz.Admin || r == authz.Approver {
			secret = testSecret
		}
		p.addUser(name, secret, string(r))
		b := p.browser()
		b.signIn(name, secret)
		browsers[r] = b
		tok, err := p.users.CreateToken(context.Background(), name, "matrix", nil, systemMeta())
		if err != nil {
			t.Fatal(err)
		}
		tokens[r] = tok
	}
	routes := p.srv.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	for _, rt := range routes {
		if rt.Action == "" {
			t.Errorf("%s %s has no permission", rt.Method, rt.Path)
		}
		path := strings.ReplaceAll(rt.Path, "*file", "app.css")
		api := strings.HasPrefix(path, "/api/")
		public := rt.Action == authz.ViewHealth || rt.Action == authz.AuthenticatePublic
		if public || path == "/logout" {
			continue
		}
		// Anonymous.
		anon := p.browser()
		var r response
		if rt.Method == http.MethodGet {
			r = anon.get(path)
		} else {
			r = anon.post(path, nil)
		}
		if api && r.status != http.StatusUnauthorized {
			t.Errorf("anonymous %s %s: %d, want 401", rt.Method, path, r.status)
		}
		if !api && (r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login")) {
			t.Errorf("anonymous %s %s: %d %q, want a redirect to sign-in", rt.Method, path, r.status, r.location)
		}
		for _, role := range roles {
			want := authz.Allowed(authz.Subject{UserID: 1, Roles: []authz.Role{role}}, rt.Action, authz.Target{})
			if (role == authz.Auditor || role == authz.Viewer) && rt.Action.Mutating() && rt.Action != authz.ManageOwnProfile {
				if want {
					t.Errorf("read-only role %s may %s", role, rt.Action)
				}
			}
			// Only the events after the newest one are read: counting every denial so
			// far, twice per request, made this the slowest test of the package.
			head := p.auditHead()
			if api {
				req, _ := http.NewRequest(rt.Method, p.http.URL+path, nil)
				req.Header.Set("Authorization", "Bearer "+tokens[role])
				r = browsers[role].do(req)
			} else if rt.Method == http.MethodGet {
				r = browsers[role].get(path)
			} else {
				r = browsers[role].post(path, url.Values{})
			}
			denied := r.status == http.StatusForbidden || r.status == http.StatusUnauthorized
			if want == denied {
				t.Errorf("%s %s as %s: status %d, allowed=%v", rt.Method, path, role, r.status, want)
			}
			wrote := len(p.eventsAfter(head, audit.AccessDenied))
			if denied && wrote != 1 {
				t.Errorf("%s %s as %s: denial wrote %d access.denied events, want 1", rt.Method, path, role, wrote)
			}
			if !denied && wrote != 0 {
				t.Errorf("%s %s as %s: allowed request wrote access.denied", rt.Method, path, role)
			}
		}
	}
	var signedDenial, anonDenial bool
	for _, e := range p.events(audit.AccessDenied) {
		if e.Outcome != "denied" || e.RequestID == "" || e.IP == "" {
			t.Fatalf("denial event lacks outcome, request id or ip: %+v", e)
		}
		if e.ActorID != nil && strings.HasPrefix(e.ActorName, "u-") && strings.Contains(string(e.Details), `"permission"`) {
			signedDenial = true
		}
		if e.ActorID == nil && e.ActorName == "anonymous" {
			anonDenial = true
		}
	}
	if !signedDenial || !anonDenial {
		t.Fatalf("want denials of signed-in users (with the permission) and of anonymous API calls: %v %v", signedDenial, anonDenial)
	}
}

// TestCrossSiteRequestsRefused: a state-changing request that a browser marks as
// cross-site is refused before any handler runs, and audited.
func TestCrossSiteRequestsRefused(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testkit.SQLite(t), nil)
	p.addUser("walt", "", "viewer")
	b := p.browser()
	b.signIn("walt", "")
	cases := [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "https://evil.example"},
	}
	for _, h := range cases {
		before := len(p.events(audit.AccessDenied))
		r := b.post("/logout", url.Values{}, h...)
		if r.status != http.StatusForbidden {
			t.Fatalf("%s: cross-site logout answered %d", h[0], r.status)
		}
		if len(p.events(audit.AccessDenied)) != before+1 {
			t.Fatalf("%s: cross-site request not audited", h[0])
		}
		r = b.post("/login", url.Values{"username": {"walt"}, "password": {testPassword}}, h...)
		if r.status != http.StatusForbidden {
			t.Fatalf("%s: cross-site login answered %d", h[0], r.status)
		}
	}
	// Still signed in: the refused logout changed nothing.
	if r := b.get("/"); r.status != http.StatusOK {
		t.Fatalf("session lost after refused cross-site POST: %d", r.status)
	}
	// Same-origin browser requests pass.
	if r := b.post("/lang", url.Values{"lang": {"zh"}, "next": {"/"}}, "Sec-Fetch-Site", "same-origin", "Origin", p.http.URL); r.status != http.StatusSeeOther {
		t.Fatalf("same-origin POST refused: %d", r.status)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testkit.SQLite(t), map[string]string{"PORTAL_PUBLIC_URL": "https://purser.example.com"})
	r := p.browser().get("/login")
	csp := r.header.Get("Content-Security-Policy")
	for _, want := range []string{"frame-ancestors 'none'", "script-src 'self' 'nonce-", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	nonce := csp[strings.Index(csp, "'nonce-")+7:]
	nonce = nonce[:strings.Index(nonce, "'")]
	if !strings.Contains(r.body, `nonce="`+nonce+`"`) {
		t.Error("the script tag does not carry the response's nonce")
	}
	if p.browser().get("/login").header.Get("Content-Security-Policy") == csp {
		t.Error("the nonce must change per response")
	}
	for h, want := range map[string]string{
		"X-Content-Type-Options":    "nosniff",
		"X-Frame-Options":           "DENY",
		"Referrer-Policy":           "same-origin",
		"Strict-Transport-Security": "max-age=63072000; includeSubDomains",
		"Cache-Control":             "no-store",
	} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if r.header.Get("X-Request-Id") == "" {
		t.Error("no request id")
	}
	// Over https the session cookie is Secure, HttpOnly, SameSite and host-bound.
	p.addUser("walt", "", "viewer")
	b := p.browser()
	login := b.post("/login", url.Values{"username": {"walt"}, "password": {testPassword}})
	sc := login.header.Get("Set-Cookie")
	for _, want := range []string{"__Host-purser_session=", "Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !strings.Contains(sc, want) {
			t.Errorf("session cookie %q lacks %q", sc, want)
		}
	}
	plain := newPortal(t, testkit.SQLite(t), nil)
	if plain.browser().get("/login").header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS over plain http")
	}
}

func TestProbes(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testkit.SQLite(t), nil)
	b := p.browser()
	if r := b.get("/healthz"); r.status != 200 || r.body != "ok" {
		t.Fatalf("healthz %d %q", r.status, r.body)
	}
	r := b.get("/readyz")
	var ready map[string]string
	if err := json.Unmarshal([]byte(r.body), &ready); err != nil || r.status != 200 || ready["database"] != "ok" || ready["upstream"] != "ok" {
		t.Fatalf("readyz %d %s", r.status, r.body)
	}
	b.get("/login")
	m := b.get("/metrics")
	if m.status != 200 || !strings.Contains(m.body, `purser_http_requests_total{method="GET",route="/login",status="200"}`) ||
		!strings.Contains(m.body, "go_goroutines") {
		t.Fatalf("metrics: %d\n%s", m.status, m.body[:min(len(m.body), 500)])
	}
	// Readiness fails when the database is gone.
	p.db.Close()
	if r := b.get("/readyz"); r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, `"database":"unreachable"`) {
		t.Fatalf("readyz with a closed database: %d %s", r.status, r.body)
	}
}

func TestNotFoundAndStatic(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testkit.SQLite(t), nil)
	b := p.browser()
	r := b.get("/no/such/page")
	if r.status != 404 || !r.has(t, "error-page") || r.testid(t, "request-id") != r.header.Get("X-Request-Id") {
		t.Fatalf("404 page: %d", r.status)
	}
	req, _ := http.NewRequest(http.MethodGet, p.http.URL+"/api/v1/nothing", nil)
	r = b.do(req)
	var body struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(r.body), &body); err != nil || r.status != 404 || body.Error.Code != "not_found" || body.Error.Message == "" {
		t.Fatalf("API 404: %d %s", r.status, r.body)
	}
	css := b.get("/login").doc(t).Find(`link[rel=stylesheet]`).AttrOr("href", "")
	if !strings.Contains(css, "?v=") {
		t.Fatalf("stylesheet not versioned: %q", css)
	}
	s := b.get(css)
	if s.status != 200 || !strings.Contains(s.header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(s.header.Get("Content-Type"), "text/css") {
		t.Fatalf("static: %d %v", s.status, s.header)
	}
	if r := b.get("/static/../go.mod"); r.status == 200 {
		t.Fatal("path traversal served a file")
	}
}

func TestLanguage(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testkit.SQLite(t), nil)
	b := p.browser()
	b.lang = "zh-CN,zh;q=0.9,en;q=0.5"
	if h := b.get("/login").doc(t).Find("h1").Text(); h != "登录 Purser" {
		t.Fatalf("Accept-Language zh: heading %q", h)
	}
	b.lang = ""
	if h := b.get("/login").doc(t).Find("h1").Text(); h != "Sign in to Purser" {
		t.Fatalf("default: heading %q", h)
	}
	r := b.post("/lang", url.Values{"lang": {"zh"}, "next": {"/login"}})
	if r.status != http.StatusSeeOther || r.location != "/login" {
		t.Fatalf("switch: %d %q", r.status, r.location)
	}
	b.lang = "en"
	if h := b.get("/login").doc(t).Find("h1").Text(); h != "登录 Purser" {
		t.Fatalf("the switch must win over Accept-Language: %q", h)
	}
	if r := b.post("/lang", url.Values{"lang": {"fr"}}); r.status != http.StatusBadRequest {
		t.Fatalf("unknown language: %d", r.status)
	}
	if r := b.post("/lang", url.Values{"lang": {"en"}, "next": {"https://evil.example"}}); r.location != "/" {
		t.Fatalf("open redirect through the switch: %q", r.location)
	}

	// Signed in, the choice is remembered for the user too (their e-mails' language).
	p.addUser("fiona", testSecret, "finance")
	f := p.as("fiona")
	if r := f.post("/lang", url.Values{"lang": {"zh"}, "next": {"/"}}); r.status != http.StatusSeeOther {
		t.Fatalf("switch signed in: %d", r.status)
	}
	u, err := p.db.UserByUsername(context.Background(), "fiona")
	if err != nil || u.Language != "zh" {
		t.Fatalf("the signed-in user's language: %q %v", u.Language, err)
	}
}

func TestDashboardShowsUserAndNavigation(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testkit.SQLite(t), nil)
	p.addUser("fiona", "", "finance")
	p.addUser("ada", testSecret, "admin", "approver")
	b := p.browser()
	b.signIn("fiona", "")
	d := b.get("/")
	if !strings.Contains(d.testid(t, "current-user"), "fiona") || d.testid(t, "current-roles") != "Finance" {
		t.Fatalf("user badge: %q / %q", d.testid(t, "current-user"), d.testid(t, "current-roles"))
	}
	if !d.has(t, "sandbox-banner") || !d.has(t, "nav-sub-accounts") || !d.has(t, "nav-operations") || d.has(t, "nav-admin") || d.has(t, "nav-audit") {
		t.Fatal("finance navigation wrong")
	}
	if got := d.testid(t, "card-last-sign-in"); !strings.Contains(got, "first sign-in") {
		t.Fatalf("first sign-in shows %q", got)
	}
	p.clock.Advance(time.Hour)
	again := p.browser()
	again.signIn("fiona", "")
	if got := again.get("/").testid(t, "card-last-sign-in"); !strings.Contains(got, "2026-11-25 17:00:00") {
		t.Fatalf("second sign-in must show the first one (09:00 UTC = 17:00 Beijing), got %q", got)
	}
	if !strings.Contains(d.testid(t, "recent-events"), "Signed in") {
		t.Fatalf("recent activity lacks the sign-in: %q", d.testid(t, "recent-events"))
	}
	a := p.browser()
	a.signIn("ada", testSecret)
	d = a.get("/")
	if !d.has(t, "nav-admin") || !d.has(t, "nav-approvals") || !d.has(t, "nav-audit") || d.has(t, "nav-operations") == false {
		t.Fatal("admin navigation wrong")
	}
	if d.testid(t, "current-roles") != "Administrator · Approver" {
		t.Fatalf("roles %q", d.testid(t, "current-roles"))
	}
}

func TestAPIToken(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testkit.SQLite(t), nil)
	p.addUser("fiona", "", "finance")
	tok, err := p.users.CreateToken(context.Background(), "fiona", "ci", nil, systemMeta())
	if err != nil || !strings.HasPrefix(tok, "pst_") {
		t.Fatalf("token %q %v", tok, err)
	}
	call := func(token string) response {
		req, _ := http.NewRequest(http.MethodGet, p.http.URL+"/api/v1/me", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		return p.browser().do(req)
	}
	r := call(tok)
	var me struct {
		Username string
		Roles    []string
	}
	if err := json.Unmarshal([]byte(r.body), &me); err != nil || r.status != 200 || me.Username != "fiona" || me.Roles[0] != "finance" {
		t.Fatalf("me: %d %s", r.status, r.body)
	}
	for _, bad := range []string{"", "pst_forged", tok + "x"} {
		if r := call(bad); r.status != http.StatusUnauthorized || !strings.Contains(r.body, `"code":"unauthorized"`) {
			t.Fatalf("token %q: %d %s", bad, r.status, r.body)
		}
	}
	// A session cookie does not open the API: it is for bearer tokens.
	b := p.browser()
	b.signIn("fiona", "")
	req, _ := http.NewRequest(http.MethodGet, p.http.URL+"/api/v1/me", nil)
	if r := b.do(req); r.status != http.StatusUnauthorized {
		t.Fatalf("cookie opened the API: %d", r.status)
	}
	if err := p.users.SetDisabled(context.Background(), "fiona", true, systemMeta()); err != nil {
		t.Fatal(err)
	}
	if r := call(tok); r.status != http.StatusUnauthorized {
		t.Fatalf("disabled user's token still works: %d", r.status)
	}
}

// TestClientIPFromTrustedProxiesOnly: the audit trail records the forwarded client address
// only when the request came through a configured proxy.
func TestClientIPFromTrustedProxiesOnly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		proxies, want string
	}{
		{"", "127.0.0.1"},
		{"127.0.0.1/32", "198.51.100.7"},
	} {
		p := newPortal(t, testkit.SQLite(t), map[string]string{"PORTAL_TRUSTED_PROXIES": tc.proxies})
		b := p.browser()
		b.post("/login", url.Values{"username": {"nobody"}, "password": {"whatever it is"}},
			"X-Forwarded-For", "198.51.100.7", "X-Request-Id", "req-from-proxy-123")
		ev := p.events(audit.AuthLoginFailed)
		if len(ev) != 1 || ev[0].IP != tc.want {
			t.Fatalf("proxies %q: ip %+v, want %s", tc.proxies, ev, tc.want)
		}
		if ev[0].RequestID != "req-from-proxy-123" {
			t.Fatalf("request id %q", ev[0].RequestID)
		}
	}
}
