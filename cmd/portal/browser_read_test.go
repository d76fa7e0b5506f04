package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserReadSide drives Chromium over the read side of a real portal (sandbox
// upstream, startup sync): finance signs in, searches a sub-account, opens it and sees
// its balance chart and the chart's table fallback.
func TestBrowserReadSide(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	base := startMigratedPortal(t)
	ctx := newBrowser(t, 90*time.Second)

	must(t, "open /login", chromedp.Do(ctx, chromedp.Navigate(base+"/login")))
	waitVisible(t, ctx, "sign-in page", "[data-testid=login-page]")
	must(t, "type the password", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("username"), "finance"),
		chromedp.SendKeys(chromedp.ID("password"), demoPassword),
	))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=login-submit]"))
	waitVisible(t, ctx, "TOTP page", "[data-testid=totp-page]")
	code := freshCode(t, base, "finance", demoTOTPSecret)
	must(t, "type the code", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("code"), code)))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=totp-submit]"))
	waitVisible(t, ctx, "dashboard", "[data-testid=dashboard-heading]")

	// The startup sync fills the cache within seconds; wait until it has finished (no
	// "refreshing" badge), so that every sub-account's balances have been read.
	deadline := time.Now().Add(40 * time.Second)
	for {
		must(t, "open the sub-account list", chromedp.Do(ctx, chromedp.Navigate(base+"/sub-accounts")))
		waitVisible(t, ctx, "sub-account list", "[data-testid=sub-accounts]")
		if count(t, ctx, "[data-testid=sa-row]") > 0 && count(t, ctx, "[data-testid=as-of-time]") == 1 &&
			count(t, ctx, "[data-testid=as-of-running]") == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no sub-accounts in the list 40s after start: did the startup sync run?")
		}
		time.Sleep(500 * time.Millisecond)
	}
	screenshot(t, ctx, "purser-sub-accounts.png")

	// Search for the second row's name: the list narrows to it.
	name := text(t, ctx, "[data-testid=sa-row]:nth-child(2) [data-testid=sa-link]")
	must(t, "type a search", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("q"), name)))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=apply-filters]"))
	waitVisible(t, ctx, "search result", "[data-testid=sa-row]")
	if l := location(t, ctx); !strings.Contains(l, "q=") {
		t.Errorf("the search should be in the URL, got %s", l)
	}
	found := false
	n := count(t, ctx, "[data-testid=sa-link]")
	for i := 1; i <= n; i++ {
		if text(t, ctx, "[data-testid=sa-row]:nth-child("+strconv.Itoa(i)+") [data-testid=sa-link]") == name {
			found = true
		}
	}
	if !found || n > 3 {
		t.Fatalf("search for %q: %d rows, found=%v", name, n, found)
	}

	// Open it: balances, the chart, and its table behind a disclosure.
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=sa-row] [data-testid=sa-link]"))
	waitVisible(t, ctx, "sub-account page", "[data-testid=sa-name]")
	if got := text(t, ctx, "[data-testid=sa-name]"); !strings.HasPrefix(got, name) {
		t.Errorf("opened %q, searched %q", got, name)
	}
	waitVisible(t, ctx, "balance chart", "[data-testid=balance-chart] svg.chart")
	// Cash, credit and total; and, for an account whose runway is estimated, the dashed
	// projection of its total (series-3).
	lines := "[data-testid=balance-chart] svg.chart g.series-%d polyline"
	if count(t, ctx, fmt.Sprintf(lines, 0)) != 1 || count(t, ctx, fmt.Sprintf(lines, 1)) != 1 || count(t, ctx, fmt.Sprintf(lines, 2)) != 1 {
		t.Errorf("the chart should draw cash, credit and total")
	}
	if projected, burns := count(t, ctx, fmt.Sprintf(lines, 3)) == 1, count(t, ctx, "[data-testid=runway-burn]") == 1; projected != burns {
		t.Errorf("a projection drawn: %v; a daily burn shown: %v (%q left)", projected, burns, text(t, ctx, "[data-testid=runway-days]"))
	}
	if count(t, ctx, "[data-testid=balance-chart-table] tbody tr") < 1 {
		t.Fatalf("the chart has no table fallback")
	}
	must(t, "open the table", chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-testid=balance-chart] details summary"))))
	waitVisible(t, ctx, "chart table", "[data-testid=balance-chart-table]")
	if !strings.Contains(text(t, ctx, "[data-testid=balance-chart-table] tbody"), ".") {
		t.Errorf("the table should hold amounts")
	}
	if got := text(t, ctx, "[data-testid=card-total]"); !strings.Contains(got, "CNY") {
		t.Errorf("total card %q", got)
	}
	screenshot(t, ctx, "purser-sub-account.png")

	// Every other read page renders the synced sandbox data.
	for _, pg := range []struct{ path, rows, shot string }{
		{"/", "[data-testid=card-master-debit]", "purser-dashboard-read.png"},
		{"/coupons", "[data-testid=coupon-row]", "purser-coupons.png"},
		{"/cards", "[data-testid=card-row]", "purser-cards.png"},
		{"/resources", "[data-testid=resource-row]", "purser-resources.png"},
		{"/packages", "[data-testid=package-row]", "purser-packages.png"},
		{"/catalog", "[data-testid=catalog-row]", "purser-catalog.png"},
	} {
		must(t, "open "+pg.path, chromedp.Do(ctx, chromedp.Navigate(base+pg.path)))
		waitVisible(t, ctx, pg.path, pg.rows)
		if count(t, ctx, "[data-testid=as-of-time]") != 1 {
			t.Errorf("%s: no as-of time", pg.path)
		}
		screenshot(t, ctx, pg.shot)
	}
}

// screenshot saves a full-page PNG in the test's temp dir and, when
// PORTAL_TEST_SCREENSHOT_DIR is set, there too.
func screenshot(t *testing.T, ctx context.Context, file string) {
	t.Helper()
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must(t, "screenshot", err)
	dirs := []string{t.TempDir()}
	if d := os.Getenv("PORTAL_TEST_SCREENSHOT_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		p := filepath.Join(d, file)
		must(t, "write screenshot", os.WriteFile(p, shot, 0o644))
		t.Logf("screenshot: %s", p)
	}
}
