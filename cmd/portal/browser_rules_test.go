package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/bss/sandbox"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/testkit"
)

// Issue 14's browser story of a standing top-up rule: finance drafts "balance below
// 1,000.00 → top up 50.00" for one sub-account, two approvers approve it with TOTP, the
// sandbox burns the account below the trigger, a refresh syncs the balances and the
// evaluation after it tops the account up once; the transfer executes, and a second
// refresh — the balance still below the trigger — pays nothing more. The upstream is a
// sandbox the test holds (the demo portal's in-process one is out of its reach), so the
// users are added with the CLI, as an operator would.

const (
	ruleTrigger = "1000.00"
	ruleTopUp   = "50.00"
	ruleBurnTo  = "100.00" // below the trigger, and still below it after one top-up
)

func TestBrowserRuleTopsUpOnce(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	began := time.Now()
	// A trigger window is a Beijing day: across midnight a second top-up would be due.
	waitPastBeijingMidnight(t, 2*time.Minute)

	sb, opts := startTestSandbox(t, 4)
	target := quietSubAccount(t, sb)
	dir := testkit.WithJobs.SQLiteDataDir(t) // migrated, River's tables too: what a start did first
	cli := map[string]string{"PORTAL_DATA_DIR": dir, "PORTAL_SECRET_KEY": newSecretKey()}
	func() {
		defer cliPhase()()
		for _, u := range [][2]string{{"finance", "finance"}, {"approver", "approver"}, {"approver2", "approver"}} {
			addCLIUser(t, cli, demoPassword, u[0], u[1], demoTOTPSecret)
		}
	}()
	vars := sandboxUpstream(sb, opts)
	for k, v := range cli {
		vars[k] = v
	}
	base := servePortal(t, dir, vars)
	db, err := store.Open(context.Background(), "sqlite://"+filepath.Join(dir, "portal.db"), nil)
	must(t, "open the portal's database", err)
	t.Cleanup(func() { _ = db.Close() })

	ctx := newBrowser(t, 120*time.Second)
	consoles := []*consoleErrors{watchConsole(ctx)}
	approvers := make([]context.Context, 2)
	for i := range approvers {
		// Each approver in a browser context of their own: both are signed in at once, so
		// their approvals need one new TOTP step between them and the sign-ins, not two.
		actx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		must(t, "open an approver's browser context", chromedp.Do(actx))
		consoles = append(consoles, watchConsole(actx))
		approvers[i] = actx
	}
	opsSignIn(t, approvers[0], base, "approver")
	opsSignIn(t, approvers[1], base, "approver2")
	opsSignIn(t, ctx, base, "finance")
	waitForSync(t, ctx, base)
	t.Logf("portal synced, three users signed in %s after the start", time.Since(began).Round(100*time.Millisecond))

	opURL := draftRule(t, ctx, base, target)
	for i, name := range []string{"approver", "approver2"} {
		actx := approvers[i]
		must(t, "open the rule's operation", chromedp.Do(actx, chromedp.Navigate(opURL)))
		waitVisible(t, actx, "approve form", "[data-testid=approve-form]")
		must(t, "type the code", chromedp.Do(actx, chromedp.SendKeys(chromedp.ID("code"), freshCode(t, base, name, demoTOTPSecret))))
		clickAndLoad(t, actx, chromedp.CSS("[data-testid=approve-submit]"))
		waitVisible(t, actx, "operation after approval", "[data-testid=op-heading]")
	}
	waitState(t, ctx, opURL, "Succeeded") // the rule is applied: it is active
	must(t, "open the rules", chromedp.Do(ctx, chromedp.Navigate(base+"/rules")))
	waitVisible(t, ctx, "rules list", "[data-testid=rules-table]")
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=rule-link]"))
	waitVisible(t, ctx, "rule page", "[data-testid=rule-payments-empty]")
	ruleURL := location(t, ctx)
	t.Logf("rule approved and active %s after the start", time.Since(began).Round(100*time.Millisecond))

	// The account runs low upstream; a refresh reads it and the evaluation tops it up.
	if !sb.Server().SetDebit(target, decimal.RequireFromString(ruleBurnTo)) {
		t.Fatalf("the sandbox has no sub-account %s", target)
	}
	refreshBalances(t, ctx, base, db)
	payments := waitTopUps(t, ctx, ruleURL)
	if payments != 1 {
		t.Fatalf("%d top-ups after the account fell below the trigger, want 1", payments)
	}
	if got := text(t, ctx, "[data-testid=rule-payment] td.num"); !strings.Contains(got, ruleTopUp) {
		t.Errorf("the top-up shows %q, want %s", got, ruleTopUp)
	}
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=rule-payment-op]"))
	waitState(t, ctx, location(t, ctx), "Succeeded")
	want := decimal.RequireFromString(ruleBurnTo).Add(decimal.RequireFromString(ruleTopUp))
	if got := sandboxDebit(t, sb, target); !got.Equal(want) {
		t.Fatalf("the sandbox holds %s on %s after the top-up, want %s", got, target, want)
	}
	t.Logf("top-up executed %s after the start", time.Since(began).Round(100*time.Millisecond))

	// Still below the trigger: the next sync's evaluation finds the window paid.
	refreshBalances(t, ctx, base, db)
	must(t, "reload the rule", chromedp.Do(ctx, chromedp.Navigate(ruleURL)))
	waitVisible(t, ctx, "rule page", "[data-testid=rule-payments]")
	if n := count(t, ctx, "[data-testid=rule-payment]"); n != 1 {
		t.Fatalf("%d top-ups after a second sync below the trigger, want still 1", n)
	}
	if got := text(t, ctx, "[data-testid=rule-payment] .badge"); got != "Succeeded" {
		t.Errorf("the top-up's state reads %q, want Succeeded", got)
	}
	if got := sandboxDebit(t, sb, target); !got.Equal(want) {
		t.Errorf("the sandbox holds %s on %s after the second sync, want still %s", got, target, want)
	}
	transfers := 0
	for _, e := range sb.Server().Ledger() {
		if e.Kind == "transfer" && e.CustomerID == target {
			transfers++
		}
	}
	if transfers != 1 {
		t.Errorf("the sandbox applied %d transfers to %s, want 1", transfers, target)
	}

	// The rule's page in Chinese, once.
	clickAndLoad(t, ctx, `//form[@data-testid="lang-switch"]//button[normalize-space()="简体中文"]`)
	waitVisible(t, ctx, "rule page in Chinese", "[data-testid=rule-payments]")
	if got := text(t, ctx, "[data-testid=rule-payment] .badge"); got != "成功" {
		t.Errorf("the top-up's state in Chinese reads %q, want 成功", got)
	}
	body := text(t, ctx, "main")
	if !strings.Contains(body, "本月充值") {
		t.Errorf("the rule page in Chinese lacks its top-ups' heading:\n%s", body)
	}
	if m := missingMessage.FindString(body); m != "" {
		t.Errorf("the rule page in Chinese shows the message id %s", m)
	}
	screenshot(t, ctx, "purser-rule-topup-zh.png")
	for _, c := range consoles {
		if errs := c.list(); len(errs) > 0 {
			t.Fatalf("console errors: %v", errs)
		}
	}
	t.Logf("rule test done %s after the start", time.Since(began).Round(100*time.Millisecond))
}

// missingMessage is how a message the catalogue lacks shows: its id in brackets.
var missingMessage = regexp.MustCompile(`\[[a-z_]+\.[a-z_.]+\]`)

// waitPastBeijingMidnight waits for the next Beijing day when it begins within margin.
func waitPastBeijingMidnight(t *testing.T, margin time.Duration) {
	t.Helper()
	now := time.Now().In(time.FixedZone("CST", 8*3600))
	next := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 1, 0, now.Location())
	if wait := next.Sub(now); wait < margin {
		t.Logf("waiting %s for the next Beijing day", wait.Round(time.Second))
		time.Sleep(wait)
	}
}

// quietSubAccount is a normal sub-account of sb without credit: its balance is its cash,
// which SetDebit sets.
func quietSubAccount(t *testing.T, sb *sandbox.Running) string {
	t.Helper()
	for _, sa := range sb.Server().State("").SubAccounts {
		if sa.Status == 1 && len(sa.Credit) == 0 {
			return sa.ID
		}
	}
	t.Fatal("the sandbox has no normal sub-account without credit")
	return ""
}

func sandboxDebit(t *testing.T, sb *sandbox.Running, id string) decimal.Decimal {
	t.Helper()
	subs := sb.Server().State(id).SubAccounts
	if len(subs) != 1 {
		t.Fatalf("the sandbox has no sub-account %s", id)
	}
	return decimal.RequireFromString(subs[0].Debit)
}

// draftRule fills the rule form as finance and answers the page of the operation that
// asks for its approval.
func draftRule(t *testing.T, ctx context.Context, base, target string) string {
	t.Helper()
	must(t, "open the rule form", chromedp.Do(ctx, chromedp.Navigate(base+"/rules/new?sub_account_id="+target)))
	waitVisible(t, ctx, "rule form", "[data-testid=rule-form]")
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("f-target_id").value`)); err != nil || got != target {
		t.Fatalf("the form names %q (%v), want the sub-account %s", got, err, target)
	}
	until := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 1, 0).Format("2006-01-02")
	must(t, "fill the rule form", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("f-name"), "Keep "+target[:6]+" afloat"),
		chromedp.SetValue(chromedp.ID("f-trigger_kind"), "balance_below"),
		chromedp.SendKeys(chromedp.ID("f-trigger_amount"), ruleTrigger),
		chromedp.SetValue(chromedp.ID("f-action_kind"), "fixed"),
		chromedp.SendKeys(chromedp.ID("f-action_amount"), ruleTopUp),
		chromedp.SendKeys(chromedp.ID("f-cap_per_topup"), ruleTopUp),
		chromedp.SendKeys(chromedp.ID("f-cap_account_month"), "500.00"),
		chromedp.SendKeys(chromedp.ID("f-cap_month"), "500.00"),
		chromedp.SendKeys(chromedp.ID("f-valid_until"), until),
		chromedp.SendKeys(chromedp.ID("f-reason"), "The data team's account must not run dry"),
	))
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=rule-submit]"))
	if count(t, ctx, "[data-testid=form-errors]") > 0 {
		t.Fatalf("the rule form came back: %s", text(t, ctx, "[data-testid=rule-form]"))
	}
	waitVisible(t, ctx, "the rule's operation", "[data-testid=op-heading]")
	if got := text(t, ctx, "[data-testid=op-state]"); !strings.Contains(got, "Pending") {
		t.Fatalf("the drafted rule is %q, want pending approval", got)
	}
	return location(t, ctx)
}

// refreshBalances presses Refresh on the sub-account list once no sync runs and no
// evaluation of the rules is left, and waits until the evaluation queued after that sync
// has finished.
func refreshBalances(t *testing.T, ctx context.Context, base string, db *store.DB) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var before int
	for {
		must(t, "open the sub-account list", chromedp.Do(ctx, chromedp.Navigate(base+"/sub-accounts")))
		waitVisible(t, ctx, "sub-account list", "[data-testid=refresh]")
		done, left := evaluations(t, db)
		if count(t, ctx, "[data-testid=as-of-running]") == 0 && left == 0 {
			before = done
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a sync or an evaluation is still running 30 s later (%d evaluations left)", left)
		}
		time.Sleep(300 * time.Millisecond)
	}
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=refresh]"))
	for {
		done, left := evaluations(t, db)
		if done > before && left == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rules' evaluation after the refresh did not finish: %d done before, %d now, %d left", before, done, left)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// evaluations counts the rules_evaluate jobs that completed and those still to run; one
// that failed and waits for its retry counts as left.
func evaluations(t *testing.T, db *store.DB) (done, left int) {
	t.Helper()
	var rows []struct {
		State string
		N     int
	}
	if err := db.Gorm().Raw(`SELECT state, COUNT(*) AS n FROM river_job WHERE kind = 'rules_evaluate' GROUP BY state`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		switch r.State {
		case "completed":
			done += r.N
		case "available", "pending", "running", "retryable", "scheduled":
			left += r.N
		default:
			t.Fatalf("a rules_evaluate job ended %s", r.State)
		}
	}
	return done, left
}

// waitTopUps reloads the rule's page until it lists a top-up, and answers how many.
func waitTopUps(t *testing.T, ctx context.Context, ruleURL string) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		must(t, "open the rule", chromedp.Do(ctx, chromedp.Navigate(ruleURL)))
		waitVisible(t, ctx, "rule page", "[data-testid=rule-heading]")
		if n := count(t, ctx, "[data-testid=rule-payment]"); n > 0 {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("no top-up on %s 20 s after the evaluation", ruleURL)
		}
		time.Sleep(300 * time.Millisecond)
	}
}
