package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserBatchFromSelection: in Chromium, sub-accounts ticked on the list become a
// batch. A recovery of everything recoverable goes from the selection form through the
// preview to a batch; the form shows only the amount boxes of the chosen mode; then, in
// Chinese, a transfer of the same amount to each. No page logs a console error.
func TestBrowserBatchFromSelection(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	base := startMigratedPortal(t)
	ctx := newBrowser(t, 180*time.Second)
	console := watchConsole(ctx)

	opsSignIn(t, ctx, base, "finance")
	selectTwo := func(kind string) {
		t.Helper()
		waitForSync(t, ctx, base)
		must(t, "tick two sub-accounts", chromedp.Do(ctx,
			chromedp.Click(`(//input[@data-testid="sa-select"])[1]`),
			chromedp.Click(`(//input[@data-testid="sa-select"])[2]`),
			chromedp.SetValue(chromedp.CSS("[data-testid=bulk-kind]"), kind),
		))
		clickAndLoad(t, ctx, chromedp.CSS("[data-testid=bulk-form] [data-testid=bulk-submit]"))
		waitVisible(t, ctx, "selection form", "[data-testid=sel-form]")
	}
	shown := func(css string) bool {
		t.Helper()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const e = document.querySelector(`+"`"+css+"`"+`); return !!e && e.offsetParent !== null })()`))
		must(t, "visibility of "+css, err)
		return ok
	}

	selectTwo("retrieve_funds")
	if n := count(t, ctx, "[data-testid=sel-account]"); n != 2 {
		t.Fatalf("%d accounts on the selection form", n)
	}
	if !shown("[data-testid=sel-amount]") || shown("[data-testid=sel-amount-each]") {
		t.Fatal("'the same amount for each' shows the per-account boxes, or hides its own")
	}
	must(t, "choose an amount per account", chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-testid=sel-mode-each]"))))
	if shown("[data-testid=sel-amount]") || !shown("[data-testid=sel-amount-each]") {
		t.Fatal("'an amount per account' does not show the per-account boxes")
	}
	must(t, "choose everything recoverable", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("[data-testid=sel-mode-all]")),
		chromedp.SendKeys(chromedp.ID("sel-reason"), "Year-end recovery"),
	))
	if shown("[data-testid=sel-amount]") || shown("[data-testid=sel-amount-each]") {
		t.Fatal("'everything recoverable' shows amount boxes")
	}
	recoverable := text(t, ctx, "[data-testid=sel-recoverable]")
	screenshot(t, ctx, "purser-selection-form.png")
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=sel-preview]"))
	waitVisible(t, ctx, "preview", "[data-testid=bulk-rows]")
	if n := count(t, ctx, "[data-testid=bulk-row]"); n != 2 {
		t.Fatalf("%d preview rows: %s", n, text(t, ctx, "main"))
	}
	if first := text(t, ctx, "[data-testid=bulk-row] td.num:nth-child(3)"); !strings.HasPrefix(recoverable, first) {
		t.Fatalf("first row recovers %q, the form said %q recoverable", first, recoverable)
	}
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=bulk-submit]"))
	waitVisible(t, ctx, "batch page", "[data-testid=batch-progress]")
	if !strings.Contains(location(t, ctx), "/operations/batches/") {
		t.Fatalf("submit went to %s", location(t, ctx))
	}

	clickAndLoad(t, ctx, `//form[@data-testid="lang-switch"]//button[normalize-space()="简体中文"]`)
	selectTwo("transfer_funds")
	if h := text(t, ctx, "[data-testid=sel-heading]"); !strings.Contains(h, "为所选子账号批量操作") {
		t.Fatalf("zh heading %q", h)
	}
	must(t, "the same amount for each", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("sel-amount"), "10.00"),
		chromedp.SendKeys(chromedp.ID("sel-reason"), "十二月预算"),
	))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=sel-preview]"))
	waitVisible(t, ctx, "preview", "[data-testid=bulk-rows]")
	if got := text(t, ctx, "[data-testid=bulk-total]"); !strings.HasPrefix(got, "20.00") {
		t.Fatalf("total of two transfers of 10.00: %q", got)
	}
	screenshot(t, ctx, "purser-selection-preview-zh.png")
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("console errors: %v", errs)
	}
}
