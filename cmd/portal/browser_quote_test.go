package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// mainResourceJS is the id of the first main resource on the resources page: the sandbox
// names an ECS's disk and IP after it with "-sys" and "-eip".
const mainResourceJS = `(() => {
	for (const row of document.querySelectorAll("[data-testid=resource-row]")) {
		const name = row.querySelector(".strong").textContent.trim();
		if (!/-(sys|eip)$/.test(name)) return row.querySelector("code.id").textContent.trim();
	}
	return "";
})()`

// TestBrowserRenewalQuote drives a renewal's price through Chromium: finance drafts a
// renewal, asks for the price (the form comes back with the upstream's quote, labelled
// with its source and time, and the input kept) and submits it; the approver sees the same
// quote in the snapshot they sign, in English and in Chinese, approves it, and once it ran
// the page shows the order it created at that price. No page logs a console error.
func TestBrowserRenewalQuote(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	base := startMigratedPortal(t)
	ctx := newBrowser(t, 180*time.Second)
	console := watchConsole(ctx)

	opsSignIn(t, ctx, base, "finance")
	var id string
	deadline := time.Now().Add(40 * time.Second)
	for id == "" {
		must(t, "open the resources", chromedp.Do(ctx, chromedp.Navigate(base+"/resources?status=2")))
		waitVisible(t, ctx, "resource list", "main")
		if count(t, ctx, "[data-testid=resource-row]") > 0 {
			got, err := chromedp.Run(ctx, chromedp.Evaluate[string](mainResourceJS))
			must(t, "find a main resource", err)
			id = got
		}
		if id == "" {
			if time.Now().After(deadline) {
				t.Fatal("no main resource in use 40s after start")
			}
			time.Sleep(500 * time.Millisecond)
		}
	}

	must(t, "open the renewal form", chromedp.Do(ctx, chromedp.Navigate(base+"/operations/new?kind=renew_resources")))
	waitVisible(t, ctx, "renewal form", "[data-testid=op-form]")
	if count(t, ctx, "[data-testid=renewal-quote]") != 0 {
		t.Fatal("a quote before anyone asked")
	}
	must(t, "fill the renewal", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("r-"+id)), // the resource picker's box

		chromedp.Clear(chromedp.ID("f-period_num")),
		chromedp.SendKeys(chromedp.ID("f-period_num"), "3"),
		chromedp.SendKeys(chromedp.ID("f-reason"), "Keep the database another quarter"),
	))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=op-quote]"))
	waitVisible(t, ctx, "quote", "[data-testid=quote-amount]")
	title := text(t, ctx, "[data-testid=quote-title]")
	if !strings.HasPrefix(title, "Upstream quote (ListRenewRateOnPeriod), as of ") || !strings.HasSuffix(title, " CST") {
		t.Fatalf("quote title %q", title)
	}
	quoted := text(t, ctx, "[data-testid=quote-amount]")
	if !strings.HasSuffix(quoted, " CNY") || opsAmount(t, strings.TrimSuffix(quoted, " CNY")).Sign() <= 0 {
		t.Fatalf("quoted amount %q", quoted)
	}
	if official := text(t, ctx, "[data-testid=quote-official]"); official == quoted || official == "" {
		t.Fatalf("official price %q beside the quoted %q", official, quoted)
	}
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("f-period_num").value + "|" + document.getElementById("f-reason").value`))
	must(t, "read the kept input", err)
	if kept != "3|Keep the database another quarter" {
		t.Fatalf("input after Get price: %q", kept)
	}
	screenshot(t, ctx, "purser-renewal-quote-form.png")
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=op-submit]"))
	waitVisible(t, ctx, "operation page", "[data-testid=op-heading]")
	opURL := location(t, ctx)
	if got := text(t, ctx, "[data-testid=snapshot] [data-testid=quote-amount]"); got != quoted {
		t.Fatalf("the request's quote %q, the form's %q", got, quoted)
	}
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=logout]"))

	// The approver signs the snapshot with the quote in it.
	opsSignIn(t, ctx, base, "approver")
	must(t, "open the request", chromedp.Do(ctx, chromedp.Navigate(opURL)))
	waitVisible(t, ctx, "approve form", "[data-testid=approve-form]")
	if got := text(t, ctx, "[data-testid=snapshot] [data-testid=quote-amount]"); got != quoted {
		t.Fatalf("the approver sees %q, quoted %q", got, quoted)
	}
	if got := text(t, ctx, "[data-testid=snapshot] [data-testid=quote-title]"); !strings.HasPrefix(got, "Upstream quote (ListRenewRateOnPeriod), as of ") {
		t.Fatalf("the approver's quote title %q", got)
	}
	screenshot(t, ctx, "purser-renewal-quote-approval.png")
	clickAndLoad(t, ctx, `//form[@data-testid="lang-switch"]//button[normalize-space()="简体中文"]`)
	waitVisible(t, ctx, "approve form", "[data-testid=approve-form]")
	if got := text(t, ctx, "[data-testid=snapshot] [data-testid=quote-title]"); !strings.HasPrefix(got, "上游报价（ListRenewRateOnPeriod），截至 ") ||
		!strings.HasSuffix(got, "(北京时间)") {
		t.Fatalf("zh quote title %q", got)
	}
	if got := text(t, ctx, "[data-testid=snapshot] [data-testid=quote-amount]"); got != quoted {
		t.Fatalf("zh: the approver sees %q, quoted %q", got, quoted)
	}
	screenshot(t, ctx, "purser-renewal-quote-approval-zh.png")
	clickAndLoad(t, ctx, `//form[@data-testid="lang-switch"]//button[normalize-space()="English"]`)
	waitVisible(t, ctx, "approve form", "[data-testid=approve-form]")
	code := freshCode(t, base, "approver", demoTOTPSecret)
	must(t, "type the code", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("code"), code)))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=approve-submit]"))
	waitVisible(t, ctx, "operation after approval", "[data-testid=op-heading]")
	waitState(t, ctx, opURL, "Succeeded")

	// The order the renewal created, charged at the quoted price.
	waitVisible(t, ctx, "renewal order", "[data-testid=renewal-order]")
	if got := text(t, ctx, "[data-testid=order-amount]"); got != quoted {
		t.Fatalf("the order charged %q, quoted %q", got, quoted)
	}
	if count(t, ctx, "[data-testid=order-line]") < 1 || count(t, ctx, "[data-testid=order-resource]") < 1 {
		t.Fatal("the order shows no line items or no provisioned resources")
	}
	screenshot(t, ctx, "purser-renewal-order.png")
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("console errors: %v", errs)
	}
}
