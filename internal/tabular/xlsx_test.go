package tabular_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/purser-finance/purser/internal/tabular"
)

// workbook builds the .xlsx a finance team saves: amounts typed as numbers under several
// formats, one computed by a formula whose float is 0.30000000000000004, one typed into
// a Text-formatted cell, an id with leading zeros, a date, a blank row, and a second sheet
// that must not be read.
func workbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	s := "预算"
	if err := f.SetSheetName("Sheet1", s); err != nil {
		t.Fatal(err)
	}
	two := "#,##0.00"
	money, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &two})
	text, _ := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@"
	day, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	set := func(cell string, v any, style int) {
		t.Helper()
		if err := f.SetCellValue(s, cell, v); err != nil {
			t.Fatal(err)
		}
		if style != 0 {
			if err := f.SetCellStyle(s, cell, cell, style); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, h := range []string{"sub_account", "amount", "reason", "expire_time"} {
		c, _ := excelize.CoordinatesToCellName(i+1, 1)
		set(c, h, 0)
	}
	set("A2", "sub-001", 0)
	set("B2", 1234.5, money) // shown "1,234.50"
	set("C2", "十二月预算", 0)
	set("A3", "sub-002", 0)
	// What Excel stores for =0.1+0.2 once it has calculated: the float's 17 digits.
	if err := f.SetCellDefault(s, "B3", "0.30000000000000004"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellFormula(s, "B3", "0.1+0.2"); err != nil {
		t.Fatal(err)
	}
	// row 4 blank
	set("A5", "00123", text)
	set("B5", "1,000.10", text) // typed into a Text cell
	set("A6", "sub-004", 0)
	set("B6", 0.07, 0)
	set("B7", 0, money)
	if err := f.SetCellDefault(s, "B7", "19.990000000000002"); err != nil { // =9.995*2
		t.Fatal(err)
	}
	set("A7", "sub-005", 0)
	set("D7", 46387, day) // 2026-12-31
	if _, err := f.NewSheet("notes"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellValue("notes", "A1", "not read"); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReadXLSX(t *testing.T) {
	tb, err := tabular.Read(workbook(t), "Budget.XLSX")
	if err != nil {
		t.Fatal(err)
	}
	if tb.Detected.Format != tabular.XLSX || tb.Detected.Sheet != "预算" {
		t.Fatalf("detected %+v", tb.Detected)
	}
	want := []tabular.Row{
		{Line: 1, Cells: []string{"sub_account", "amount", "reason", "expire_time"}},
		{Line: 2, Cells: []string{"sub-001", "1234.5", "十二月预算"}},
		{Line: 3, Cells: []string{"sub-002", "0.3"}},
		{Line: 5, Cells: []string{"00123", "1,000.10"}},
		{Line: 6, Cells: []string{"sub-004", "0.07"}},
		{Line: 7, Cells: []string{"sub-005", "19.99", "", "12-31-26"}},
	}
	if len(tb.Rows) != len(want) {
		t.Fatalf("%d rows: %+v", len(tb.Rows), tb.Rows)
	}
	for i, w := range want {
		if got := tb.Rows[i]; got.Line != w.Line || !slices.Equal(got.Cells, w.Cells) {
			t.Errorf("row %d: %d %q, want %d %q", i, got.Line, got.Cells, w.Line, w.Cells)
		}
	}
	// Even without a file name, a workbook is recognised by its content.
	if tb, err := tabular.Read(workbook(t), "upload"); err != nil || tb.Detected.Format != tabular.XLSX {
		t.Fatalf("no extension: %v %+v", err, tb)
	}
}
