package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/testkit"
)

// sandboxAccounts are the master's totals ("") and the sub-accounts of the default sandbox.
func sandboxAccounts(t *testing.T) (master string, accounts []string) {
	t.Helper()
	sb, err := sandbox.New(sandbox.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	accounts = []string{""}
	for _, s := range sb.State("").SubAccounts {
		accounts = append(accounts, s.ID)
	}
	return sb.DomainID(), accounts
}

// historyBefore counts each account's history points older than before.
func historyBefore(t *testing.T, d cliDB, master string, accounts []string, before time.Time) map[string]int {
	t.Helper()
	db := d.open(t)
	since := before.AddDate(0, 0, -120)
	out := map[string]int{}
	for _, id := range accounts {
		hist, err := db.BalanceHistory(context.Background(), id, since)
		if id == "" {
			hist, err = db.TotalsHistory(context.Background(), master, since)
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range hist {
			if p.TakenAt.Before(before) {
				out[id]++
			}
		}
	}
	return out
}

// TestSandboxHistoryFirstStart: a fresh sandbox database gets 90 daily points for the
// master's totals and every sub-account on its first start; a second start adds none.
func TestSandboxHistoryFirstStart(t *testing.T) {
	t.Parallel()
	master, accounts := sandboxAccounts(t)
	eachPortalDB(t, func(t *testing.T, d cliDB) {
		start := time.Now()
		t.Run("first start", func(t *testing.T) { startPortal(t, d.flags...) })
		first := historyBefore(t, d, master, accounts, start)
		for _, id := range accounts {
			if first[id] < 90 {
				t.Errorf("account %q: %d points before the first start, want ≥ 90", id, first[id])
			}
		}
		t.Run("second start", func(t *testing.T) { startPortal(t, d.flags...) })
		second := historyBefore(t, d, master, accounts, start)
		for _, id := range accounts {
			if second[id] != first[id] {
				t.Errorf("account %q: %d generated points after the second start, %d after the first", id, second[id], first[id])
			}
		}
	})
}

// TestBrowserSandboxHistoryChart: on the first visit the dashboard's totals chart and a
// sub-account's chart draw lines through the generated days, not one dot.
func TestBrowserSandboxHistoryChart(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	// Migrated, River's tables too, nothing seeded: serve generates the history.
	base := servePortal(t, testkit.WithJobs.SQLiteDataDir(t), nil)
	ctx := newBrowser(t, 90*time.Second)
	opsSignIn(t, ctx, base, "finance")
	points := func(css string) int {
		t.Helper()
		a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(css), "points"))
		must(t, "read "+css, err)
		if !a.Exists {
			t.Fatalf("%s has no points", css)
		}
		return len(strings.Fields(a.Value))
	}
	waitVisible(t, ctx, "totals chart", "[data-testid=totals-chart] svg.chart polyline")
	if n := points("[data-testid=totals-chart] svg.chart polyline"); n < 90 {
		t.Errorf("the dashboard chart's line has %d points, want ≥ 90", n)
	}
	screenshot(t, ctx, "purser-dashboard-history.png")
	waitForSync(t, ctx, base)
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=sa-row] [data-testid=sa-link]"))
	waitVisible(t, ctx, "balance chart", "[data-testid=balance-chart] svg.chart polyline")
	if n := points("[data-testid=balance-chart] svg.chart polyline"); n < 90 {
		t.Errorf("the sub-account chart's line has %d points, want ≥ 90", n)
	}
}
