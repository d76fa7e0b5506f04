package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/purser-finance/purser/internal/testkit"
)

// TestUserEmails: admins set users' addresses (created, edited, listed), a bad address
// brings the form back with the input and a translated reason in both languages, and a
// user changes their own address, with a step-up when they have a second factor.
func TestUserEmails(t *testing.T) {
	t.Parallel()
	p := newPortal(t, testkit.SQLite(t), nil)
	p.addUser("fiona", testSecret, "finance")
	p.addUser("walt", "", "viewer")
	b := p.adminBrowser()
	ctx := context.Background()

	// Create: a bad address keeps every input.
	r := b.post("/admin/users", b.withCode(url.Values{"username": {"nina"}, "display_name": {"Nina N."}, "email": {"Nina <nina@example.com>"},
		"role": {"viewer"}, "mode": {"password"}, "password": {"a sturdy passphrase here"}}))
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.testid(t, "error-email"), "ada@example.com") {
		t.Fatalf("bad address: %d %q", r.status, r.testid(t, "error-email"))
	}
	if v, _ := r.doc(t).Find(`[data-testid="user-email"]`).Attr("value"); v != "Nina <nina@example.com>" {
		t.Fatalf("address not kept: %q", v)
	}
	if v, _ := r.doc(t).Find(`[data-testid="user-display-name"]`).Attr("value"); v != "Nina N." {
		t.Fatalf("display name not kept: %q", v)
	}
	if _, err := p.db.UserByUsername(ctx, "nina"); err == nil {
		t.Fatal("user created despite the bad address")
	}
	b.lang = "zh-CN"
	r = b.post("/admin/users", b.withCode(url.Values{"username": {"nina"}, "email": {"nina@"}, "role": {"viewer"}, "mode": {"invite"}}))
	if !strings.Contains(r.testid(t, "error-email"), "电子邮箱") {
		t.Fatalf("zh reason: %q", r.testid(t, "error-email"))
	}
	b.lang = ""
	r = b.post("/admin/users", b.withCode(url.Values{"username": {"nina"}, "email": {" nina@Example.COM "}, "role": {"viewer"}, "mode": {"invite"}}))
	p.secret(r.testid(t, "invite-link")[strings.Index(r.testid(t, "invite-link"), "/invite/")+8:])
	if u, err := p.db.UserByUsername(ctx, "nina"); err != nil || u.Email != "nina@example.com" {
		t.Fatalf("invited user: %+v %v", u, err)
	}

	// Edit: a bad address changes nothing (not even the display name) and is kept.
	id := p.userID("walt")
	r = b.post("/admin/users/"+id, b.withCode(url.Values{"display_name": {"Walt W."}, "email": {"walt@@example.com"}, "role": {"viewer"}}))
	if r.status != http.StatusUnprocessableEntity || r.testid(t, "error-email") == "" {
		t.Fatalf("edit with bad address: %d", r.status)
	}
	if v, _ := r.doc(t).Find(`[data-testid="user-email"]`).Attr("value"); v != "walt@@example.com" {
		t.Fatalf("address not kept: %q", v)
	}
	if u, _ := p.db.UserByUsername(ctx, "walt"); u.DisplayName == "Walt W." {
		t.Fatal("display name saved although the address was refused")
	}
	p.mark()
	if r = b.post("/admin/users/"+id, b.withCode(url.Values{"display_name": {""}, "email": {"walt@example.com"}, "role": {"viewer"}})); r.status != http.StatusSeeOther {
		t.Fatalf("edit: %d", r.status)
	}
	evs := p.since()
	if len(evs) != 1 || !strings.Contains(string(evs[0].Details), `"after":{"email":"walt@example.com"}`) {
		t.Fatalf("audit of the change: %+v", evs)
	}
	list := b.get("/admin/users")
	if got := list.doc(t).Find(`[data-username="walt"] [data-testid="user-email"]`).Text(); got != "walt@example.com" {
		t.Fatalf("list shows %q", got)
	}

	// Own address without a second factor: no code needed; an empty one removes it.
	w := p.browser()
	w.signIn("walt", "")
	if v, _ := w.get("/profile").doc(t).Find(`[data-testid="profile-email"]`).Attr("value"); v != "walt@example.com" {
		t.Fatalf("profile shows %q", v)
	}
	if r := w.post("/profile/email", url.Values{"email": {""}}); r.status != http.StatusSeeOther {
		t.Fatalf("clear own address: %d", r.status)
	}
	if u, _ := p.db.UserByUsername(ctx, "walt"); u.Email != "" {
		t.Fatalf("email = %q", u.Email)
	}
	if w.get("/admin/users").status != http.StatusForbidden {
		t.Fatal("a viewer sees the user list (and others' addresses)")
	}

	// With a second factor: a code is needed, and a bad address is refused before it.
	f := p.browser()
	f.signIn("fiona", testSecret)
	if f.get("/profile").doc(t).Find(`[data-testid="email-code"]`).Length() != 1 {
		t.Fatal("no step-up field for a user with a second factor")
	}
	r = f.post("/profile/email", url.Values{"email": {"fiona@example.com"}})
	if r.status != http.StatusUnprocessableEntity || r.testid(t, "stepup-error") == "" {
		t.Fatalf("without code: %d", r.status)
	}
	if v, _ := r.doc(t).Find(`[data-testid="profile-email"]`).Attr("value"); v != "fiona@example.com" {
		t.Fatalf("address not kept: %q", v)
	}
	if r := f.post("/profile/email", url.Values{"email": {"fiona"}}); r.status != http.StatusUnprocessableEntity || r.testid(t, "email-error") == "" {
		t.Fatalf("bad own address: %d", r.status)
	}
	if r := f.post("/profile/email", url.Values{"email": {"fiona@example.com"}, "code": {f.code(testSecret)}}); r.status != http.StatusSeeOther {
		t.Fatalf("with code: %d %s", r.status, r.testid(t, "email-error"))
	}
	u, _ := p.db.UserByUsername(ctx, "fiona")
	if u.Email != "fiona@example.com" {
		t.Fatalf("email = %q", u.Email)
	}
}
