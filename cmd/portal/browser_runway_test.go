package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"
)

// TestBrowserProposeTopUps drives the runway feature in Chromium on a fresh demo portal:
// its generated history gives the sandbox's consuming sub-accounts a runway on the first
// visit (the list sorts by it, the dashboard counts those running out); finance proposes
// top-ups from the dashboard and drafts them as one batch, the approvers approve it, it
// executes, and the account that was soonest out shows its new balance and a runway of at
// least the target. No page logs a console error on the way.
func TestBrowserProposeTopUps(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	base := startMigratedPortal(t)
	ctx := newBrowser(t, 240*time.Second)
	console := watchConsole(ctx)

	opsSignIn(t, ctx, base, "finance")
	waitForSync(t, ctx, base)
	// The runways are computed by their own job after the sync: wait for the dashboard
	// to count accounts running out within 14 days.
	deadline := time.Now().Add(40 * time.Second)
	for {
		must(t, "open the dashboard", chromedp.Do(ctx, chromedp.Navigate(base+"/")))
		waitVisible(t, ctx, "dashboard", "[data-testid=dashboard-heading]")
		if count(t, ctx, "[data-testid=runway-panel]") == 1 && text(t, ctx, `[data-testid=runway-bucket][data-days="14"] [data-testid=runway-count]`) != "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no runway within 14 days on the dashboard 40s after the sync")
		}
		time.Sleep(500 * time.Millisecond)
	}
	screenshot(t, ctx, "purser-runway-dashboard.png")
	within14 := text(t, ctx, `[data-testid=runway-bucket][data-days="14"] [data-testid=runway-count]`)

	// The list by days left: the soonest out first, in days.
	clickAndLoad(t, ctx, chromedp.CSS(`[data-testid=runway-bucket][data-days="14"] [data-testid=runway-count]`))
	waitVisible(t, ctx, "sub-accounts running out", "[data-testid=sa-row]")
	if n := count(t, ctx, "[data-testid=sa-row]"); n < 1 || within14 != strings.TrimSpace(strings.Fields(text(t, ctx, "[data-testid=sa-total]"))[0]) {
		t.Fatalf("the list within 14 days has %d rows; the dashboard said %s (%q)", n, within14, text(t, ctx, "[data-testid=sa-total]"))
	}
	first := text(t, ctx, "[data-testid=sa-row]:nth-child(1) [data-testid=sa-link]")
	if d := days(t, text(t, ctx, "[data-testid=sa-row]:nth-child(1) [data-testid=days-left]")); !d.LessThan(decimal.NewFromInt(14)) {
		t.Fatalf("the first row has %s days left", d)
	}
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=sa-row]:nth-child(1) [data-testid=sa-link]"))
	waitVisible(t, ctx, "sub-account page", "[data-testid=card-runway]")
	subURL := location(t, ctx)
	before := opsAmount(t, text(t, ctx, "[data-testid=card-total] .money"))
	if count(t, ctx, "[data-testid=balance-chart] svg.chart g.series-3 polyline") != 1 {
		t.Fatal("no projection on the sub-account's chart")
	}

	// Propose, from the dashboard.
	must(t, "open the dashboard", chromedp.Do(ctx, chromedp.Navigate(base+"/")))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=propose-top-ups]"))
	waitVisible(t, ctx, "proposal", "[data-testid=topup-rows]")
	screenshot(t, ctx, "purser-runway-propose.png")
	rows := count(t, ctx, "[data-testid=topup-row]")
	if within := atoi(t, within14); rows != within {
		t.Fatalf("%d accounts proposed, %d run out within 14 days", rows, within)
	}
	if got := text(t, ctx, "[data-testid=topup-row]:nth-child(1) a"); got != first {
		t.Fatalf("the first proposal is for %q, the soonest out is %q", got, first)
	}
	amount := opsAmount(t, strings.Fields(text(t, ctx, "[data-testid=topup-row]:nth-child(1) [data-testid=topup-amount]"))[0])
	if !amount.IsPositive() || !amount.Mod(decimal.NewFromInt(100)).IsZero() {
		t.Fatalf("the first amount %s is not a positive multiple of 100", amount)
	}
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=topup-draft]"))
	waitVisible(t, ctx, "batch page", "[data-testid=batch-heading]")
	batchURL := location(t, ctx)
	if got := text(t, ctx, "[data-testid=batch-rows]"); atoi(t, got) != rows {
		t.Fatalf("the batch has %s rows, the proposal %d", got, rows)
	}
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=logout]"))

	// Two approvers (the total is above the two-approver threshold, or one is enough).
	for _, approver := range []string{"approver", "approver2"} {
		opsSignIn(t, ctx, base, approver)
		must(t, "open the batch", chromedp.Do(ctx, chromedp.Navigate(batchURL)))
		waitVisible(t, ctx, "batch page", "[data-testid=batch-heading]")
		if count(t, ctx, "[data-testid=approve-form]") == 1 {
			code := freshCode(t, base, approver, demoTOTPSecret)
			must(t, "type the code", chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("[data-testid=approve-form] [data-testid=approve-code]"), code)))
			clickAndLoad(t, ctx, chromedp.CSS("[data-testid=approve-form] [data-testid=approve-submit]"))
			waitVisible(t, ctx, "batch page", "[data-testid=batch-heading]")
		}
		clickAndLoad(t, ctx, chromedp.CSS("[data-testid=logout]"))
	}

	// It executes; the account's balance grows by its top-up, and its runway (computed
	// again after the refresh the settlement queues) reaches the target.
	opsSignIn(t, ctx, base, "finance")
	want := before.Add(amount)
	deadline = time.Now().Add(90 * time.Second)
	for {
		must(t, "open the sub-account", chromedp.Do(ctx, chromedp.Navigate(subURL)))
		waitVisible(t, ctx, "sub-account page", "[data-testid=card-runway]")
		total := opsAmount(t, text(t, ctx, "[data-testid=card-total] .money"))
		left := text(t, ctx, "[data-testid=runway-days]")
		if total.Equal(want) && strings.HasSuffix(left, "days") && !days(t, left).LessThan(decimal.NewFromInt(30)) {
			break
		}
		if time.Now().After(deadline) {
			must(t, "open the batch", chromedp.Do(ctx, chromedp.Navigate(batchURL)))
			t.Fatalf("after the batch: total %s (want %s), %q left; batch: %s", total, want, left, text(t, ctx, "main"))
		}
		time.Sleep(time.Second)
	}
	screenshot(t, ctx, "purser-runway-topped-up.png")
	must(t, "open the batch", chromedp.Do(ctx, chromedp.Navigate(batchURL)))
	waitVisible(t, ctx, "batch page", "[data-testid=batch-finished]")
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("console errors: %v", errs)
	}
}

// days reads "12.5 days" (or "1 day").
func days(t *testing.T, s string) decimal.Decimal {
	t.Helper()
	d, err := decimal.NewFromString(strings.Fields(s + " ")[0])
	if err != nil {
		t.Fatalf("not a number of days: %q", s)
	}
	return d
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	d := opsAmount(t, strings.TrimSpace(s))
	return int(d.IntPart())
}
