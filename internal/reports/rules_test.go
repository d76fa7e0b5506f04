package reports_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/reports"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

// rulesWorld is what seedRules adds to a world: two standing rules (one on East, one on
// West) and the top-ups and alert notices of the period and around it.
type rulesWorld struct {
	east, west int64            // the rules' ids
	topUps     map[string]int64 // the top-ups' operations by name
}

func seedRules(t *testing.T, db *store.DB, w world) rulesWorld {
	t.Helper()
	ctx := context.Background()
	rw := rulesWorld{topUps: map[string]int64{}}
	long := w.period.Start.AddDate(0, 0, -20)
	n := 0
	op := func(kind, sub, org, state, amount string, created time.Time) int64 {
		n++
		o := &store.Operation{Kind: kind, State: state, Params: "{}", Currency: "CNY", SubAccountID: sub,
			OrgPath: "/root/" + org + "/", MasterAccountID: master, RequestedBy: w.fay.ID, RequestedByName: "fay",
			TransID: "rule-" + itoa(n), RequiredApprovals: 2,
			ExpiresAt: created.Add(72 * time.Hour), CreatedAt: created, UpdatedAt: created}
		if amount != "" {
			o.Amount = &amount
		}
		must(t, db.InsertOperation(ctx, o))
		return o.ID
	}
	rule := func(name, org string) int64 {
		r := &store.TopUpRule{Name: name, MasterAccountID: master, OrgPath: "/root/" + org + "/", State: "active", Definition: "{}",
			Version: 1, ValidFrom: long, ValidUntil: long.AddDate(1, 0, 0), OwnerID: w.fay.ID, OwnerName: "fay",
			LastOperationID: op("topup_rule", "", org, "succeeded", "", long), CreatedAt: long, UpdatedAt: long}
		must(t, db.InsertTopUpRule(ctx, r))
		return r.ID
	}
	rw.east, rw.west = rule("East floor", "east"), rule("West floor", "west")
	topUp := func(name string, rule int64, sub, org, state, amount string, at time.Time) {
		id := op("transfer_funds", sub, org, state, amount, at)
		day := at.In(reports.Zone).Format("2006-01-02")
		must(t, db.InsertTopUpPayment(ctx, &store.TopUpPayment{RuleID: rule, SubAccountID: sub, TriggerWindow: day, Month: day[:7],
			Amount: amount, OperationID: id, CreatedAt: at}))
		rw.topUps[name] = id
	}
	in := w.period.Start.Add(2 * time.Hour)
	topUp("e-1", rw.east, "e-1", "east", "succeeded", "1234.56", in)
	topUp("e-2", rw.east, "e-2", "east", "failed", "0.10", in.Add(time.Hour))
	topUp("w-1", rw.west, "w-1", "west", "succeeded", "300.00", in)
	topUp("e-1 before", rw.east, "e-1", "east", "succeeded", "999.99", w.period.Start.Add(-time.Hour))
	topUp("e-1 after", rw.east, "e-1", "east", "approved", "888.88", w.period.End)

	notice := func(sub, kind, details string, at time.Time) {
		claimed, err := db.ClaimAlertNotice(ctx, sub, kind, at.In(reports.Zone).Format("2006-01-02"), details, at)
		must(t, err)
		if !claimed {
			t.Fatalf("notice %s %s not claimed", sub, kind)
		}
	}
	js := func(p map[string]string) string {
		b, err := json.Marshal(p)
		must(t, err)
		return string(b)
	}
	notice("e-1", "low_balance", js(map[string]string{"sub_account_id": "e-1", "name": "east-one", "available": "950.00",
		"currency": "CNY", "threshold": "1000.00"}), in)
	notice("e-2", "anomaly", js(map[string]string{"name": "east-two", "day": "2026-11-23", "consumption": "480.00",
		"median": "100.00", "factor": "3"}), in.Add(time.Minute))
	notice("e-2", "overdraft", "a kind this version does not know", in.Add(2*time.Minute))
	notice("w-1", "low_runway", js(map[string]string{"name": "west-one", "days": "3", "limit": "7"}), in)
	notice("e-1", "low_balance_resolved", js(map[string]string{"name": "east-one", "available": "2000.00", "currency": "CNY"}),
		w.period.Start.Add(-2*time.Hour))
	return rw
}

// TestReportTopUpsAndAlerts: a report lists the period's automatic top-ups (rule, sub-
// account, exact amount, the operation's state and id) and alert notices (kind and
// details in the subscriber's language) of its subscriber's scope only: a finance user
// limited to East sees neither West's top-up nor its alert, nor those before or after
// the period; an unscoped auditor sees West's too, in Chinese; a viewer limited to West
// has the alerts of West and no top-ups (they are operations).
func TestReportTopUpsAndAlerts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := seedWorld(t, db, reportNow)
		rw := seedRules(t, db, w)
		s := service(t, db, func() time.Time { return reportNow }, nil)

		content, err := s.Build(ctx, *w.fay, w.period, "en")
		must(t, err)
		b := openBook(t, content)
		noMissingMessages(t, b)
		if got := b.sheets(); !slices.Contains(got, "Automatic top-ups") || !slices.Contains(got, "Alerts") {
			t.Fatalf("finance's sheets %q lack the top-ups or the alerts", got)
		}
		tops := b.rows("Automatic top-ups")
		if len(tops) != 3 {
			t.Fatalf("top-ups of the period in East: %q", tops)
		}
		want := []struct {
			sub, name, amount, state string
			op                       int64
		}{
			{"e-1", "east-one", "1234.56", "Succeeded", rw.topUps["e-1"]},
			{"e-2", "east-two", "0.1", "Failed", rw.topUps["e-2"]},
		}
		for i, wt := range want {
			r := tops[i+1]
			if r[column(t, tops, "Sub-account ID")] != wt.sub || r[column(t, tops, "Sub-account")] != wt.name ||
				r[column(t, tops, "Rule name")] != "East floor" || r[column(t, tops, "State")] != wt.state ||
				r[column(t, tops, "Currency")] != "CNY" || r[column(t, tops, "Operation")] != itoa(int(wt.op)) ||
				r[column(t, tops, "Rule")] != itoa(int(rw.east)) {
				t.Errorf("top-up %d: %q, want %+v of rule %d", i, r, wt, rw.east)
			}
			if v, num := b.raw("Automatic top-ups", cellName(i+1, column(t, tops, "Amount"))); v != wt.amount || !num {
				t.Errorf("top-up %s amount %q (number %v), want %s", wt.sub, v, num, wt.amount)
			}
		}
		if got := tops[1][column(t, tops, "Amount")]; got != "1,234.56" {
			t.Errorf("amount shows %q", got)
		}
		if got := tops[1][column(t, tops, "When")]; got != "2026-11-24 02:00:00" {
			t.Errorf("top-up made at %q (Beijing), want 2026-11-24 02:00", got)
		}

		alerts := b.rows("Alerts")
		var got []string
		for _, r := range alerts[1:] {
			got = append(got, r[column(t, alerts, "Sub-account ID")]+"|"+r[column(t, alerts, "Sub-account")]+"|"+
				r[column(t, alerts, "Alert")]+"|"+r[column(t, alerts, "Details")])
		}
		if wantAlerts := []string{
			"e-1|east-one|Low balance|east-one is low: 950.00 CNY left, below its alert level of 1000.00.",
			"e-2|east-two|Unusual consumption|east-two consumed 480.00 on 2026-11-23, more than 3 times its usual 100.00 a day.",
			"e-2|east-two|overdraft|a kind this version does not know",
		}; !slices.Equal(got, wantAlerts) {
			t.Fatalf("alerts of the period in East:\n%q\nwant\n%q", got, wantAlerts)
		}

		// The auditor: every unit's, in Chinese.
		otto := addUser(t, db, "otto", "", "zh", []string{"auditor"})
		content, err = s.Build(ctx, *otto, w.period, "zh")
		must(t, err)
		b = openBook(t, content)
		noMissingMessages(t, b)
		tops = b.rows("自动充值")
		var subs []string
		for _, r := range tops[1:] {
			subs = append(subs, r[column(t, tops, "子账号 ID")]+"/"+r[column(t, tops, "状态")])
		}
		if !slices.Equal(subs, []string{"e-1/成功", "e-2/失败", "w-1/成功"}) {
			t.Fatalf("an unscoped auditor's top-ups %q", subs)
		}
		if v, _ := b.raw("自动充值", cellName(3, column(t, tops, "金额"))); v != "300" {
			t.Errorf("West's top-up %q, want 300", v)
		}
		alerts = b.rows("预警")
		if len(alerts) != 5 || alerts[4][column(t, alerts, "预警")] != "可用天数不足" ||
			alerts[4][column(t, alerts, "详情")] != "按日常消耗，west-one 的余额约 3 天后用完（预警线 7 天）。" {
			t.Fatalf("an unscoped auditor's alerts %q", alerts)
		}

		// A viewer limited to West: West's alert, no top-ups.
		walt := addUser(t, db, "walt", "", "en", []string{"viewer"}, "west")
		content, err = s.Build(ctx, *walt, w.period, "en")
		must(t, err)
		b = openBook(t, content)
		if slices.Contains(b.sheets(), "Automatic top-ups") {
			t.Fatalf("a viewer's report has top-ups: %q", b.sheets())
		}
		if alerts := b.rows("Alerts"); len(alerts) != 2 || alerts[1][column(t, alerts, "Sub-account ID")] != "w-1" {
			t.Fatalf("a West viewer's alerts %q", alerts)
		}
	})
}
