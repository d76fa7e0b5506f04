package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/money"
)

// TestBrowserMakerChecker drives Chromium through the maker-checker workflow of a real
// portal (sandbox upstream, startup sync, job runner with the executor): finance drafts a
// transfer from a sub-account's page (a wrong amount first: the reason shows and the input
// stays), the approver signs in, finds it in the inbox, approves it with a TOTP code, the
// operation executes to "succeeded", and the sub-account's page shows the new balance.
func TestBrowserMakerChecker(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	base := startMigratedPortal(t)
	ctx := newBrowser(t, 150*time.Second)

	opsSignIn(t, ctx, base, "finance")
	// Wait for the startup sync to fill the cache.
	deadline := time.Now().Add(40 * time.Second)
	for {
		must(t, "open the sub-account list", chromedp.Do(ctx, chromedp.Navigate(base+"/sub-accounts")))
		waitVisible(t, ctx, "sub-account list", "[data-testid=sub-accounts]")
		if count(t, ctx, "[data-testid=sa-row]") > 0 && count(t, ctx, "[data-testid=as-of-time]") == 1 &&
			count(t, ctx, "[data-testid=as-of-running]") == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no synced sub-accounts 40s after start")
		}
		time.Sleep(500 * time.Millisecond)
	}
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=sa-row]:nth-child(1) [data-testid=sa-link]"))
	waitVisible(t, ctx, "sub-account page", "[data-testid=sa-name]")
	subURL := location(t, ctx)
	before := opsAmount(t, text(t, ctx, "[data-testid=card-debit] .money"))

	// Draft from the sub-account page; first with an amount of three decimals.
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=sa-transfer]"))
	waitVisible(t, ctx, "transfer form", "[data-testid=op-form]")
	must(t, "type the amount", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("f-amount"), "123.456"),
		chromedp.SendKeys(chromedp.ID("f-reason"), "Q4 budget for the data team"),
	))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=op-submit]"))
	waitVisible(t, ctx, "amount error", "[data-testid=error-amount]")
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("f-amount").value`))
	must(t, "read the kept amount", err)
	if kept != "123.456" {
		t.Fatalf("the amount was not kept: %q", kept)
	}
	screenshot(t, ctx, "purser-ops-form-errors.png")
	must(t, "fix the amount", chromedp.Do(ctx,
		chromedp.Clear(chromedp.ID("f-amount")),
		chromedp.SendKeys(chromedp.ID("f-amount"), "123.45"),
	))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=op-submit]"))
	waitVisible(t, ctx, "operation page", "[data-testid=op-heading]")
	opURL := location(t, ctx)
	if got := text(t, ctx, "[data-testid=op-state]"); !strings.Contains(got, "Pending") {
		t.Fatalf("new operation state %q", got)
	}
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=logout]"))

	// The approver: inbox, the snapshot, a fresh code.
	opsSignIn(t, ctx, base, "approver")
	must(t, "open the inbox", chromedp.Do(ctx, chromedp.Navigate(base+"/approvals")))
	waitVisible(t, ctx, "inbox", "[data-testid=inbox-row]")
	if got := text(t, ctx, "[data-testid=nav-count-approvals]"); got != "1" {
		t.Fatalf("navigation badge %q", got)
	}
	screenshot(t, ctx, "purser-ops-approvals.png")
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=inbox-review]"))
	waitVisible(t, ctx, "approve form", "[data-testid=approve-form]")
	if got := text(t, ctx, "[data-testid=snap-amount]"); !strings.Contains(got, "123.45") {
		t.Fatalf("snapshot amount %q", got)
	}
	code := freshCode(t, base, "approver", demoTOTPSecret) // not the sign-in's: a code works once
	must(t, "type the code", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("code"), code),
		chromedp.SendKeys(chromedp.ID("approve-comment"), "Matches the budget sheet"),
	))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=approve-submit]"))
	waitVisible(t, ctx, "operation after approval", "[data-testid=op-heading]")

	// The job runner executes it.
	deadline = time.Now().Add(40 * time.Second)
	for !strings.Contains(text(t, ctx, "[data-testid=op-state]"), "Succeeded") {
		if time.Now().After(deadline) {
			t.Fatalf("operation did not succeed: %q", text(t, ctx, "[data-testid=op-state]"))
		}
		time.Sleep(500 * time.Millisecond)
		must(t, "reload the operation", chromedp.Do(ctx, chromedp.Navigate(opURL)))
		waitVisible(t, ctx, "operation", "[data-testid=op-heading]")
	}
	if count(t, ctx, "[data-testid=timeline-entry]") < 4 {
		t.Fatalf("timeline has %d entries", count(t, ctx, "[data-testid=timeline-entry]"))
	}
	screenshot(t, ctx, "purser-ops-operation.png")

	// Finance sees the sub-account's cash grown by the amount, without touching Refresh:
	// the executor queues a refresh of the sub-account's cache once the movement settled.
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=logout]"))
	opsSignIn(t, ctx, base, "finance")
	must(t, "open the sub-account", chromedp.Do(ctx, chromedp.Navigate(subURL)))
	waitVisible(t, ctx, "sub-account page", "[data-testid=sa-name]")
	want := before.Add(decimal.RequireFromString("123.45"))
	deadline = time.Now().Add(40 * time.Second)
	for {
		got := opsAmount(t, text(t, ctx, "[data-testid=card-debit] .money"))
		if got.Equal(want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sub-account cash %s, want %s", got, want)
		}
		time.Sleep(500 * time.Millisecond)
		must(t, "reload the sub-account", chromedp.Do(ctx, chromedp.Navigate(subURL)))
		waitVisible(t, ctx, "sub-account page", "[data-testid=sa-name]")
	}
	if count(t, ctx, "[data-testid=sa-operation]") < 1 {
		t.Fatal("the operation is not listed on the sub-account page")
	}

	// The auditor finds the whole story of the transfer in the trail, opens its timeline,
	// and verifies the chain.
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=logout]"))
	opsSignIn(t, ctx, base, "auditor")
	must(t, "search the operations", chromedp.Do(ctx, chromedp.Navigate(base+"/audit?area=operation")))
	waitVisible(t, ctx, "audit search", "[data-testid=audit-table]")
	for _, action := range []string{"operation.create", "operation.submit", "operation.approve", "operation.execute", "operation.succeed"} {
		if count(t, ctx, `[data-testid=audit-row][data-action="`+action+`"]`) < 1 {
			t.Fatalf("the auditor cannot find %s", action)
		}
	}
	clickAndLoad(t, ctx, chromedp.CSS(`[data-testid=audit-row][data-action="operation.succeed"] [data-testid=audit-event-link]`))
	waitVisible(t, ctx, "event page", "[data-testid=event-fields]")
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=event-timeline]"))
	waitVisible(t, ctx, "timeline", "[data-testid=timeline]")
	if n := count(t, ctx, "[data-testid=timeline] li"); n < 5 {
		t.Fatalf("the operation's timeline has %d entries", n)
	}
	must(t, "open verification", chromedp.Do(ctx, chromedp.Navigate(base+"/audit/verify")))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=verify-start]"))
	deadline = time.Now().Add(30 * time.Second)
	for {
		must(t, "reload verification", chromedp.Do(ctx, chromedp.Navigate(base+"/audit/verify")))
		waitVisible(t, ctx, "verification", "[data-testid=verify-run]")
		st, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-testid=verify-run]").dataset.status`))
		must(t, "read the verification status", err)
		if st == "intact" {
			break
		}
		if st != "running" || time.Now().After(deadline) {
			t.Fatalf("verification ended %q", st)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// opsSignIn signs a demo user in with password and TOTP.
func opsSignIn(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	must(t, "open /login", chromedp.Do(ctx, chromedp.Navigate(base+"/login")))
	waitVisible(t, ctx, "sign-in page", "[data-testid=login-page]")
	must(t, "type the password", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("username"), user),
		chromedp.SendKeys(chromedp.ID("password"), demoPassword),
	))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=login-submit]"))
	waitVisible(t, ctx, "TOTP page", "[data-testid=totp-page]")
	code := freshCode(t, base, user, demoTOTPSecret)
	must(t, "type the code", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("code"), code)))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=totp-submit]"))
	waitVisible(t, ctx, "dashboard", "[data-testid=dashboard-heading]")
}

// opsAmount reads a displayed amount ("1,234.50").
func opsAmount(t *testing.T, s string) decimal.Decimal {
	t.Helper()
	d, err := money.ParseNumber(s) // the one parser reads what the one formatter wrote
	if err != nil {
		t.Fatalf("not an amount: %q", s)
	}
	return d
}
