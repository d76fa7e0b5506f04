package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserAdminCreatesUserWhoEnrols: the admin signs in with a second factor, creates
// an approver with an initial password, signs out; the new user signs in, is taken to
// the second-factor enrolment (approvers must enrol), enrols with the secret shown beside
// the QR code, is shown the recovery codes once and reaches the dashboard. With
// PORTAL_TEST_SCREENSHOT_DIR=dir it leaves PNGs of the users list, the user's page and the
// profile there.
func TestBrowserAdminCreatesUserWhoEnrols(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	base := startMigratedPortal(t)
	// Room for waiting once for the next 30-second code (a code works once).
	ctx := newBrowser(t, 150*time.Second)
	console := watchConsole(ctx)
	shots := os.Getenv("PORTAL_TEST_SCREENSHOT_DIR")
	shot := func(name string) {
		if shots == "" {
			return
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		must(t, "screenshot", err)
		must(t, "write screenshot", os.WriteFile(filepath.Join(shots, name), png, 0o644))
	}
	signIn := func(user, password string) {
		must(t, "open /login", chromedp.Do(ctx, chromedp.Navigate(base+"/login")))
		waitVisible(t, ctx, "sign-in page", "[data-testid=login-page]")
		must(t, "type credentials", chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.ID("username"), user), chromedp.SendKeys(chromedp.ID("password"), password)))
		clickAndLoad(t, ctx, chromedp.CSS("[data-testid=login-submit]"))
	}

	// The admin signs in with the demo second factor.
	signIn("admin", demoPassword)
	waitVisible(t, ctx, "TOTP page", "[data-testid=totp-page]")
	must(t, "type the code", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("code"), freshCode(t, base, "admin", demoTOTPSecret))))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=totp-submit]"))
	waitVisible(t, ctx, "dashboard", "[data-testid=dashboard-heading]")

	// A new approver with an initial password, confirmed with a fresh code.
	must(t, "open the new-user form", chromedp.Do(ctx, chromedp.Navigate(base+"/admin/users/new")))
	waitVisible(t, ctx, "new-user form", "[data-testid=user-form]")
	must(t, "fill the form", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("[data-testid=user-username]"), "newbie"),
		chromedp.SendKeys(chromedp.CSS("[data-testid=user-display-name]"), "New Approver"),
		chromedp.Click(chromedp.CSS("[data-testid=role-viewer]")),
		chromedp.Click(chromedp.CSS("[data-testid=role-approver]")),
		chromedp.Click(chromedp.CSS("[data-testid=mode-password]")),
		chromedp.SendKeys(chromedp.CSS("[data-testid=user-password]"), "a long passphrase for me"),
		chromedp.SendKeys(chromedp.CSS("[data-testid=user-code]"), freshCode(t, base, "admin", demoTOTPSecret)),
	))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=user-create]"))
	waitVisible(t, ctx, "the new user's page", "[data-testid=user-heading]")
	if h := text(t, ctx, "[data-testid=user-heading]"); h != "newbie" {
		t.Fatalf("user page of %q", h)
	}
	shot("purser-admin-user-edit.png")
	must(t, "open the users list", chromedp.Do(ctx, chromedp.Navigate(base+"/admin/users")))
	waitVisible(t, ctx, "users list", "[data-testid=users-table]")
	if roles := text(t, ctx, "[data-username=newbie] [data-testid=user-roles]"); !strings.Contains(roles, "Approver") {
		t.Fatalf("listed roles %q", roles)
	}
	shot("purser-admin-users.png")
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=logout]"))
	waitVisible(t, ctx, "signed out", "[data-testid=login-page]")

	// The approver must enrol before anything else. The QR code beside the secret loads,
	// and the page reports no error (a refused image, a CSP violation) on its console.
	console.reset()
	signIn("newbie", "a long passphrase for me")
	waitVisible(t, ctx, "enrolment", "[data-testid=enrol-page]")
	if w := imageWidth(t, ctx, "img[data-testid=enrol-qr]"); w == 0 {
		src, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("img[data-testid=enrol-qr]").src`))
		t.Errorf("the QR code did not load (src %q)", src)
	}
	if errs := console.list(); len(errs) > 0 {
		t.Errorf("console errors on the enrolment page: %q", errs)
	}
	if l := location(t, ctx); !strings.HasSuffix(l, "/profile/totp") {
		t.Fatalf("after the password: %s", l)
	}
	secret := text(t, ctx, "[data-testid=enrol-secret]")
	if n := count(t, ctx, "[data-testid=enrol-qr]"); n != 1 || len(secret) < 16 {
		t.Fatalf("QR %d, secret %q", n, secret)
	}
	must(t, "type the first code", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("code"), freshCode(t, base, "newbie", secret))))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=enrol-submit]"))
	waitVisible(t, ctx, "recovery codes", "[data-testid=recovery-codes]")
	if n := count(t, ctx, "[data-testid=recovery-code]"); n != 10 {
		t.Fatalf("%d recovery codes", n)
	}
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=one-time-continue]"))
	waitVisible(t, ctx, "dashboard of the new user", "[data-testid=dashboard-heading]")
	must(t, "open the profile", chromedp.Do(ctx, chromedp.Navigate(base+"/profile")))
	waitVisible(t, ctx, "profile", "[data-testid=totp-enrolled]")
	shot("purser-profile.png")
}
