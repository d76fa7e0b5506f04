package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

// While a balance pass runs (most of an hour over 10,000 sub-accounts), every page that
// shows balances says how far it is, in both languages, and /metrics says the same.
func TestBalancePassProgress(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := readPortalOn(t, db)
		b := p.signedIn("fiona")
		if r := b.get("/sub-accounts"); r.has(t, "as-of-progress") {
			t.Fatal("a progress line without a running pass")
		}

		run, err := p.db.BeginSyncRun(ctx, testMaster, "balances", "", "test", "test-owner", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.db.SaveRunProgress(ctx, run.ID, store.RunProgress{Items: 3120, Errors: 4, Total: 10000, Cursor: "since:2026-11-20T00:00:00Z"}); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/sub-accounts", "/", "/sub-accounts/sa-alpha"} {
			r := b.get(path)
			if got := r.testid(t, "as-of-progress"); r.status != 200 || got != "Balances read: 3,120 of 10,000" || !r.has(t, "as-of-running") {
				t.Errorf("%s: progress %q (status %d)", path, got, r.status)
			}
		}
		if r := b.get("/cards"); r.has(t, "as-of-progress") {
			t.Error("the cards page shows the balance pass")
		}
		b.lang = "zh-CN,zh;q=0.9"
		if got := b.get("/sub-accounts").testid(t, "as-of-progress"); got != "已读取余额：3,120 / 10,000 个子账号" {
			t.Errorf("zh progress %q", got)
		}
		b.lang = ""

		metrics := b.get("/metrics").body
		for _, want := range []string{
			`purser_sync_balances_read{master="` + testMaster + `"} 3120`,
			`purser_sync_balances_total{master="` + testMaster + `"} 10000`,
			`purser_sync_balances_errors{master="` + testMaster + `"} 4`,
			`purser_sync_balances_running{master="` + testMaster + `"} 1`,
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}

		if _, err := p.db.FinishSyncRun(ctx, run.ID, store.RunSucceeded, store.RunProgress{Items: 10000, Total: 10000}, ""); err != nil {
			t.Fatal(err)
		}
		if r := b.get("/sub-accounts"); r.has(t, "as-of-progress") {
			t.Errorf("a finished pass still shows progress %q", r.testid(t, "as-of-progress"))
		}
		metrics = b.get("/metrics").body
		if !strings.Contains(metrics, `purser_sync_balances_running{master="`+testMaster+`"} 0`) ||
			!strings.Contains(metrics, `purser_sync_balances_read{master="`+testMaster+`"} 10000`) {
			t.Error("/metrics after the pass finished:\n" + metrics[:min(len(metrics), 400)])
		}
	})
}
