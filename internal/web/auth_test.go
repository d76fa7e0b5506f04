package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/audit"
	"github.com/purser-finance/purser/internal/auth"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

func systemMeta() audit.Meta { return audit.System("test") }

// TestSignIn covers the whole sign-in life cycle on both databases.
func TestSignIn(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := newPortal(t, db, nil)
		p.addUser("fiona", testSecret, "finance")
		p.addUser("walt", "", "viewer")

		t.Run("anonymous is sent to sign-in and comes back", func(t *testing.T) {
			b := p.browser()
			r := b.get("/operations")
			if r.status != http.StatusSeeOther || r.location != "/login?next=%2Foperations" {
				t.Fatalf("got %d %q", r.status, r.location)
			}
			r = b.post("/login", url.Values{"username": {"fiona"}, "password": {testPassword}, "next": {"/operations"}})
			if !strings.HasPrefix(r.location, "/login/totp?next=%2Foperations") {
				t.Fatalf("password step went to %q", r.location)
			}
			r = b.post("/login/totp", url.Values{"code": {b.code(testSecret)}, "next": {"/operations"}})
			if r.status != http.StatusSeeOther || r.location != "/operations" {
				t.Fatalf("code step: %d %q", r.status, r.location)
			}
		})

		t.Run("next never leaves the site", func(t *testing.T) {
			b := p.browser()
			r := b.post("/login", url.Values{"username": {"walt"}, "password": {testPassword}, "next": {"//evil.example/x"}})
			if r.location != "/" {
				t.Fatalf("redirected to %q", r.location)
			}
		})

		t.Run("wrong password keeps the user name and says nothing about existence", func(t *testing.T) {
			b := p.browser()
			known := b.post("/login", url.Values{"username": {"fiona"}, "password": {"wrong password!"}})
			unknown := b.post("/login", url.Values{"username": {"nobody"}, "password": {"wrong password!"}})
			if known.status != http.StatusUnauthorized || unknown.status != http.StatusUnauthorized {
				t.Fatalf("status %d / %d", known.status, unknown.status)
			}
			if known.testid(t, "login-error") != unknown.testid(t, "login-error") || known.testid(t, "login-error") == "" {
				t.Fatalf("messages differ: %q vs %q", known.testid(t, "login-error"), unknown.testid(t, "login-error"))
			}
			if v, _ := known.doc(t).Find("#username").Attr("value"); v != "fiona" {
				t.Fatalf("user name not kept: %q", v)
			}
			if strings.Contains(known.body, "wrong password!") {
				t.Fatal("the password must never be echoed")
			}
			evs := p.events(audit.AuthLoginFailed)
			if len(evs) < 2 || evs[len(evs)-1].Outcome != "failure" || evs[len(evs)-1].IP == "" || evs[len(evs)-1].RequestID == "" {
				t.Fatalf("login failures not audited with ip and request id: %+v", evs)
			}
			if strings.Contains(string(evs[len(evs)-1].Details), "wrong password!") {
				t.Fatal("password leaked into the audit trail")
			}
		})

		t.Run("empty form is refused with a reason", func(t *testing.T) {
			r := p.browser().post("/login", url.Values{"username": {"fiona"}})
			if r.status != http.StatusBadRequest || r.testid(t, "login-error") == "" {
				t.Fatalf("status %d", r.status)
			}
		})

		t.Run("second factor required and checked", func(t *testing.T) {
			b := p.browser()
			b.post("/login", url.Values{"username": {"fiona"}, "password": {testPassword}})
			// Half signed in: no page but the code form.
			if r := b.get("/"); r.status != http.StatusSeeOther || r.location != "/login/totp" {
				t.Fatalf("half-signed-in user reached / : %d %q", r.status, r.location)
			}
			r := b.post("/login/totp", url.Values{"code": {"000000"}})
			if r.status != http.StatusUnauthorized || r.testid(t, "totp-error") == "" {
				t.Fatalf("wrong code: %d", r.status)
			}
			if n := len(p.events(audit.AuthTOTPFailed)); n == 0 {
				t.Fatal("wrong code not audited")
			}
			r = b.post("/login/totp", url.Values{"code": {b.code(testSecret)}})
			if r.status != http.StatusSeeOther || r.location != "/" {
				t.Fatalf("right code: %d %q", r.status, r.location)
			}
		})

		t.Run("code step times out", func(t *testing.T) {
			b := p.browser()
			b.post("/login", url.Values{"username": {"fiona"}, "password": {testPassword}})
			p.clock.Advance(6 * time.Minute)
			defer p.clock.Advance(-6 * time.Minute)
			// Not b.code: this code is refused, and the clock goes back after it, so it
			// must not count as used (b.code would wait for a step after it).
			late, _ := auth.Code(testSecret, p.clock.Now())
			r := b.post("/login/totp", url.Values{"code": {late}})
			if r.status != http.StatusSeeOther || r.location != "/login?m=expired" {
				t.Fatalf("late code accepted: %d %q", r.status, r.location)
			}
		})

		t.Run("session id rotates at each step", func(t *testing.T) {
			b := p.browser()
			b.get("/login")
			b.post("/login", url.Values{"username": {"fiona"}, "password": {testPassword}})
			afterPassword := b.cookie()
			b.post("/login/totp", url.Values{"code": {b.code(testSecret)}})
			afterCode := b.cookie()
			if afterPassword == "" || afterCode == "" || afterPassword == afterCode {
				t.Fatalf("session not rotated: %q → %q", afterPassword, afterCode)
			}
			// The pre-code session is dead: replaying it gets nowhere.
			replay := p.browser()
			replay.setCookie(afterPassword)
			if r := replay.get("/"); r.status != http.StatusSeeOther || r.location != "/login" {
				t.Fatalf("old session still works: %d %q", r.status, r.location)
			}
		})

		t.Run("logout kills the session on the server", func(t *testing.T) {
			b := p.browser()
			b.signIn("walt", "")
			stolen := b.cookie()
			r := b.post("/logout", nil)
			if r.status != http.StatusSeeOther || r.location != "/login?m=signed_out" {
				t.Fatalf("logout: %d %q", r.status, r.location)
			}
			if b.cookie() != "" {
				t.Fatal("cookie not cleared")
			}
			thief := p.browser()
			thief.setCookie(stolen)
			if r := thief.get("/"); r.status != http.StatusSeeOther {
				t.Fatalf("copied cookie works after logout: %d", r.status)
			}
			if len(p.events(audit.AuthLogout)) == 0 {
				t.Fatal("logout not audited")
			}
		})

		t.Run("idle timeout", func(t *testing.T) {
			b := p.browser()
			b.signIn("walt", "")
			p.clock.Advance(29 * time.Minute)
			if r := b.get("/"); r.status != http.StatusOK {
				t.Fatalf("active session ended early: %d", r.status)
			}
			p.clock.Advance(29 * time.Minute) // 29 min since the last request: still fine
			if r := b.get("/"); r.status != http.StatusOK {
				t.Fatalf("session ended though used %d", r.status)
			}
			p.clock.Advance(31 * time.Minute)
			if r := b.get("/"); r.status != http.StatusSeeOther {
				t.Fatalf("idle session still alive: %d", r.status)
			}
		})

		t.Run("absolute timeout", func(t *testing.T) {
			b := p.browser()
			b.signIn("walt", "")
			for range 25 { // 25 × 29 min > 12 h, never idle
				p.clock.Advance(29 * time.Minute)
				if r := b.get("/"); r.status != http.StatusOK {
					if p.clock.Now().Sub(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)) < 12*time.Hour {
						t.Fatalf("session ended before 12 h: %d", r.status)
					}
					return
				}
			}
			t.Fatal("session outlived the absolute timeout")
		})

		t.Run("disabled user is kicked out at once", func(t *testing.T) {
			p.addUser("dora", "", "viewer")
			b := p.browser()
			b.signIn("dora", "")
			if err := p.users.SetDisabled(context.Background(), "dora", true, systemMeta()); err != nil {
				t.Fatal(err)
			}
			if r := b.get("/"); r.status != http.StatusSeeOther || r.location != "/login" {
				t.Fatalf("disabled user still served: %d %q", r.status, r.location)
			}
			r := b.post("/login", url.Values{"username": {"dora"}, "password": {testPassword}})
			if r.status != http.StatusUnauthorized {
				t.Fatalf("disabled user signed in: %d", r.status)
			}
		})
	})
}

// TestLockout: repeated failures lock the user name (existing or not) and the address.
func TestLockout(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := newPortal(t, db, map[string]string{"PORTAL_LOGIN_MAX_FAILURES": "3", "PORTAL_LOGIN_LOCKOUT": "10m"})
		p.addUser("fiona", "", "finance")
		for _, name := range []string{"fiona", "ghost"} {
			b := p.browser()
			for i := range 3 {
				r := b.post("/login", url.Values{"username": {name}, "password": {"nope nope nope"}})
				want := http.StatusUnauthorized
				if i == 2 {
					want = http.StatusTooManyRequests // the failure that locks says so
				}
				if r.status != want {
					t.Fatalf("%s attempt %d: %d", name, i, r.status)
				}
			}
			r := b.post("/login", url.Values{"username": {name}, "password": {testPassword}})
			if r.status != http.StatusTooManyRequests || r.testid(t, "login-error") == "" {
				t.Fatalf("%s: locked account accepted or unclear: %d", name, r.status)
			}
			if name == "fiona" {
				p.clock.Advance(11 * time.Minute)
				// The address counter was also at its limit; both expire together.
				b.signIn("fiona", "")
			}
		}
	})
}

// TestEnrolmentRequiredForApprovers: an approver without a second factor can do nothing
// but enrol, and is signed in once the code matches.
func TestEnrolmentRequiredForApprovers(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		p := newPortal(t, db, nil)
		p.addUser("arthur", "", "approver")
		b := p.browser()
		r := b.post("/login", url.Values{"username": {"arthur"}, "password": {testPassword}})
		if r.location != "/profile/totp" {
			t.Fatalf("went to %q", r.location)
		}
		if r := b.get("/approvals"); r.status != http.StatusSeeOther || r.location != "/profile/totp" {
			t.Fatalf("unenrolled approver reached approvals: %d %q", r.status, r.location)
		}
		page := b.get("/profile/totp")
		secret := page.testid(t, "enrol-secret")
		if page.status != http.StatusOK || len(secret) < 16 || !page.has(t, "enrol-qr") {
			t.Fatalf("enrolment page: %d secret %q", page.status, secret)
		}
		if again := b.get("/profile/totp"); again.testid(t, "enrol-secret") != secret {
			t.Fatal("the pending secret must survive a reload")
		}
		bad := b.post("/profile/totp", url.Values{"code": {"123456"}})
		if bad.status != http.StatusUnprocessableEntity || bad.testid(t, "enrol-error") == "" || bad.testid(t, "enrol-secret") != secret {
			t.Fatalf("wrong code: %d", bad.status)
		}
		// The answer shows the recovery codes, once, and leads on to the dashboard.
		ok := b.post("/profile/totp", url.Values{"code": {b.code(secret)}})
		if ok.status != http.StatusOK || ok.doc(t).Find(`[data-testid="recovery-code"]`).Length() != 10 ||
			ok.doc(t).Find(`a[data-testid="one-time-continue"]`).AttrOr("href", "") != "/" {
			t.Fatalf("enrol: %d %q", ok.status, ok.location)
		}
		if r := b.get("/approvals"); r.status != http.StatusOK {
			t.Fatalf("approvals after enrolment: %d", r.status)
		}
		u, _ := db.UserByUsername(context.Background(), "arthur")
		if u.TOTPSecret == "" || strings.Contains(u.TOTPSecret, secret) {
			t.Fatal("secret must be stored, and only encrypted")
		}
		// From now on the code is asked at sign-in.
		b2 := p.browser()
		b2.signIn("arthur", secret)
	})
}
