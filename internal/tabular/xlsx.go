package tabular

import (
	"bytes"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// Bounds on what a workbook may unpack to: an upload is at most a few megabytes, and a
// zip that expands a thousandfold is an attack, not a bulk file.
const (
	maxUnzipped    = 64 << 20
	maxUnzippedXML = 16 << 20
)

// readXLSX reads the first sheet. A number is taken from the value stored in the file,
// not from its display: Excel shows 1234.5 formatted "#,##0.00" as "1,234.50" and a
// formula =0.1+0.2 as 0.3, but stores 1234.5 and 0.30000000000000004. The stored value
// is rounded to the 15 significant digits Excel itself works with — as decimal text,
// never through a float — which gives back the number the person saw and typed. Text
// cells (an amount typed into a Text-formatted cell, an id with leading zeros) are taken
// as they are, and dates as they are displayed.
func readXLSX(data []byte) (*Table, error) {
	t := &Table{Detected: Detected{Format: XLSX}}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: maxUnzippedXML})
	if err != nil {
		return t, &Error{Reason: ReasonWorkbook, Err: err}
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return t, &Error{Reason: ReasonEmpty}
	}
	t.Detected.Sheet = sheets[0]
	shown, err := f.GetRows(t.Detected.Sheet)
	if err != nil {
		return t, &Error{Reason: ReasonWorkbook, Err: err}
	}
	raw, err := f.GetRows(t.Detected.Sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return t, &Error{Reason: ReasonWorkbook, Err: err}
	}
	for i, cells := range shown {
		out := make([]string, len(cells))
		for j, s := range cells {
			out[j] = s
			if i < len(raw) && j < len(raw[i]) {
				out[j] = cellText(f, t.Detected.Sheet, j+1, i+1, raw[i][j], s)
			}
		}
		if blank(out) {
			continue
		}
		// GetRows keeps blank rows in place, so the index is the sheet's row number.
		t.Rows = append(t.Rows, Row{Line: i + 1, Cells: out})
	}
	if len(t.Rows) == 0 {
		return t, &Error{Reason: ReasonEmpty}
	}
	return t, nil
}

// cellText is the text of a cell, shown as displayed and raw as stored.
func cellText(f *excelize.File, sheet string, col, row int, raw, shown string) string {
	d, err := decimal.NewFromString(strings.TrimSpace(raw))
	if err != nil {
		return shown // not a number underneath: keep what the person sees
	}
	ref, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		return shown
	}
	if ct, err := f.GetCellType(sheet, ref); err != nil || ct == excelize.CellTypeSharedString ||
		ct == excelize.CellTypeInlineString || ct == excelize.CellTypeBool || ct == excelize.CellTypeDate {
		return shown // text, a boolean, a date stored as such
	}
	if dateFormat(f, sheet, ref) {
		return shown // a day count shown as a date or a time
	}
	return excelNumber(d)
}

// dateFormat reports whether a cell's number format shows a date or a time: one of
// Excel's built-in date formats, or a custom format with a date or time part (y m d h s
// outside quotes and brackets; [Red] and "CNY" are not dates).
func dateFormat(f *excelize.File, sheet, ref string) bool {
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		return false
	}
	st, err := f.GetStyle(id)
	if err != nil || st == nil {
		return false
	}
	if n := st.NumFmt; n >= 14 && n <= 22 || n >= 27 && n <= 36 || n >= 45 && n <= 47 || n >= 50 && n <= 58 {
		return true
	}
	if st.CustomNumFmt == nil {
		return false
	}
	quoted, bracket := false, false
	for _, r := range strings.ToLower(*st.CustomNumFmt) {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '[':
			bracket = true
		case r == ']':
			bracket = false
		case bracket:
		case strings.ContainsRune("ymdhs", r):
			return true
		}
	}
	return false
}

// excelNumber rounds d to 15 significant digits and writes it without trailing zeros.
func excelNumber(d decimal.Decimal) string {
	if d.IsZero() {
		return "0"
	}
	// d is a coefficient of NumDigits digits times 10^Exponent: its leading digit sits
	// at 10^(NumDigits+Exponent-1).
	lead := d.NumDigits() + int(d.Exponent())
	return d.Round(int32(15 - lead)).String()
}
