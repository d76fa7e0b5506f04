package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserDraftPickers drafts as finance would, naming nothing by id: a coupon
// allocation whose sub-account is found by typing part of its Chinese display name and
// picked from the suggestions, then one of the master's coupons picked; and, in Chinese, a
// renewal of resources picked from the account's list, narrowed by expiry, with "select
// all shown" and "clear" tried on the way. Each draft is created for the ids picked, and
// no page logs a console error.
func TestBrowserDraftPickers(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	base := startMigratedPortal(t)
	ctx := newBrowser(t, 150*time.Second)
	console := watchConsole(ctx)
	opsSignIn(t, ctx, base, "finance")
	waitForSync(t, ctx, base)

	// A normal sub-account with a Chinese display name, from the list.
	must(t, "open the normal sub-accounts", chromedp.Do(ctx, chromedp.Navigate(base+"/sub-accounts?status=1")))
	waitVisible(t, ctx, "sub-account list", "[data-testid=sa-row]")
	type sub struct{ ID, Display string }
	target, err := chromedp.Run(ctx, chromedp.Evaluate[sub](`(() => {
		for (const r of document.querySelectorAll("[data-testid=sa-row]")) {
			const d = r.querySelector(".muted.small bdi");
			if (d && /[\u4e00-\u9fff]/.test(d.textContent)) return {ID: r.dataset.id, Display: d.textContent.trim()};
		}
		return {};
	})()`))
	must(t, "find a Chinese display name", err)
	if target.ID == "" {
		t.Fatal("no normal sub-account with a Chinese display name in the demo data")
	}
	// "数据中台-张伟-7" → "张伟-7": the person and the number, not the whole name.
	parts := strings.Split(target.Display, "-")
	typed := strings.Join(parts[1:], "-")

	// A coupon allocation.
	console.reset()
	must(t, "open the allocation form", chromedp.Do(ctx, chromedp.Navigate(base+"/operations/new?kind=transfer_coupon")))
	waitVisible(t, ctx, "allocation form", "[data-testid=op-form]")
	if count(t, ctx, "[data-testid=coupon-option]") == 0 {
		t.Fatal("the allocation form lists none of the master's coupons")
	}
	must(t, "type part of the display name", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("f-sub_account_id"), typed)))
	option := `[data-testid=sa-option][data-id="` + target.ID + `"]`
	waitTrue(t, ctx, "the suggestions for the text typed", `(() => {
		const opts = [...document.querySelectorAll("[data-testid=sa-option]")];
		return opts.length > 0 && opts.every(o => o.textContent.includes(`+strconv.Quote(typed)+`));
	})()`)
	waitVisible(t, ctx, "the sub-account among the suggestions", option)
	if got := text(t, ctx, option); !strings.Contains(got, target.Display) {
		t.Fatalf("the suggestion reads %q, want the display name %q", got, target.Display)
	}
	screenshot(t, ctx, "purser-pick-sub-account.png")
	must(t, "pick the sub-account", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(option))))
	waitTrue(t, ctx, "the sub-account picked", `document.getElementById("f-sub_account_id").value === `+strconv.Quote(target.ID)+
		` && !!document.querySelector("[data-testid=sa-chosen]")`)
	coupon, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-testid=coupon-option] input:not([disabled])").value`))
	must(t, "read the first coupon", err)
	must(t, "pick the coupon, type amount and reason", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=coupon-option] input[value="`+coupon+`"]`)),
		chromedp.SendKeys(chromedp.ID("f-amount"), "1.00"),
		chromedp.SendKeys(chromedp.ID("f-reason"), "Coupon for the launch"),
	))
	screenshot(t, ctx, "purser-pick-coupon.png")
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=op-submit]"))
	waitVisible(t, ctx, "the allocation", "[data-testid=op-heading]")
	if got := text(t, ctx, "[data-testid=snap-sub-account]"); !strings.Contains(got, target.ID) {
		t.Fatalf("the allocation is for %q, want %s", got, target.ID)
	}
	if got := text(t, ctx, "[data-testid=snap-coupon-id]"); got != coupon {
		t.Fatalf("the allocation's coupon is %q, want %q", got, coupon)
	}

	// A renewal, in Chinese.
	clickAndLoad(t, ctx, chromedp.CSS(`[data-testid=lang-switch] button[value=zh]`))
	must(t, "open the renewal form", chromedp.Do(ctx, chromedp.Navigate(base+"/operations/new?kind=renew_resources")))
	waitVisible(t, ctx, "renewal form", "[data-testid=resource-option]")
	if got := text(t, ctx, "[data-testid=resource-choices] legend"); got != "资源" {
		t.Fatalf("the resource picker's legend %q is not Chinese", got)
	}
	all := count(t, ctx, "[data-testid=resource-option]")
	must(t, "narrow to 90 days", chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("f-expiring"), "90")))
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("f-expiring").dispatchEvent(new Event("change", {bubbles: true}))`))
	must(t, "apply the filter", err)
	waitTrue(t, ctx, "the filter applied", `document.querySelectorAll("[data-testid=resource-option]").length < `+strconv.Itoa(all))
	shown := count(t, ctx, "[data-testid=resource-option]")
	if shown == 0 {
		t.Fatal("no resource expires within 90 days in the demo data")
	}
	limit := time.Now().Add(91 * 24 * time.Hour).Format("2006-01-02")
	dates, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=resource-expire]")].map(e => e.firstChild.textContent.trim())`))
	must(t, "read the expiry dates", err)
	for _, d := range dates {
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\d$`).MatchString(d) || d > limit {
			t.Fatalf("a resource expiring %q is shown within 90 days", d)
		}
	}
	must(t, "select all shown", chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-testid=resource-select-all]"))))
	waitTrue(t, ctx, "all shown selected", `document.querySelectorAll("[data-testid=resource-option] input:checked").length === `+strconv.Itoa(shown))
	must(t, "clear", chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-testid=resource-select-none]"))))
	waitTrue(t, ctx, "none selected", `document.querySelectorAll("[data-testid=resource-option] input:checked").length === 0`)
	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("[data-testid=resource-option]")].slice(0, 2).map(r => r.dataset.id)`))
	must(t, "read two resources", err)
	for _, id := range ids {
		must(t, "tick "+id, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid=resource-option][data-id="`+id+`"] input`))))
	}
	must(t, "type the reason", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("f-reason"), "续费下季度")))
	screenshot(t, ctx, "purser-pick-resources-zh.png")
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=op-submit]"))
	waitVisible(t, ctx, "the renewal", "[data-testid=op-heading]")
	got := strings.Fields(text(t, ctx, "[data-testid=snap-resource-ids]"))
	if strings.Join(got, " ") != strings.Join(ids, " ") {
		t.Fatalf("the renewal is for %q, want %q", got, ids)
	}
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("console errors: %q", errs)
	}
}

// waitTrue polls js until it is true, for what a script (htmx) changes in place rather
// than by loading a page.
func waitTrue(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		must(t, "check "+what, err)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, stepTimeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
