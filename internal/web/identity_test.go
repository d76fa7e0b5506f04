package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
	"github.com/purser-finance/purser/internal/users"
)

// adminBrowser adds the admin "ada" (with a second factor) and signs her in.
func (p *portal) adminBrowser() *browser {
	p.t.Helper()
	if _, err := p.db.UserByUsername(context.Background(), "ada"); err != nil {
		p.addUser("ada", testSecret, "admin")
	}
	b := p.browser()
	b.signIn("ada", testSecret)
	return b
}

func (p *portal) userID(name string) string {
	p.t.Helper()
	u, err := p.db.UserByUsername(context.Background(), name)
	if err != nil {
		p.t.Fatal(err)
	}
	return itoa(u.ID)
}

// withCode adds the admin's current step-up code to a form.
func (b *browser) withCode(f url.Values) url.Values {
	if f == nil {
		f = url.Values{}
	}
	f.Set("code", b.code(testSecret))
	return f
}

// identityMutations are the audit coverage cases of the identity routes (merged into
// mutations() by coverage_test.go). Routes whose success writes several events (creating
// a user writes user.create and one role.grant per role; saving roles one event per
// change) are covered here by a one-event path and in the flows below by the rest.
func identityMutations() map[string][]mutation {
	return map[string][]mutation{
		"POST /invite/:token": {
			{name: "accept", action: audit.UserUpdate, do: func(p *portal) {
				_, inv, err := p.users.CreateInvited(context.Background(), users.NewUser{Username: "ivy", Roles: []string{"viewer"}}, 0, systemMeta(), auth.Operator())
				if err != nil {
					p.t.Fatal(err)
				}
				p.mark()
				p.browser().post("/invite/"+inv.Token, url.Values{"password": {"a long new passphrase"}, "password2": {"a long new passphrase"}})
			}},
		},
		"POST /profile/password": {
			{name: "change", action: audit.UserUpdate, do: func(p *portal) {
				b := p.browser()
				b.signIn("walt", "")
				p.mark()
				b.post("/profile/password", url.Values{"current_password": {testPassword}, "new_password": {"another long passphrase"}, "new_password2": {"another long passphrase"}})
			}},
			{name: "wrong current", action: audit.UserUpdate, do: func(p *portal) {
				b := p.browser()
				b.signIn("walt", "")
				p.mark()
				b.post("/profile/password", url.Values{"current_password": {"not it at all"}, "new_password": {"another long passphrase"}, "new_password2": {"another long passphrase"}})
			}},
		},
		"POST /profile/email": {
			{name: "no second factor", action: audit.UserUpdate, do: func(p *portal) {
				b := p.browser()
				b.signIn("walt", "")
				p.mark()
				b.post("/profile/email", url.Values{"email": {"walt@example.com"}})
			}},
			{name: "wrong code", action: audit.AuthTOTPFailed, do: func(p *portal) {
				b := p.browser()
				b.signIn("fiona", testSecret)
				p.mark()
				b.post("/profile/email", url.Values{"email": {"fiona@example.com"}, "code": {"000000"}})
			}},
		},
		"POST /profile/totp/replace": {
			{name: "wrong code", action: audit.AuthTOTPFailed, do: func(p *portal) {
				b := p.browser()
				b.signIn("fiona", testSecret)
				b.get("/profile?replace=1")
				p.mark()
				b.post("/profile/totp/replace", url.Values{"current_code": {"000000"}, "code": {"000000"}})
			}},
			{name: "replace", action: audit.UserUpdate, do: func(p *portal) {
				b := p.browser()
				b.signIn("fiona", testSecret)
				secret := b.get("/profile?replace=1").testid(p.t, "enrol-secret")
				p.mark()
				b.post("/profile/totp/replace", url.Values{"current_code": {b.code(testSecret)}, "code": {b.code(secret)}})
			}},
		},
		"POST /profile/recovery-codes": {
			{name: "regenerate", action: audit.UserUpdate, do: func(p *portal) {
				b := p.browser()
				b.signIn("fiona", testSecret)
				p.mark()
				b.post("/profile/recovery-codes", url.Values{"code": {b.code(testSecret)}})
			}},
		},
		"POST /profile/sessions/end": {
			{name: "end another", action: audit.UserUpdate, do: func(p *portal) {
				other := p.browser()
				other.signIn("walt", "")
				b := p.browser()
				b.signIn("walt", "")
				id := otherSession(p, b.get("/profile"))
				p.mark()
				b.post("/profile/sessions/end", url.Values{"session_id": {id}})
			}},
		},
		"POST /profile/sessions/end-others": {
			{name: "end others", action: audit.UserUpdate, do: func(p *portal) {
				p.browser().signIn("walt", "")
				b := p.browser()
				b.signIn("walt", "")
				p.mark()
				b.post("/profile/sessions/end-others", nil)
			}},
		},
		"POST /profile/tokens": {
			{name: "create", action: audit.UserUpdate, do: func(p *portal) {
				b := p.browser()
				b.signIn("walt", "")
				p.mark()
				b.post("/profile/tokens", url.Values{"name": {"script"}})
			}},
		},
		"POST /profile/tokens/:id/revoke": {
			{name: "revoke", action: audit.UserUpdate, do: func(p *portal) {
				b := p.browser()
				b.signIn("walt", "")
				b.post("/profile/tokens", url.Values{"name": {"script"}})
				toks, _ := p.db.ListAPITokens(context.Background(), mustID(p, "walt"))
				p.mark()
				b.post("/profile/tokens/"+itoa(toks[0].ID)+"/revoke", nil)
			}},
		},
		"POST /admin/users": {
			{name: "wrong code", action: audit.AuthTOTPFailed, do: func(p *portal) {
				b := p.adminBrowser()
				p.mark()
				b.post("/admin/users", url.Values{"username": {"nina"}, "role": {"viewer"}, "mode": {"invite"}, "code": {"000000"}})
			}},
			{name: "viewer refused", action: audit.AccessDenied, do: func(p *portal) {
				b := p.browser()
				b.signIn("walt", "")
				p.mark()
				b.post("/admin/users", url.Values{"username": {"nina"}, "role": {"viewer"}})
			}},
		},
		"POST /admin/users/:id": {
			{name: "display name", action: audit.UserUpdate, do: func(p *portal) {
				b := p.adminBrowser()
				p.mark()
				b.post("/admin/users/"+p.userID("walt"), b.withCode(url.Values{"display_name": {"Walt W."}, "role": {"viewer"}}))
			}},
			{name: "missing code", action: audit.AuthTOTPFailed, do: func(p *portal) {
				b := p.adminBrowser()
				p.mark()
				b.post("/admin/users/"+p.userID("walt"), url.Values{"display_name": {"Walt W."}, "role": {"viewer"}})
			}},
		},
		"POST /admin/users/:id/disable": {
			{name: "disable", action: audit.UserDisable, do: func(p *portal) {
				b := p.adminBrowser()
				p.mark()
				b.post("/admin/users/"+p.userID("walt")+"/disable", b.withCode(nil))
			}},
		},
		"POST /admin/users/:id/enable": {
			{name: "enable", action: audit.UserUpdate, do: func(p *portal) {
				b := p.adminBrowser()
				b.post("/admin/users/"+p.userID("walt")+"/disable", b.withCode(nil))
				p.mark()
				b.post("/admin/users/"+p.userID("walt")+"/enable", nil) // within the step-up window
			}},
		},
		"POST /admin/users/:id/password": {
			{name: "set", action: audit.UserUpdate, do: func(p *portal) {
				b := p.adminBrowser()
				p.mark()
				b.post("/admin/users/"+p.userID("walt")+"/password", b.withCode(url.Values{"password": {"a brand new passphrase"}}))
			}},
		},
		"POST /admin/users/:id/invite": {
			{name: "link", action: audit.UserUpdate, do: func(p *portal) {
				b := p.adminBrowser()
				p.mark()
				b.post("/admin/users/"+p.userID("walt")+"/invite", b.withCode(nil))
			}},
		},
		"POST /admin/users/:id/totp/reset": {
			{name: "reset", action: audit.UserUpdate, do: func(p *portal) {
				b := p.adminBrowser()
				p.mark()
				b.post("/admin/users/"+p.userID("fiona")+"/totp/reset", b.withCode(nil))
			}},
		},
		"POST /admin/users/:id/sessions/end": {
			{name: "end", action: audit.UserUpdate, do: func(p *portal) {
				w := p.browser()
				w.signIn("walt", "")
				b := p.adminBrowser()
				id := otherSession(p, b.get("/admin/users/"+p.userID("walt")))
				p.mark()
				b.post("/admin/users/"+p.userID("walt")+"/sessions/end", b.withCode(url.Values{"session_id": {id}}))
			}},
		},
		"POST /admin/users/:id/sessions/end-all": {
			{name: "end all", action: audit.UserUpdate, do: func(p *portal) {
				p.browser().signIn("walt", "")
				b := p.adminBrowser()
				p.mark()
				b.post("/admin/users/"+p.userID("walt")+"/sessions/end-all", b.withCode(nil))
			}},
		},
		"POST /admin/upstream": {
			{name: "create", action: audit.UpstreamAccountCreate, do: func(p *portal) {
				b := p.adminBrowser()
				p.mark()
				b.post("/admin/upstream", b.withCode(upstreamForm("https://bss.example.com", "sk-create-secret")))
			}},
		},
		"POST /admin/upstream/:id": {
			{name: "update", action: audit.UpstreamAccountUpdate, do: func(p *portal) {
				b := p.adminBrowser()
				id := p.newUpstream(b, "https://bss.example.com")
				p.mark()
				f := upstreamForm("https://bss2.example.com", "")
				b.post("/admin/upstream/"+id, f)
			}},
		},
		"POST /admin/upstream/:id/delete": {
			{name: "delete", action: audit.UpstreamAccountDelete, do: func(p *portal) {
				b := p.adminBrowser()
				id := p.newUpstream(b, "https://bss.example.com")
				p.mark()
				b.post("/admin/upstream/"+id+"/delete", nil)
			}},
		},
		"POST /admin/upstream/:id/test": {
			{name: "test", action: audit.UpstreamAccountTest, do: func(p *portal) {
				b := p.adminBrowser()
				id := p.newUpstream(b, startSandbox(p.t))
				p.mark()
				b.post("/admin/upstream/"+id+"/test", nil)
			}},
		},
		"POST /admin/settings/:section": {
			{name: "sessions", action: audit.SettingsUpdate, do: func(p *portal) {
				b := p.adminBrowser()
				p.mark()
				b.post("/admin/settings/sessions", b.withCode(url.Values{"idle_timeout": {"45"}, "absolute_timeout": {"600"}}))
			}},
		},
		"POST /admin/settings/:section/test": {
			{name: "webhook", action: audit.SettingsTest, do: func(p *portal) {
				hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
				p.t.Cleanup(hook.Close)
				b := p.adminBrowser()
				b.post("/admin/settings/webhook", b.withCode(url.Values{"url": {hook.URL + "/hook"}, "secret": {"hook-signing-secret"}}))
				p.mark()
				b.post("/admin/settings/webhook/test", nil)
			}},
		},
	}
}

func mustID(p *portal, name string) int64 {
	u, err := p.db.UserByUsername(context.Background(), name)
	if err != nil {
		p.t.Fatal(err)
	}
	return u.ID
}

// otherSession returns the id of a listed session that is not the page's own.
func otherSession(p *portal, page response) string {
	p.t.Helper()
	var id string
	page.doc(p.t).Find(`[data-testid="session-row"] input[name="session_id"]`).Each(func(_ int, s *goquery.Selection) {
		if id == "" {
			id, _ = s.Attr("value")
		}
	})
	if id == "" {
		p.t.Fatalf("no other session listed: %d", page.status)
	}
	return id
}

func upstreamForm(endpoint, sk string) url.Values {
	opts := sandbox.DefaultOptions()
	f := url.Values{"name": {"Master"}, "kind": {"master"}, "endpoint": {endpoint}, "ak": {opts.AK}, "domain_id": {opts.DomainID},
		"generation": {"v2"}, "enabled": {"on"}}
	if sk != "" {
		f.Set("sk", sk)
	}
	return f
}

// newUpstream creates an upstream account with the sandbox's credentials through the page.
func (p *portal) newUpstream(b *browser, endpoint string) string {
	p.t.Helper()
	r := b.post("/admin/upstream", b.withCode(upstreamForm(endpoint, sandbox.DefaultOptions().SK)))
	if r.status != http.StatusSeeOther {
		p.t.Fatalf("create upstream: %d %s", r.status, r.body)
	}
	return strings.TrimPrefix(r.location, "/admin/upstream/")
}

func startSandbox(t *testing.T) string {
	running, err := sandbox.Start(context.Background(), "127.0.0.1:0", sandbox.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { running.Close() })
	return running.URL()
}

// TestAdminUserFlows: an admin creates a user, changes roles and scopes, disables (the
// user's next request is signed out), resets the second factor and ends sessions; every
// change needs a step-up, and a wrong or missing code is refused and audited.
func TestAdminUserFlows(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := newPortal(t, db, nil)
		ctx := context.Background()
		b := p.adminBrowser()
		if r := b.get("/admin/users"); r.status != http.StatusOK || !r.has(t, "users-table") {
			t.Fatalf("users page: %d", r.status)
		}

		// Missing and wrong codes: refused, input kept, audited.
		form := url.Values{"username": {"nina"}, "display_name": {"Nina"}, "role": {"finance"}, "mode": {"password"}, "password": {"a long passphrase ok"}}
		before := len(p.events(audit.AuthTOTPFailed))
		r := b.post("/admin/users", form)
		if r.status != http.StatusUnprocessableEntity || !r.has(t, "stepup-error") {
			t.Fatalf("missing code: %d", r.status)
		}
		if v, _ := r.doc(t).Find(`[data-testid="user-username"]`).Attr("value"); v != "nina" {
			t.Fatalf("input not kept: %q", v)
		}
		f2 := url.Values{}
		for k, v := range form {
			f2[k] = v
		}
		f2.Set("code", "000000")
		if r := b.post("/admin/users", f2); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("wrong code: %d", r.status)
		}
		if n := len(p.events(audit.AuthTOTPFailed)); n != before+2 {
			t.Fatalf("refused step-ups audited %d times, want 2", n-before)
		}
		if _, err := db.UserByUsername(ctx, "nina"); err == nil {
			t.Fatal("user created without a step-up")
		}

		// Policy errors are translated; then the right code creates the user.
		weak := b.withCode(url.Values{"username": {"nina"}, "role": {"finance"}, "mode": {"password"}, "password": {"password12"}})
		if r := b.post("/admin/users", weak); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.testid(t, "error-password"), "common") {
			t.Fatalf("common password: %d %q", r.status, r.testid(t, "error-password"))
		}
		r = b.post("/admin/users", url.Values{"username": {"nina"}, "display_name": {"Nina"}, "role": {"finance"}, "mode": {"password"}, "password": {"a long passphrase ok"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("create within the step-up window: %d", r.status)
		}
		id := strings.TrimPrefix(r.location, "/admin/users/")
		nina := p.browser()
		if r := nina.post("/login", url.Values{"username": {"nina"}, "password": {"a long passphrase ok"}}); r.location != "/" {
			t.Fatalf("new user sign-in: %q", r.location)
		}
		if r := nina.get("/operations"); r.status != http.StatusOK {
			t.Fatalf("finance user on /operations: %d", r.status)
		}

		// Roles and scopes change on the next request.
		r = b.post("/admin/users/"+id, b.withCode(url.Values{"display_name": {"Nina N."}, "role": {"viewer"}, "scope": {"org-east"}}))
		if r.status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", r.status, r.body)
		}
		u, _ := db.UserByUsername(ctx, "nina")
		if !slices.Equal(u.Roles, []string{"viewer"}) || !slices.Equal(u.Scopes, []string{"org-east"}) || u.DisplayName != "Nina N." {
			t.Fatalf("saved: %+v", u)
		}
		if r := nina.get("/operations/new?kind=transfer_funds"); r.status != http.StatusForbidden {
			t.Fatalf("role removal not immediate: %d", r.status)
		}
		if len(p.events(audit.RoleRevoke)) == 0 || len(p.events(audit.RoleGrant)) == 0 {
			t.Fatal("role changes not audited")
		}

		// Sessions: listed, ended by the admin.
		page := b.get("/admin/users/" + id)
		if page.doc(t).Find(`[data-testid="session-row"]`).Length() != 1 {
			t.Fatalf("sessions listed: %d", page.doc(t).Find(`[data-testid="session-row"]`).Length())
		}
		if r := b.post("/admin/users/"+id+"/sessions/end-all", b.withCode(nil)); r.status != http.StatusSeeOther {
			t.Fatalf("end all: %d", r.status)
		}
		if r := nina.get("/"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
			t.Fatalf("ended session still works: %d", r.status)
		}

		// Disable: the next request is signed out, and sign-in is refused.
		nina.post("/login", url.Values{"username": {"nina"}, "password": {"a long passphrase ok"}})
		if r := b.post("/admin/users/"+id+"/disable", b.withCode(nil)); r.status != http.StatusSeeOther {
			t.Fatalf("disable: %d", r.status)
		}
		if r := nina.get("/"); r.status != http.StatusSeeOther {
			t.Fatalf("disabled user's request: %d", r.status)
		}
		if r := b.get("/admin/users"); !strings.Contains(r.body, "Disabled") {
			t.Fatal("list does not show the disabled status")
		}
		if r := b.post("/admin/users/"+id+"/enable", b.withCode(nil)); r.status != http.StatusSeeOther {
			t.Fatalf("enable: %d", r.status)
		}
		// An admin cannot disable themself.
		if r := b.post("/admin/users/"+p.userID("ada")+"/disable", b.withCode(nil)); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("self-disable: %d", r.status)
		}

		// Reset of the second factor: the user must enrol again.
		p.addUser("abe", testSecret, "approver")
		if r := b.post("/admin/users/"+p.userID("abe")+"/totp/reset", b.withCode(nil)); r.status != http.StatusSeeOther {
			t.Fatalf("reset: %d", r.status)
		}
		abe := p.browser()
		if r := abe.post("/login", url.Values{"username": {"abe"}, "password": {testPassword}}); r.location != "/profile/totp" {
			t.Fatalf("after reset: %q", r.location)
		}

		// An invitation link works once.
		r = b.post("/admin/users", b.withCode(url.Values{"username": {"ivan"}, "role": {"viewer"}, "mode": {"invite"}}))
		link := r.testid(t, "invite-link")
		if r.status != http.StatusOK || !strings.Contains(link, "/invite/") {
			t.Fatalf("invitation: %d %q", r.status, link)
		}
		path := link[strings.Index(link, "/invite/"):]
		p.secret(strings.TrimPrefix(path, "/invite/"))
		anon := p.browser()
		if r := anon.post(path, url.Values{"password": {"short"}, "password2": {"short"}}); r.status != http.StatusUnprocessableEntity || r.testid(t, "invite-error") == "" {
			t.Fatalf("short password: %d", r.status)
		}
		if r := anon.post(path, url.Values{"password": {"a sturdy passphrase here"}, "password2": {"a sturdy passphrase here"}}); r.location != "/login?m=password_set" {
			t.Fatalf("accept: %d %q", r.status, r.location)
		}
		if r := anon.post(path, url.Values{"password": {"a sturdy passphrase here"}, "password2": {"a sturdy passphrase here"}}); r.status != http.StatusNotFound {
			t.Fatalf("second use: %d", r.status)
		}
	})
}

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

// TestUpstreamSecretRoundTrip: the SK is stored encrypted, used for the connection test
// and never rendered; an empty SK on edit keeps it.
func TestUpstreamSecretRoundTrip(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testkit.SQLite(t), nil)
	b := p.adminBrowser()
	sk := sandbox.DefaultOptions().SK
	id := p.newUpstream(b, startSandbox(t))
	row, err := p.db.UpstreamAccountByID(context.Background(), mustID64(t, id))
	if err != nil || row.SK == "" || strings.Contains(row.SK, sk) {
		t.Fatalf("stored SK not sealed: %v", err)
	}
	test := b.post("/admin/upstream/"+id+"/test", nil)
	if test.status != http.StatusOK || !strings.Contains(test.testid(t, "test-result"), "Connected") {
		t.Fatalf("test connection: %d %q", test.status, test.testid(t, "test-result"))
	}
	// Edit without an SK keeps it: the test still connects.
	if r := b.post("/admin/upstream/"+id, upstreamForm(startSandbox(t), "")); r.status != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", r.status, r.body)
	}
	test = b.post("/admin/upstream/"+id+"/test", nil)
	if !strings.Contains(test.testid(t, "test-result"), "Connected") {
		t.Fatalf("after edit: %q", test.testid(t, "test-result"))
	}
	// A wrong SK: the result names the upstream's refusal.
	b.post("/admin/upstream/"+id, upstreamForm(startSandbox(t), "wrong-secret-key"))
	test = b.post("/admin/upstream/"+id+"/test", nil)
	if test.doc(t).Find(`[data-testid="test-result"].error`).Length() != 1 {
		t.Fatalf("wrong SK: %q", test.testid(t, "test-result"))
	}
	for _, path := range []string{"/admin/upstream", "/admin/upstream/" + id} {
		if page := b.get(path); strings.Contains(page.body, sk) || strings.Contains(page.body, "wrong-secret-key") {
			t.Fatalf("%s renders the SK", path)
		}
	}
	if strings.Contains(test.body, sk) {
		t.Fatal("the test result renders the SK")
	}
}

func mustID64(t *testing.T, s string) int64 {
	var n int64
	if err := json.Unmarshal([]byte(s), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

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

// TestOpenAPIMatchesRoutes: every registered /api/v1 route is documented, and nothing
// else is.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testkit.SQLite(t), nil)
	r := p.browser().get("/api/v1/openapi.json")
	if r.status != http.StatusOK {
		t.Fatalf("openapi: %d", r.status)
	}
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("not an OpenAPI 3 document: %v", err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	registered := map[string]bool{}
	for _, rt := range p.srv.Routes() {
		if !strings.HasPrefix(rt.Path, "/api/v1/") {
			continue
		}
		parts := strings.Split(rt.Path, "/")
		for i, s := range parts {
			if strings.HasPrefix(s, ":") {
				parts[i] = "{" + s[1:] + "}"
			}
		}
		key := rt.Method + " " + strings.Join(parts, "/")
		registered[key] = true
		if !documented[key] {
			t.Errorf("%s is registered but not in openapi.json", key)
		}
	}
	for key := range documented {
		if !registered[key] {
			t.Errorf("%s is in openapi.json but not registered", key)
		}
	}
}
