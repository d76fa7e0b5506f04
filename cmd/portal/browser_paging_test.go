package main

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserOrgTypeAheadAndPager drives the sub-account list as finance would: type part
// of a unit's name, pick it from the suggestions and see the list filtered to it (the box
// keeps its name); then, unfiltered, page to the last page and back one, with no error
// on the console.
func TestBrowserOrgTypeAheadAndPager(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	// Sixty sub-accounts: three pages of 25.
	base := startDemoPortal(t, 60)
	ctx := newBrowser(t, 120*time.Second)
	console := watchConsole(ctx)

	must(t, "open /login", chromedp.Do(ctx, chromedp.Navigate(base+"/login")))
	waitVisible(t, ctx, "sign-in page", "[data-testid=login-page]")
	must(t, "type the password", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("username"), "finance"),
		chromedp.SendKeys(chromedp.ID("password"), demoPassword),
	))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=login-submit]"))
	waitVisible(t, ctx, "TOTP page", "[data-testid=totp-page]")
	must(t, "type the code", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("code"), freshCode(t, base, "finance", demoTOTPSecret))))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=totp-submit]"))
	waitVisible(t, ctx, "dashboard", "[data-testid=dashboard-heading]")

	deadline := time.Now().Add(40 * time.Second)
	for {
		must(t, "open the sub-account list", chromedp.Do(ctx, chromedp.Navigate(base+"/sub-accounts")))
		waitVisible(t, ctx, "sub-account list", "[data-testid=sub-accounts]")
		if count(t, ctx, "[data-testid=sa-row]") > 0 && count(t, ctx, "[data-testid=as-of-running]") == 0 && text(t, ctx, "[data-testid=sa-org]") != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no sub-accounts with a unit 40s after start: did the startup sync run?")
		}
		time.Sleep(500 * time.Millisecond)
	}
	if n := count(t, ctx, "option"); n > 50 {
		t.Errorf("the list page still carries %d options", n)
	}

	// Type the first characters of the first row's unit; pick it.
	unit := text(t, ctx, "[data-testid=sa-org]")
	typed := string([]rune(unit)[:min(3, len([]rune(unit)))])
	console.reset()
	must(t, "type part of a unit", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("org"), typed)))
	waitVisible(t, ctx, "suggestions", "[data-testid=org-option]")
	// Each keystroke asks for suggestions and the answer replaces the list: read it whole,
	// once it has stopped changing (the answer for everything typed has come).
	labels := func() []string {
		l, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("[data-testid=org-option]")).map(e => e.textContent.trim())`))
		must(t, "read the suggestions", err)
		return l
	}
	shown := labels()
	for settle := time.Now().Add(5 * time.Second); time.Now().Before(settle); {
		time.Sleep(300 * time.Millisecond)
		again := labels()
		if slices.Equal(again, shown) {
			break
		}
		shown = again
	}
	var pick string
	for i, label := range shown {
		if label == unit {
			pick = `[data-testid=org-option]:nth-of-type(` + strconv.Itoa(i+1) + `)`
		}
	}
	if pick == "" {
		t.Fatalf("typing %q did not offer %q", typed, unit)
	}
	clickAndLoad(t, ctx, chromedp.CSS(pick))
	waitVisible(t, ctx, "filtered list", "[data-testid=sa-row]")
	if l := location(t, ctx); !strings.Contains(l, "org_id=") {
		t.Errorf("the pick is not in the URL: %s", l)
	}
	box, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("org").value`))
	must(t, "read the box", err)
	if box != unit {
		t.Errorf("the box shows %q after the pick, want %q", box, unit)
	}
	if got := text(t, ctx, "[data-testid=sa-org]"); got == "" {
		t.Error("the filtered list shows no unit")
	}

	// Unfiltered, the last page and the one before it.
	must(t, "open the list", chromedp.Do(ctx, chromedp.Navigate(base+"/sub-accounts?sort=-balance")))
	waitVisible(t, ctx, "sub-account list", "[data-testid=page-last]")
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=page-last]"))
	waitVisible(t, ctx, "last page", "[data-testid=page-prev]")
	if count(t, ctx, "[data-testid=page-next]") != 0 || count(t, ctx, "[data-testid=sa-row]") == 0 {
		t.Fatal("the last page has a next link or no rows")
	}
	lastSummary := text(t, ctx, "[data-testid=pager-summary]")
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=page-prev]"))
	waitVisible(t, ctx, "previous page", "[data-testid=page-next]")
	if s := text(t, ctx, "[data-testid=pager-summary]"); s == lastSummary || count(t, ctx, "[data-testid=sa-row]") == 0 {
		t.Errorf("previous page: %q after %q", s, lastSummary)
	}
	if errs := console.list(); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}
}
