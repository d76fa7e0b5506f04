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
