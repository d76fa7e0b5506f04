package export_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/purser-finance/purser/internal/export"
	"github.com/purser-finance/purser/internal/money"
)

func TestNeutralize(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1":                "'=1+1",
		"+41 22":              "'+41 22",
		"-2+3":                "'-2+3",
		"@SUM(A1)":            "'@SUM(A1)",
		"\tcmd":               "'\tcmd",
		"\rcmd":               "'\rcmd",
		"  =HYPERLINK(\"x\")": "'  =HYPERLINK(\"x\")",
		"=cmd|' /C calc'!A0":  "'=cmd|' /C calc'!A0",
		"acme-prod":           "acme-prod",
		"研发部":                 "研发部",
		"":                    "",
		"a=b":                 "a=b",
		"   ":                 "   ",
	} {
		if got := export.Neutralize(in); got != want {
			t.Errorf("Neutralize(%q) = %q, want %q", in, got, want)
		}
	}
}

func amt(s string) money.Amount {
	return money.New(decimal.RequireFromString(s), "CNY")
}

func TestCSVNeutralisesTextAndKeepsNumbers(t *testing.T) {
	var buf bytes.Buffer
	w, err := export.New(export.CSV, &buf, "x")
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 11, 25, 1, 2, 3, 0, time.UTC)
	loc := time.FixedZone("CST", 8*3600)
	must(t, w.Header("name", "balance", "count", "when"))
	must(t, w.Row(export.Text("=HYPERLINK(\"http://evil\",\"x\")"), export.Amount(amt("-1234.5")), export.Int(7), export.Time(&when, loc)))
	must(t, w.Row(export.Text("@SUM(1)"), export.Amount(amt("0")), export.Int(0), export.Time(nil, loc)))
	must(t, w.Row(export.Text("研发部, \"core\""), export.Amount(amt("1000000.05")), export.Number(decimal.RequireFromString("2.5")), export.Text("+1")))
	must(t, w.Close())
	body := buf.String()
	if !strings.HasPrefix(body, "\uFEFF") {
		t.Fatal("no byte order mark")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"name", "balance", "count", "when"},
		{"'=HYPERLINK(\"http://evil\",\"x\")", "-1234.50", "7", "2026-11-25 09:02:03"},
		{"'@SUM(1)", "0.00", "0", ""},
		{"研发部, \"core\"", "1000000.05", "2.5", "'+1"},
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d = %q, want %q", i, rows[i], want[i])
		}
	}
}

func TestXLSXCellTypes(t *testing.T) {
	var buf bytes.Buffer
	w, err := export.New(export.XLSX, &buf, "Sub-accounts")
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 11, 25, 1, 2, 3, 0, time.UTC)
	loc := time.FixedZone("CST", 8*3600)
	must(t, w.Header("name", "balance", "count", "when"))
	must(t, w.Row(export.Text("=1+1"), export.Amount(amt("1234.50")), export.Int(42), export.Time(&when, loc)))
	must(t, w.Row(export.Text("研发部"), export.Amount(amt("-0.01")), export.Int(0), export.Time(nil, loc)))
	must(t, w.Close())

	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("xlsx does not open: %v", err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 1 || got[0] != "Sub-accounts" {
		t.Fatalf("sheets %v", got)
	}
	const sh = "Sub-accounts"
	typ := func(cell string) excelize.CellType {
		ct, err := f.GetCellType(sh, cell)
		if err != nil {
			t.Fatal(err)
		}
		return ct
	}
	val := func(cell string) string {
		v, err := f.GetCellValue(sh, cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// Text stays text and is never a formula.
	if formula, _ := f.GetCellFormula(sh, "A2"); formula != "" {
		t.Fatalf("A2 became a formula: %q", formula)
	}
	if v := val("A2"); v != "=1+1" {
		t.Fatalf("A2 = %q", v)
	}
	if ct := typ("A2"); ct != excelize.CellTypeInlineString && ct != excelize.CellTypeSharedString {
		t.Fatalf("A2 type %v, want a string", ct)
	}
	// Amounts and counts are numbers.
	for _, c := range []string{"B2", "C2", "B3", "C3"} {
		if ct := typ(c); ct != excelize.CellTypeNumber && ct != excelize.CellTypeUnset {
			t.Errorf("%s type %v, want a number", c, ct)
		}
	}
	if v := val("B2"); v != "1234.5" {
		t.Errorf("B2 raw %q", v)
	}
	if v := val("C2"); v != "42" {
		t.Errorf("C2 raw %q", v)
	}
	if v, _ := f.GetCellValue(sh, "B2"); v != "1,234.50" {
		t.Errorf("B2 formatted %q, want 1,234.50", v)
	}
	if v, _ := f.GetCellValue(sh, "D2"); v != "2026-11-25 09:02:03" {
		t.Errorf("D2 formatted %q", v)
	}
	if v := val("D3"); v != "" {
		t.Errorf("empty time cell holds %q", v)
	}
}

func TestUnknownFormat(t *testing.T) {
	if _, err := export.New("pdf", &bytes.Buffer{}, ""); err == nil || export.Valid("pdf") || !export.Valid("xlsx") {
		t.Fatal("pdf accepted")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
