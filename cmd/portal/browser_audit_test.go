package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// auditLayout is what the audit list measures in the browser.
type auditLayout struct {
	PageHeight int      `json:"pageHeight"`
	Rows       int      `json:"rows"`
	MinRow     float64  `json:"minRow"`
	MaxRow     float64  `json:"maxRow"`
	Wrapped    []string `json:"wrapped"` // cells whose text takes more than one line
	Targets    []string `json:"targets"`
}

// measureAuditJS measures the page: its height, each row's height, and for every cell
// whether a text takes more than one line (a Range's client rects are one per line box).
const measureAuditJS = `(() => {
  const rows = [...document.querySelectorAll("[data-testid=audit-row]")];
  const hs = rows.map(r => r.getBoundingClientRect().height);
  const wrapped = [];
  for (const r of rows) for (const td of r.cells) {
    const walk = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(n);
      const tops = new Set([...range.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top)));
      if (tops.size > 1) { wrapped.push(td.className + ": " + td.textContent.trim()); break; }
    }
  }
  return {pageHeight: document.documentElement.scrollHeight, rows: rows.length,
    minRow: Math.min(...hs), maxRow: Math.max(...hs), wrapped,
    targets: rows.map(r => r.querySelector("[data-testid=audit-target]").textContent.trim())};
})()`

// TestBrowserAuditListFitsAScreen: at 1280×800, a page of 50 audit events is at most
// 1,600 px high, every row is one line (the IP address does not wrap), targets are named
// in people's words, and nothing logs a console error; in English and Chinese.
func TestBrowserAuditListFitsAScreen(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	base := startMigratedPortal(t)
	ctx := newBrowser(t, 120*time.Second)
	console := watchConsole(ctx)
	opsSignIn(t, ctx, base, "auditor")
	must(t, "set the viewport", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)))

	// Every search is itself audited: search until a full page of 50 exists.
	for i := 0; ; i++ {
		must(t, "open the audit trail", chromedp.Do(ctx, chromedp.Navigate(base+"/audit")))
		waitVisible(t, ctx, "audit list", "[data-testid=audit-table]")
		if count(t, ctx, "[data-testid=audit-older]") == 1 {
			break
		}
		if i > 80 {
			t.Fatal("fewer than 51 audit events after 80 searches")
		}
	}
	check := func(lang, userLabel string) {
		t.Helper()
		must(t, "open the audit trail", chromedp.Do(ctx, chromedp.Navigate(base+"/audit")))
		waitVisible(t, ctx, "audit list", "[data-testid=audit-table]")
		screenshot(t, ctx, "purser-audit-"+lang+".png")
		m, err := chromedp.Run(ctx, chromedp.Evaluate[auditLayout](measureAuditJS))
		must(t, "measure the audit list", err)
		if m.Rows != 50 {
			t.Fatalf("%s: %d rows, want 50", lang, m.Rows)
		}
		if m.PageHeight > 1600 {
			t.Errorf("%s: 50 events take %d px, want at most 1,600", lang, m.PageHeight)
		}
		if m.MaxRow-m.MinRow > 0.5 {
			t.Errorf("%s: rows between %.1f and %.1f px high: some are not one line", lang, m.MinRow, m.MaxRow)
		}
		if len(m.Wrapped) > 0 {
			t.Errorf("%s: cells on more than one line: %q", lang, m.Wrapped)
		}
		// The sign-ins name their user.
		must(t, "search the sign-ins", chromedp.Do(ctx, chromedp.Navigate(base+"/audit?area=auth&actor=auditor")))
		waitVisible(t, ctx, "audit list", "[data-testid=audit-table]")
		m, err = chromedp.Run(ctx, chromedp.Evaluate[auditLayout](measureAuditJS))
		must(t, "read the sign-ins", err)
		named := false
		for _, x := range m.Targets {
			named = named || x == userLabel
		}
		if !named {
			t.Errorf("%s: no target reads %q: %q", lang, userLabel, m.Targets)
		}
	}
	check("en", "User \u2068auditor\u2069")
	clickAndLoad(t, ctx, `//form[@data-testid="lang-switch"]//button[normalize-space()="简体中文"]`)
	check("zh", "用户 \u2068auditor\u2069")
	if errs := console.list(); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}
}
