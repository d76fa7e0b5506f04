package export

import (
	"io"
	"time"

	"github.com/xuri/excelize/v2"
)

// xlsxWriter streams rows into one worksheet. Amounts are numeric cells formatted
// "#,##0.00", counts numeric cells, times date cells; text is stored as text (never a
// formula), so nothing needs neutralising.
type xlsxWriter struct {
	out    io.Writer
	f      *excelize.File
	sw     *excelize.StreamWriter
	row    int
	amount int
	date   int
	bold   int
}

func newXLSX(w io.Writer, sheet string) (*xlsxWriter, error) {
	if sheet == "" {
		sheet = "Sheet1"
	}
	if len([]rune(sheet)) > 31 {
		sheet = string([]rune(sheet)[:31])
	}
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		_ = f.Close()
		return nil, err
	}
	x := &xlsxWriter{out: w, f: f}
	var err error
	fmtAmount := "#,##0.00"
	if x.amount, err = f.NewStyle(&excelize.Style{CustomNumFmt: &fmtAmount}); err != nil {
		_ = f.Close()
		return nil, err
	}
	fmtDate := "yyyy-mm-dd hh:mm:ss"
	if x.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &fmtDate}); err != nil {
		_ = f.Close()
		return nil, err
	}
	if x.bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		_ = f.Close()
		return nil, err
	}
	if x.sw, err = f.NewStreamWriter(sheet); err != nil {
		_ = f.Close()
		return nil, err
	}
	return x, nil
}

func (x *xlsxWriter) next() (string, error) {
	x.row++
	return excelize.CoordinatesToCellName(1, x.row)
}

func (x *xlsxWriter) Header(cols ...string) error {
	cell, err := x.next()
	if err != nil {
		return err
	}
	row := make([]any, len(cols))
	for i, c := range cols {
		row[i] = excelize.Cell{StyleID: x.bold, Value: c}
	}
	if err := x.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return x.sw.SetRow(cell, row)
}

func (x *xlsxWriter) Row(cells ...Cell) error {
	cell, err := x.next()
	if err != nil {
		return err
	}
	row := make([]any, len(cells))
	for i, c := range cells {
		switch c.kind {
		case kindText:
			row[i] = c.text
		case kindNumber:
			if c.num.IsInteger() && c.num.Abs().LessThan(maxExactInt) {
				row[i] = c.num.IntPart()
			} else {
				row[i] = c.num.InexactFloat64()
			}
		case kindAmount:
			row[i] = excelize.Cell{StyleID: x.amount, Value: c.num.InexactFloat64()}
		case kindTime:
			// Spreadsheets have no zones: write the wall clock of the display zone.
			t := c.time
			wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
			row[i] = excelize.Cell{StyleID: x.date, Value: wall}
		default:
			row[i] = nil
		}
	}
	return x.sw.SetRow(cell, row)
}

func (x *xlsxWriter) Close() error {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	_, err := x.f.WriteTo(x.out)
	return err
}

// maxExactInt bounds integers written as int64 cells (Excel holds 15 significant digits).
var maxExactInt = decimalFromInt(1_000_000_000_000_000)
