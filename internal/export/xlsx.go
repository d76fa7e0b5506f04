package export

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Rows is one sheet being written: a header row, then rows.
type Rows interface {
	Header(cols ...string) error
	Row(cells ...Cell) error
}

// Workbook is an xlsx file of several sheets, written one after the other (a scheduled
// report: one sheet per section). Amounts are numeric cells formatted "#,##0.00", counts
// numeric cells, times date cells; text is stored as text (never a formula), so nothing
// needs neutralising.
type Workbook struct {
	out    io.Writer
	f      *excelize.File
	cur    *xlsxSheet // the sheet being written; flushed when the next one starts
	names  map[string]bool
	amount int
	date   int
	bold   int
}

// NewWorkbook starts a workbook written to w on Close.
func NewWorkbook(w io.Writer) (*Workbook, error) {
	f := excelize.NewFile()
	b := &Workbook{out: w, f: f, names: map[string]bool{}}
	var err error
	fmtAmount := "#,##0.00"
	if b.amount, err = f.NewStyle(&excelize.Style{CustomNumFmt: &fmtAmount}); err != nil {
		_ = f.Close()
		return nil, err
	}
	fmtDate := "yyyy-mm-dd hh:mm:ss"
	if b.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &fmtDate}); err != nil {
		_ = f.Close()
		return nil, err
	}
	if b.bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		_ = f.Close()
		return nil, err
	}
	return b, nil
}

// sheetName makes name a valid worksheet name: at most 31 characters, none of : \ / ? *
// [ ], and not one the workbook already has.
func (b *Workbook) sheetName(name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '-'
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" {
		name = "Sheet"
	}
	if r := []rune(name); len(r) > 31 {
		name = string(r[:31])
	}
	base, n := name, 2
	for b.names[strings.ToLower(name)] {
		suffix := " (" + strconv.Itoa(n) + ")"
		r := []rune(base)
		if len(r)+len(suffix) > 31 {
			r = r[:31-len(suffix)]
		}
		name, n = string(r)+suffix, n+1
	}
	b.names[strings.ToLower(name)] = true
	return name
}

// Sheet starts the next sheet; the one before is finished.
func (b *Workbook) Sheet(name string) (Rows, error) {
	if b.f == nil {
		return nil, errors.New("export: workbook closed")
	}
	if err := b.flush(); err != nil {
		return nil, err
	}
	name = b.sheetName(name)
	if len(b.names) == 1 {
		if err := b.f.SetSheetName("Sheet1", name); err != nil {
			return nil, err
		}
	} else if _, err := b.f.NewSheet(name); err != nil {
		return nil, err
	}
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	b.cur = &xlsxSheet{b: b, sw: sw}
	return b.cur, nil
}

func (b *Workbook) flush() error {
	if b.cur == nil {
		return nil
	}
	err := b.cur.sw.Flush()
	b.cur = nil
	return err
}

// Close finishes the last sheet and writes the file; nothing is complete before it.
func (b *Workbook) Close() error {
	if b.f == nil {
		return nil
	}
	defer func() { _ = b.f.Close(); b.f = nil }()
	if len(b.names) == 0 {
		if _, err := b.Sheet(""); err != nil {
			return err
		}
	}
	if err := b.flush(); err != nil {
		return err
	}
	b.f.SetActiveSheet(0)
	_, err := b.f.WriteTo(b.out)
	return err
}

// xlsxSheet streams rows into one worksheet.
type xlsxSheet struct {
	b   *Workbook
	sw  *excelize.StreamWriter
	row int
}

func (x *xlsxSheet) next() (string, error) {
	x.row++
	return excelize.CoordinatesToCellName(1, x.row)
}

func (x *xlsxSheet) Header(cols ...string) error {
	cell, err := x.next()
	if err != nil {
		return err
	}
	row := make([]any, len(cols))
	for i, c := range cols {
		row[i] = excelize.Cell{StyleID: x.b.bold, Value: c}
	}
	if x.row == 1 {
		if err := x.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
	}
	return x.sw.SetRow(cell, row)
}

func (x *xlsxSheet) Row(cells ...Cell) error {
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
			row[i] = excelize.Cell{StyleID: x.b.amount, Value: c.num.InexactFloat64()}
		case kindTime:
			// Spreadsheets have no zones: write the wall clock of the display zone.
			t := c.time
			wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
			row[i] = excelize.Cell{StyleID: x.b.date, Value: wall}
		default:
			row[i] = nil
		}
	}
	return x.sw.SetRow(cell, row)
}

// xlsxWriter is a workbook of one sheet (the list exports).
type xlsxWriter struct {
	Rows
	b *Workbook
}

func newXLSX(w io.Writer, sheet string) (*xlsxWriter, error) {
	if sheet == "" {
		sheet = "Sheet1"
	}
	b, err := NewWorkbook(w)
	if err != nil {
		return nil, err
	}
	rows, err := b.Sheet(sheet)
	if err != nil {
		_ = b.f.Close()
		return nil, err
	}
	return &xlsxWriter{Rows: rows, b: b}, nil
}

func (x *xlsxWriter) Close() error { return x.b.Close() }

// maxExactInt bounds integers written as int64 cells (Excel holds 15 significant digits).
var maxExactInt = decimalFromInt(1_000_000_000_000_000)
