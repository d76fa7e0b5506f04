package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserMatrixTwoLevels drives Chromium through an organisation unit's rule of two
// ordered levels on a real portal: the admin creates the groups Treasury (approver) and
// CFO office (approver2) and the rule for the unit of a sub-account; finance drafts a
// transfer to it and sees who can approve; approver2 neither sees it in the inbox nor may
// approve it; approver approves level 1; only then approver2 finds it and approves level
// 2, and it executes.
func TestBrowserMatrixTwoLevels(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	base := startMigratedPortal(t)
	ctx := newBrowser(t, 300*time.Second)
	console := watchConsole(ctx)

	opsSignIn(t, ctx, base, "admin")
	waitForSync(t, ctx, base)
	// A normal sub-account inside a unit: its page and its unit's name.
	must(t, "open the normal sub-accounts", chromedp.Do(ctx, chromedp.Navigate(base+"/sub-accounts?status=1")))
	waitVisible(t, ctx, "sub-account list", "[data-testid=sa-row]")
	picked, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
		for (const r of document.querySelectorAll("[data-testid=sa-row]")) {
			const org = r.querySelector("[data-testid=sa-org]").textContent.trim();
			if (org !== "" && org !== "—") return [r.querySelector("[data-testid=sa-link]").getAttribute("href"), org];
		}
		return [];
	})()`))
	must(t, "pick a sub-account in a unit", err)
	if len(picked) != 2 {
		t.Fatal("no normal sub-account inside a unit")
	}
	subPath, unitName := picked[0], picked[1]

	// The groups: the first behind a fresh code, the second within the step-up window.
	for i, g := range []struct{ name, member string }{{"Treasury", "approver"}, {"CFO office", "approver2"}} {
		must(t, "open the matrix", chromedp.Do(ctx, chromedp.Navigate(base+"/admin/matrix")))
		waitVisible(t, ctx, "matrix", "[data-testid=matrix-heading]")
		clickAndLoad(t, ctx, chromedp.CSS("[data-testid=matrix-new-group]"))
		waitVisible(t, ctx, "group form", "[data-testid=group-form]")
		must(t, "name the group", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("g-name"), g.name)))
		ticked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
			for (const l of document.querySelectorAll("[data-testid=member] label")) {
				if (l.textContent.trim().startsWith(`+strconv.Quote(g.member+" (")+`)) { l.querySelector("input").checked = true; return true; }
			}
			return false;
		})()`))
		must(t, "tick the member", err)
		if !ticked {
			t.Fatalf("no member %s on the group form", g.member)
		}
		if i == 0 {
			must(t, "type the code", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("group-code"), freshCode(t, base, "admin", demoTOTPSecret))))
		}
		clickAndLoad(t, ctx, chromedp.CSS("[data-testid=group-save]"))
		waitVisible(t, ctx, "matrix after the group", "[data-testid=matrix-groups]")
	}

	// The rule: transfers in the unit need level 1 from Treasury, then level 2 from CFO office.
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=matrix-new-rule]"))
	waitVisible(t, ctx, "rule form", "[data-testid=rule-form]")
	chose, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const pick = (id, label) => {
			const s = document.getElementById(id);
			for (const o of s.options) if (o.textContent.replace(/^(· )+/, "").trim() === label) { s.value = o.value; return true; }
			return false;
		};
		return pick("r-unit", `+strconv.Quote(unitName)+`) && pick("r-group-1", "Treasury") && pick("r-group-2", "CFO office");
	})()`))
	must(t, "choose the unit and the groups", err)
	if !chose {
		t.Fatalf("the rule form does not offer the unit %q or the groups", unitName)
	}
	must(t, "fill the levels", chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("r-count-1"), "1"),
		chromedp.SetValue(chromedp.ID("r-count-2"), "1"),
		chromedp.Click(chromedp.CSS("[data-testid=rule-sequential]")),
		chromedp.SendKeys(chromedp.ID("rule-code"), freshCode(t, base, "admin", demoTOTPSecret)),
	))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=rule-save]"))
	waitVisible(t, ctx, "matrix after the rule", "[data-testid=matrix-rules]")
	const needs = "level 1 — 1 of Treasury; then level 2 — 1 of CFO office"
	if got := text(t, ctx, "[data-testid=matrix-rule-needs]"); got != needs {
		t.Fatalf("the rule needs %q", got)
	}
	screenshot(t, ctx, "purser-matrix.png")
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=logout]"))

	// Finance drafts a transfer to the sub-account and sees who can approve it.
	opsSignIn(t, ctx, base, "finance")
	must(t, "open the sub-account", chromedp.Do(ctx, chromedp.Navigate(base+subPath)))
	waitVisible(t, ctx, "sub-account page", "[data-testid=sa-name]")
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=sa-transfer]"))
	waitVisible(t, ctx, "transfer form", "[data-testid=op-form]")
	must(t, "fill the transfer", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("f-amount"), "25.00"),
		chromedp.SendKeys(chromedp.ID("f-reason"), "Unit budget, two levels"),
	))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=op-submit]"))
	waitVisible(t, ctx, "operation page", "[data-testid=approval-route]")
	opURL := location(t, ctx)
	if got := text(t, ctx, "[data-testid=route-summary]"); got != "Needs: "+needs {
		t.Fatalf("route %q", got)
	}
	who, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("[data-testid=route-approvers]")).map(e => e.textContent.trim())`))
	must(t, "read who can approve", err)
	if strings.Join(who, "|") != "approver|approver2" {
		t.Fatalf("who can approve: %v", who)
	}
	screenshot(t, ctx, "purser-matrix-route.png")
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=logout]"))

	// Level 2 first: not in the inbox, no approve form, a note why.
	opsSignIn(t, ctx, base, "approver2")
	must(t, "open the inbox", chromedp.Do(ctx, chromedp.Navigate(base+"/approvals")))
	waitVisible(t, ctx, "inbox", "[data-testid=inbox-count]")
	if n := count(t, ctx, "[data-testid=inbox-row]"); n != 0 {
		t.Fatalf("level 2's inbox has %d rows before level 1", n)
	}
	must(t, "open the operation", chromedp.Do(ctx, chromedp.Navigate(opURL)))
	waitVisible(t, ctx, "operation", "[data-testid=route-note]")
	if count(t, ctx, "[data-testid=approve-form]") != 0 {
		t.Fatal("level 2 is offered the approve form before level 1")
	}
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=logout]"))

	// Level 1.
	approveFromInbox(t, ctx, base, "approver")
	if got := text(t, ctx, "[data-testid=op-state]"); !strings.Contains(got, "Pending") {
		t.Fatalf("after level 1 the operation is %q", got)
	}
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=logout]"))

	// Level 2, now that level 1 is complete; then it executes.
	approveFromInbox(t, ctx, base, "approver2")
	waitState(t, ctx, opURL, "Succeeded")
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("console errors: %v", errs)
	}
}

// approveFromInbox signs user in, opens the one request in their inbox and approves it
// with a fresh code, landing on the operation's page.
func approveFromInbox(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	opsSignIn(t, ctx, base, user)
	must(t, "open the inbox", chromedp.Do(ctx, chromedp.Navigate(base+"/approvals")))
	waitVisible(t, ctx, user+"'s inbox", "[data-testid=inbox-row]")
	if n := count(t, ctx, "[data-testid=inbox-row]"); n != 1 {
		t.Fatalf("%s's inbox has %d rows, want 1", user, n)
	}
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=inbox-review]"))
	waitVisible(t, ctx, "approve form", "[data-testid=approve-form]")
	must(t, "type the code", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("code"), freshCode(t, base, user, demoTOTPSecret)),
		chromedp.SendKeys(chromedp.ID("approve-comment"), "Within the unit's budget"),
	))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=approve-submit]"))
	waitVisible(t, ctx, "operation after approval", "[data-testid=op-heading]")
}
