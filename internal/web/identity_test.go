package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
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
