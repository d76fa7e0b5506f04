package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestBrowserBulkFiles uploads in Chromium the files a Chinese finance team has: a GBK
// CSV from Excel on Chinese Windows, a semicolon-separated CSV and an .xlsx workbook. Each
// preview says how the file was read and shows its rows as typed (十二月预算, not
// mojibake; 1,234.50 from the workbook's 1234.5); the workbook is then submitted as a
// batch. No page logs a console error on the way.
func TestBrowserBulkFiles(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	base := startMigratedPortal(t)
	ctx := newBrowser(t, 180*time.Second)
	console := watchConsole(ctx)

	opsSignIn(t, ctx, base, "finance")
	waitForSync(t, ctx, base)
	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("[data-testid=sa-row] [data-testid=sa-link]")).slice(0, 2).map(a => a.getAttribute("href").split("/").pop())`))
	must(t, "read two sub-account ids", err)
	if len(ids) != 2 {
		t.Fatalf("sub-account ids: %q", ids)
	}
	dir := t.TempDir()
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("子账号,金额,余额类型,原因\r\n" + ids[0] + ",1.00,现金,十二月预算\r\n" + ids[1] + ",2.00,现金,年终奖金\r\n"))
	must(t, "encode GBK", err)
	files := []struct {
		name, detected, reason, total string
		data                          []byte
	}{
		{"预算.csv", "Read as GB18030, comma-separated, 2 rows.", "十二月预算", "3.00", gbk},
		{"budget-semicolon.csv", "Read as UTF-8, semicolon-separated, 2 rows.", "Q4 budget",
			"1,002.50", []byte("sub_account;amount;reason\n" + ids[0] + ";\"1,000.50\";Q4 budget\n" + ids[1] + ";2.00;Q4 budget\n")},
		{"budget.xlsx", "Read from the sheet “Sheet1” of the workbook, 2 rows.", "十二月预算", "1,234.80", browserXLSX(t, ids)},
	}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if err := os.WriteFile(path, f.data, 0o600); err != nil {
			t.Fatal(err)
		}
		must(t, "open the bulk form", chromedp.Do(ctx, chromedp.Navigate(base+"/operations/bulk")))
		waitVisible(t, ctx, "bulk form", "[data-testid=bulk-form]")
		must(t, "choose "+f.name, chromedp.Do(ctx,
			chromedp.SetUploadFiles(chromedp.ID("bulk-file"), []string{path}),
			chromedp.SendKeys(chromedp.ID("bulk-reason"), "December top-up"),
		))
		clickAndLoad(t, ctx, chromedp.CSS("[data-testid=bulk-preview]"))
		waitVisible(t, ctx, f.name+" preview", "[data-testid=bulk-detected]")
		if got := text(t, ctx, "[data-testid=bulk-detected]"); got != f.detected {
			t.Fatalf("%s: detected %q, want %q", f.name, got, f.detected)
		}
		if n := count(t, ctx, "[data-testid=bulk-row]"); n != 2 {
			t.Fatalf("%s: %d rows: %s", f.name, n, text(t, ctx, "main"))
		}
		if rows := text(t, ctx, "[data-testid=bulk-rows]"); !strings.Contains(rows, f.reason) || !strings.Contains(rows, ids[1]) {
			t.Fatalf("%s rows: %q", f.name, rows)
		}
		if got := text(t, ctx, "[data-testid=bulk-total]"); !strings.HasPrefix(got, f.total) {
			t.Fatalf("%s total %q, want %s", f.name, got, f.total)
		}
	}
	screenshot(t, ctx, "purser-bulk-xlsx-preview.png")
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=bulk-submit]"))
	waitVisible(t, ctx, "batch page", "[data-testid=batch-progress]")
	if !strings.Contains(location(t, ctx), "/operations/batches/") {
		t.Fatalf("submit went to %s", location(t, ctx))
	}

	// In Chinese, a GBK file with one unknown sub-account, skipping the invalid rows.
	clickAndLoad(t, ctx, `//form[@data-testid="lang-switch"]//button[normalize-space()="简体中文"]`)
	bad, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("子账号,金额,原因\r\n" + ids[0] + ",1.00,十二月预算\r\n不存在的子账号,2.00,年终\r\n"))
	must(t, "encode GBK", err)
	path := filepath.Join(dir, "跳过.csv")
	if err := os.WriteFile(path, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	must(t, "open the bulk form", chromedp.Do(ctx, chromedp.Navigate(base+"/operations/bulk")))
	waitVisible(t, ctx, "bulk form", "[data-testid=bulk-form]")
	must(t, "choose the file and to skip", chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.ID("bulk-file"), []string{path}),
		chromedp.Click(chromedp.CSS("[data-testid=bulk-on-error-skip]")),
		chromedp.SendKeys(chromedp.ID("bulk-reason"), "十二月预算"),
	))
	screenshot(t, ctx, "purser-bulk-form-zh.png")
	clickAndLoad(t, ctx, chromedp.CSS("[data-testid=bulk-preview]"))
	waitVisible(t, ctx, "skip preview", "[data-testid=bulk-skip-summary]")
	if got := text(t, ctx, "[data-testid=bulk-detected]"); got != "按 GB18030 读取，逗号分隔，共 2 行。" {
		t.Fatalf("zh detected %q", got)
	}
	if n, s := count(t, ctx, "[data-testid=bulk-row]"), count(t, ctx, "[data-testid=bulk-skipped-row]"); n != 1 || s != 1 {
		t.Fatalf("%d rows, %d skipped", n, s)
	}
	if got := text(t, ctx, "[data-testid=bulk-skipped]"); !strings.Contains(got, "3") || !strings.Contains(got, "不存在的子账号") {
		t.Fatalf("skipped row: %q", got)
	}
	screenshot(t, ctx, "purser-bulk-skip-zh.png")
	if errs := console.list(); len(errs) > 0 {
		t.Fatalf("console errors: %v", errs)
	}
}

// browserXLSX is a workbook as Excel saves it: 1234.5 shown "#,##0.00", and a formula
// whose stored float is 0.30000000000000004.
func browserXLSX(t *testing.T, ids []string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	two := "#,##0.00"
	st, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &two})
	for cell, v := range map[string]any{"A1": "sub_account", "B1": "amount", "C1": "reason", "A2": ids[0], "B2": 1234.5, "C2": "十二月预算",
		"A3": ids[1], "C3": "Q4 budget"} {
		must(t, "fill the workbook", f.SetCellValue("Sheet1", cell, v))
	}
	must(t, "format amounts", f.SetCellStyle("Sheet1", "B2", "B3", st))
	must(t, "stored float", f.SetCellDefault("Sheet1", "B3", "0.30000000000000004"))
	must(t, "formula", f.SetCellFormula("Sheet1", "B3", "0.1+0.2"))
	var b bytes.Buffer
	_, err := f.WriteTo(&b)
	must(t, "write the workbook", err)
	return b.Bytes()
}
