package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserCreditExpiryOnlyForCredit: the credit-line expiry means nothing for cash, so
// the transfer form shows it only while the balance type is credit, following the select
// without a reload.
func TestBrowserCreditExpiryOnlyForCredit(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	base := startMigratedPortal(t)
	ctx := newBrowser(t, 120*time.Second)
	console := watchConsole(ctx)
	opsSignIn(t, ctx, base, "finance")
	console.reset()
	must(t, "open the transfer form", chromedp.Do(ctx, chromedp.Navigate(base+"/operations/new?kind=transfer_funds")))
	waitVisible(t, ctx, "balance type", "[data-testid=input-balance_type]")
	shown := func() bool {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
			`getComputedStyle(document.querySelector('[data-testid="field-expire_time"]')).display !== 'none'`))
		must(t, "read the expiry field's display", err)
		return v
	}
	if shown() {
		t.Fatal("the credit-line expiry is shown for cash")
	}
	must(t, "choose credit", chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("[data-testid=input-balance_type]"), "credit")))
	// SetValue sets the property; the option's :checked follows it.
	if !shown() {
		t.Fatal("the credit-line expiry is hidden for credit")
	}
	must(t, "back to cash", chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("[data-testid=input-balance_type]"), "debit")))
	if shown() {
		t.Fatal("the credit-line expiry stays after switching back to cash")
	}
	if msgs := console.list(); len(msgs) > 0 {
		t.Fatalf("console errors: %q", msgs)
	}
}

// settingsLayout is what TestBrowserSettingsAndCancelButtons measures.
type settingsLayout struct {
	Save, Form float64 // widths of the first Save button and its form
	Missing    string  // a selector that matched nothing
}

const measureSettingsJS = `(() => {
	const save = document.querySelector('[data-testid="save-sync"]');
	if (!save) return {Missing: 'save-sync'};
	return {Save: save.getBoundingClientRect().width, Form: save.form.getBoundingClientRect().width};
})()`

// TestBrowserSettingsAndCancelButtons: the settings' Save buttons are buttons, not bars half
// the page wide; and "Cancel and sign out" on the second-factor page does not look like the
// primary action beside it.
func TestBrowserSettingsAndCancelButtons(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	base := startMigratedPortal(t)
	ctx := newBrowser(t, 120*time.Second)
	console := watchConsole(ctx)

	// The second-factor page: the primary submit and the cancel differ in background.
	must(t, "open /login", chromedp.Do(ctx, chromedp.Navigate(base+"/login")))
	waitVisible(t, ctx, "sign-in page", "[data-testid=login-page]")
	must(t, "type the password", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("username"), "admin"), chromedp.SendKeys(chromedp.ID("password"), demoPassword)))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=login-submit]"))
	waitVisible(t, ctx, "TOTP page", "[data-testid=totp-page]")
	bg := func(css string) string {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('`+css+`')).backgroundColor`))
		must(t, "read the background of "+css, err)
		return v
	}
	primary, cancel := bg(`[data-testid="totp-submit"]`), bg(`[data-testid="totp-cancel"]`)
	if primary == "" || primary == cancel {
		t.Fatalf("cancel styled like the primary button: %q vs %q", cancel, primary)
	}
	must(t, "type the code", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("code"), freshCode(t, base, "admin", demoTOTPSecret))))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=totp-submit]"))
	waitVisible(t, ctx, "dashboard", "[data-testid=dashboard-heading]")

	must(t, "open the settings", chromedp.Do(ctx, chromedp.Navigate(base+"/admin/settings")))
	waitVisible(t, ctx, "settings", "[data-testid=settings-heading]")
	m, err := chromedp.Run(ctx, chromedp.Evaluate[settingsLayout](measureSettingsJS))
	must(t, "measure the settings", err)
	if m.Missing != "" || m.Form <= 0 {
		t.Fatalf("settings layout: %+v", m)
	}
	if m.Save >= 0.25*m.Form {
		t.Fatalf("Save button %.0f px wide in a %.0f px form: stretched", m.Save, m.Form)
	}
	if msgs := console.list(); len(msgs) > 0 {
		t.Fatalf("console errors: %q", msgs)
	}
}
