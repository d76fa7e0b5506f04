package export_test

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/purser-finance/purser/internal/export"
)

// TestWorkbookSheets: a workbook holds its sheets in the order written, each with its own
// rows, under names a spreadsheet accepts (forbidden characters replaced, 31 characters
// at most, a repeated name numbered), and its amounts are numbers.
func TestWorkbookSheets(t *testing.T) {
	var buf bytes.Buffer
	b, err := export.NewWorkbook(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"余额", "Operations: failed/unknown", "余额", "A very long sheet name that goes on and on"} {
		sh, err := b.Sheet(name)
		if err != nil {
			t.Fatal(err)
		}
		must(t, sh.Header("name", "amount"))
		must(t, sh.Row(export.Text(name), export.Amount(amt("12.30"))))
	}
	must(t, b.Close())
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := []string{"余额", "Operations- failed-unknown", "余额 (2)", "A very long sheet name that goe"}
	got := f.GetSheetList()
	if len(got) != len(want) {
		t.Fatalf("sheets %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sheets %q, want %q", got, want)
		}
		rows, err := f.GetRows(got[i])
		if err != nil || len(rows) != 2 || rows[1][1] != "12.30" {
			t.Fatalf("sheet %s rows %q (%v)", got[i], rows, err)
		}
		if ct, _ := f.GetCellType(got[i], "B2"); ct != excelize.CellTypeNumber && ct != excelize.CellTypeUnset {
			t.Fatalf("sheet %s B2 is %v, not a number", got[i], ct)
		}
	}
}
