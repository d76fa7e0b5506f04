package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserBatchApproval drives the approver's "Approve selected" in Chromium: finance
// drafts two transfers as people type amounts (a comma in the wrong place is refused with
// the reason and the input kept, full-width digits and correct thousands groups are
// taken), seeing what is free beside the form; the approver ticks every request in the
// inbox, gives one code and one comment, and the inbox says what became of each; both then
// execute. No page logs a console error on the way.
func TestBrowserBatchApproval(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	base := startMigratedPortal(t)
	ctx := newBrowser(t, 180*time.Second)
	console := watchConsole(ctx)

	opsSignIn(t, ctx, base, "finance")
	waitForSync(t, ctx, base)

	var opURLs []string
	for i, amount := range []string{"１００", "1,000.50"} {
		must(t, "open the sub-account list", chromedp.Do(ctx, chromedp.Navigate(base+"/sub-accounts")))
		waitVisible(t, ctx, "sub-account list", "[data-testid=sa-row]")
		clickAndLoad(t, ctx, chromedp.CSS("[data-testid=sa-row]:nth-child("+string(rune('1'+i))+") [data-testid=sa-link]"))
		waitVisible(t, ctx, "sub-account page", "[data-testid=sa-name]")
		clickAndLoad(t, ctx, chromedp.CSS("[data-testid=sa-transfer]"))
		waitVisible(t, ctx, "transfer form", "[data-testid=op-form]")
		// The fact reads "Free for new requests\n1,944,142.01 CNY".
		free := text(t, ctx, "[data-testid=master-free]")
		lines := strings.Split(free, "\n")
		if opsAmount(t, strings.TrimSuffix(lines[len(lines)-1], " CNY")).Sign() <= 0 {
			t.Fatalf("the form shows nothing free: %q", free)
		}
		if i == 0 {
			// "1,50" once silently became 150.00.
			must(t, "type a badly grouped amount", chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.ID("f-amount"), "1,50"),
				chromedp.SendKeys(chromedp.ID("f-reason"), "十二月预算"),
			))
			clickAndLoad(t, ctx, chromedp.CSS("[data-testid=op-submit]"))
			waitVisible(t, ctx, "amount error", "[data-testid=error-amount]")
			if got := text(t, ctx, "[data-testid=error-amount]"); !strings.Contains(got, "groups of three") {
				t.Fatalf("amount error %q", got)
			}
			kept, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("f-amount").value`))
			must(t, "read the kept amount", err)
			if kept != "1,50" {
				t.Fatalf("the amount was not kept: %q", kept)
			}
			must(t, "clear the amount", chromedp.Do(ctx, chromedp.Clear(chromedp.ID("f-amount"))))
			console.reset() // the refused form came back as a 422, which Chromium reports

		} else {
			must(t, "type the reason", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("f-reason"), "Q4 budget")))
		}
		must(t, "type the amount", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("f-amount"), amount)))
		clickAndLoad(t, ctx, chromedp.CSS("[data-testid=op-submit]"))
		waitVisible(t, ctx, "operation page", "[data-testid=op-heading]")
		if got := text(t, ctx, "[data-testid=op-state]"); !strings.Contains(got, "Pending") {
			t.Fatalf("new operation state %q", got)
		}
		opURLs = append(opURLs, location(t, ctx))
	}
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=logout]"))

	opsSignIn(t, ctx, base, "approver")
	must(t, "open the inbox", chromedp.Do(ctx, chromedp.Navigate(base+"/approvals")))
	waitVisible(t, ctx, "inbox", "[data-testid=inbox-row]")
	if n := count(t, ctx, "[data-testid=inbox-select]:checked"); n != 0 {
		t.Fatalf("%d rows ticked before anyone chose", n)
	}
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=inbox-select-all]"))
	waitVisible(t, ctx, "inbox", "[data-testid=inbox-approve-form]")
	if n := count(t, ctx, "[data-testid=inbox-select]:checked"); n != 2 {
		t.Fatalf("select all ticked %d rows, want 2", n)
	}
	code := freshCode(t, base, "approver", demoTOTPSecret) // not the sign-in's: a code works once
	must(t, "type code and comment", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("inbox-code"), code),
		chromedp.SendKeys(chromedp.ID("inbox-comment"), "Both match the budget sheet"),
	))
	screenshot(t, ctx, "purser-inbox-selected.png")
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=inbox-approve-submit]"))
	waitVisible(t, ctx, "results", "[data-testid=inbox-results]")
	if ok := count(t, ctx, `[data-testid=inbox-result][data-outcome="ok"]`); ok != 2 {
		t.Fatalf("%d of 2 approved: %s", ok, text(t, ctx, "[data-testid=inbox-results]"))
	}
	screenshot(t, ctx, "purser-inbox-results.png")

	for _, u := range opURLs {
		waitState(t, ctx, u, "Succeeded")
	}
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("console errors: %v", errs)
	}
}

// waitForSync waits until the startup sync has filled the sub-account list.
func waitForSync(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	began := time.Now()
	defer func() { t.Logf("waited %s for the startup sync", time.Since(began).Round(100*time.Millisecond)) }()
	deadline := time.Now().Add(40 * time.Second)
	for {
		must(t, "open the sub-account list", chromedp.Do(ctx, chromedp.Navigate(base+"/sub-accounts")))
		waitVisible(t, ctx, "sub-account list", "[data-testid=sub-accounts]")
		if count(t, ctx, "[data-testid=sa-row]") > 1 && count(t, ctx, "[data-testid=as-of-time]") == 1 &&
			count(t, ctx, "[data-testid=as-of-running]") == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no synced sub-accounts 40s after start")
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// waitState reloads an operation's page until its state reads want.
func waitState(t *testing.T, ctx context.Context, opURL, want string) {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for {
		must(t, "open the operation", chromedp.Do(ctx, chromedp.Navigate(opURL)))
		waitVisible(t, ctx, "operation", "[data-testid=op-heading]")
		got := text(t, ctx, "[data-testid=op-state]")
		if strings.Contains(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is %q, want %q", opURL, got, want)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
