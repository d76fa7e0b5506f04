package reports_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/purser-finance/purser/internal/reports"
	"github.com/purser-finance/purser/internal/store"
	"github.com/purser-finance/purser/internal/store/storetest"
)

var reportNow = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) // 17:00 in Beijing: yesterday is the 24th

// column finds a header's column in a sheet's first row.
func column(t *testing.T, rows [][]string, name string) int {
	t.Helper()
	if i := slices.Index(rows[0], name); i >= 0 {
		return i
	}
	t.Fatalf("no column %q in %q", name, rows[0])
	return -1
}

// at is a row's cell i ("" past its last non-empty cell, which GetRows leaves out).
func at(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

// cellName is the A1 name of row r (0-based, header 0) and column c.
func cellName(r, c int) string { return string(rune('A'+c)) + itoa(r+1) }

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// noMissingMessages fails on a cell showing a message id in brackets (one the catalogue
// lacks).
func noMissingMessages(t *testing.T, b book) {
	t.Helper()
	for _, sh := range b.sheets() {
		for _, row := range b.rows(sh) {
			for _, c := range row {
				if strings.HasPrefix(c, "[") && strings.Contains(c, ".") {
					t.Errorf("sheet %s: untranslated %q", sh, c)
				}
			}
		}
	}
}

// TestReportSheetsAndFigures: a report has one sheet per section its subscriber may
// read, headed in their language, with the figures of their scope only: a finance user
// limited to East sees East's units, sub-accounts, operations of the period (with their
// approvers) and failed or unknown outcomes, and nothing of West; the audit sheets are
// an auditor's alone; a viewer gets no operations. Amounts are numbers with two
// decimals.
func TestReportSheetsAndFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := seedWorld(t, db, reportNow)
		s := service(t, db, func() time.Time { return reportNow }, nil)
		fay := w.fay
		otto := addUser(t, db, "otto", "otto@example.com", "zh", []string{"auditor"})
		walt := addUser(t, db, "walt", "", "en", []string{"viewer"}, "west")

		content, err := s.Build(ctx, *fay, w.period, "en")
		must(t, err)
		b := openBook(t, content)
		noMissingMessages(t, b)
		if got, want := b.sheets(), []string{"Report", "Units", "Sub-accounts", "Operations", "Failed and unknown", "Automatic top-ups", "Alerts"}; !slices.Equal(got, want) {
			t.Fatalf("finance's sheets %q, want %q", got, want)
		}
		cover := b.rows("Report")
		if cover[0][0] != "Item" || cover[2][1] != "2026-11-24" || cover[7][1] != "Acme / East" {
			t.Fatalf("cover %q", cover)
		}

		units := b.rows("Units")
		if len(units) != 2 || units[1][column(t, units, "Organisation unit")] != "Acme / East" {
			t.Fatalf("units of an East user %q", units)
		}
		for col, want := range map[string]string{"Sub-accounts": "2", "Balance": "1250.5", "Daily consumption": "100",
			"Runway (days)": "12.5", "Shortest runway (days)": "10"} {
			v, num := b.raw("Units", cellName(1, column(t, units, col)))
			if v != want || !num {
				t.Errorf("units %s = %q (number %v), want %s", col, v, num, want)
			}
		}
		if got := units[1][column(t, units, "Balance")]; got != "1,250.50" {
			t.Errorf("balance shows %q, want 1,250.50", got)
		}

		subs := b.rows("Sub-accounts")
		var ids []string
		for _, r := range subs[1:] {
			ids = append(ids, r[column(t, subs, "Sub-account ID")])
		}
		if !slices.Equal(ids, []string{"e-1", "e-2"}) {
			t.Fatalf("sub-accounts of an East user: %q", ids)
		}
		if v, num := b.raw("Sub-accounts", cellName(1, column(t, subs, "Runway (days)"))); v != "10" || !num {
			t.Errorf("e-1's runway %q (number %v), want 10 days", v, num)
		}
		if r := subs[2]; r[column(t, subs, "Runway estimate")] != "Not enough history" || at(r, column(t, subs, "Runway (days)")) != "" {
			t.Errorf("e-2 without history: %q", r)
		}

		ops := b.rows("Operations")
		if len(ops) != 2 || ops[1][column(t, ops, "Reason")] != "east-done" || ops[1][column(t, ops, "Approved by")] != "abby" ||
			ops[1][column(t, ops, "Kind")] != "Transfer funds" || ops[1][column(t, ops, "State")] != "Succeeded" {
			t.Fatalf("operations of the period in East: %q", ops)
		}
		if v, num := b.raw("Operations", cellName(1, column(t, ops, "Amount"))); v != "50" || !num {
			t.Errorf("amount %q (number %v)", v, num)
		}
		probs := b.rows("Failed and unknown")
		var reasons []string
		for _, r := range probs[1:] {
			reasons = append(reasons, at(r, column(t, probs, "Error code"))+"/"+r[column(t, probs, "State")])
		}
		if !slices.Equal(reasons, []string{"CBC.0101/Failed", "/Outcome unknown"}) {
			t.Fatalf("failed and unknown in East: %q", reasons)
		}

		// The auditor: every unit, the audit sheets, in Chinese.
		day, counts := auditToday(t, db)
		content, err = s.Build(ctx, *otto, day, "zh")
		must(t, err)
		b = openBook(t, content)
		noMissingMessages(t, b)
		if got, want := b.sheets(), []string{"报表", "组织单元", "子账号", "操作", "失败与结果未知", "自动充值", "预警", "审计摘要", "审计完整性"}; !slices.Equal(got, want) {
			t.Fatalf("auditor's sheets %q, want %q", got, want)
		}
		if units := b.rows("组织单元"); len(units) != 3 || units[0][0] != "组织单元" {
			t.Fatalf("an unscoped auditor's units %q", units)
		}
		sum := b.rows("审计摘要")
		got := map[string]int{}
		for i, r := range sum[1 : len(sum)-1] {
			v, num := b.raw("审计摘要", cellName(i+1, 3))
			if !num {
				t.Fatalf("count %q is not a number", v)
			}
			got[r[column(t, sum, "操作代码")]+"/"+map[string]string{"成功": "success", "失败": "failure", "拒绝": "denied"}[r[column(t, sum, "结果")]]] = atoi(t, v)
		}
		if len(got) != len(counts) || got["auth.login/success"] != 2 || got["auth.login_failed/failure"] != 1 {
			t.Fatalf("audit counts %v, want %v", got, counts)
		}
		for k, n := range counts {
			if got[k] != n {
				t.Errorf("%s: %d events counted, %d in the day", k, got[k], n)
			}
		}
		integrity := map[string]string{}
		for _, r := range b.rows("审计完整性")[1:] {
			integrity[r[0]] = at(r, 1)
		}
		if integrity["最近一次校验"] != "完整" || integrity["已校验事件数"] != "3" || integrity["最近检查点"] != "1" || len(integrity["链头哈希"]) != 64 {
			t.Fatalf("integrity %q", integrity)
		}

		// A viewer limited to West: balances of West, no operations.
		content, err = s.Build(ctx, *walt, w.period, "en")
		must(t, err)
		b = openBook(t, content)
		if got, want := b.sheets(), []string{"Report", "Units", "Sub-accounts", "Alerts"}; !slices.Equal(got, want) {
			t.Fatalf("viewer's sheets %q, want %q", got, want)
		}
		if subs := b.rows("Sub-accounts"); len(subs) != 2 || subs[1][column(t, subs, "Sub-account ID")] != "w-1" {
			t.Fatalf("a West viewer's sub-accounts %q", subs)
		}
	})
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			t.Fatalf("not a count: %q", s)
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// TestReportFileName: a report file is named by its frequency and period.
func TestReportFileName(t *testing.T) {
	p := reports.Previous(reports.Weekly, reportNow)
	if got := reports.FileName(p); got != "purser-weekly-2026-W47.xlsx" {
		t.Fatalf("file name %q", got)
	}
}
