package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserApprovalContext: finance drafts two transfers to one sub-account; the
// approver opens the first from the inbox and sees the context panel rendered — the
// sub-account's cash with its "as of", the other request listed, the cash after this one
// and the master's free amount — in English and in Chinese, with no console error.
func TestBrowserApprovalContext(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	base := startMigratedPortal(t)
	ctx := newBrowser(t, 150*time.Second)
	console := watchConsole(ctx)

	opsSignIn(t, ctx, base, "finance")
	waitForSync(t, ctx, base)
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=sa-row]:nth-child(1) [data-testid=sa-link]"))
	waitVisible(t, ctx, "sub-account page", "[data-testid=sa-name]")
	cash := opsAmount(t, text(t, ctx, "[data-testid=card-debit] .money"))
	subURL := location(t, ctx)
	var opURLs []string
	for _, amount := range []string{"12.34", "5.00"} {
		must(t, "open the sub-account", chromedp.Do(ctx, chromedp.Navigate(subURL)))
		waitVisible(t, ctx, "sub-account page", "[data-testid=sa-name]")
		clickAndLoad(t, ctx, chromedp.CSS("[data-testid=sa-transfer]"))
		waitVisible(t, ctx, "transfer form", "[data-testid=op-form]")
		must(t, "fill the form", chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.ID("f-amount"), amount),
			chromedp.SendKeys(chromedp.ID("f-reason"), "context check"),
		))
		clickAndLoad(t, ctx, chromedp.CSS("[data-testid=op-submit]"))
		waitVisible(t, ctx, "operation page", "[data-testid=op-heading]")
		opURLs = append(opURLs, location(t, ctx))
	}
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=logout]"))

	opsSignIn(t, ctx, base, "approver")
	must(t, "open the first request", chromedp.Do(ctx, chromedp.Navigate(opURLs[0])))
	other := opURLs[1][strings.LastIndex(opURLs[1], "/")+1:]
	for _, lang := range []struct{ code, title, zone string }{{"en", "Context", "CST"}, {"zh", "审批参考", "北京时间"}} {
		waitVisible(t, ctx, "context panel", "[data-testid=op-context]")
		if got := text(t, ctx, "#op-context-title"); got != lang.title {
			t.Fatalf("%s: panel title %q, want %q", lang.code, got, lang.title)
		}
		if got := text(t, ctx, "[data-testid=ctx-sub] [data-testid=as-of-time]"); !strings.Contains(got, lang.zone) {
			t.Fatalf("%s: as of %q", lang.code, got)
		}
		if got := opsAmount(t, text(t, ctx, "[data-testid=ctx-sub-debit] .money")); !got.Equal(cash) {
			t.Fatalf("%s: cash %s, want %s", lang.code, got, cash)
		}
		after := opsAmount(t, text(t, ctx, "[data-testid=ctx-sub-after-this] .money"))
		if want := cash.Add(opsAmount(t, "12.34")); !after.Equal(want) {
			t.Fatalf("%s: after this %s, want %s", lang.code, after, want)
		}
		if n := count(t, ctx, `[data-testid=ctx-sub-ops] [data-testid=ctx-op][data-id="`+other+`"]`); n != 1 {
			t.Fatalf("%s: the other request is listed %d times", lang.code, n)
		}
		if got := text(t, ctx, "[data-testid=ctx-master-after-all] .money"); got == "" {
			t.Fatalf("%s: no master free amount", lang.code)
		}
		screenshot(t, ctx, "purser-approval-context-"+lang.code+".png")
		if lang.code == "en" {
			clickAndLoad(t, ctx, `//form[@data-testid="lang-switch"]//button[normalize-space()="简体中文"]`)
		}
	}
	if errs := console.list(); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}
}
