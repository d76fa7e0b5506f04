// Package export writes lists as CSV or Excel (xlsx) files. Amounts and counts are
// written as numbers (numeric cells in xlsx, plain decimals in CSV), times as times, and
// text that a spreadsheet would run as a formula is neutralised in CSV.
package export

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/purser-finance/purser/internal/money"
)

// Formats.
const (
	CSV  = "csv"
	XLSX = "xlsx"
)

// Valid reports whether format is a supported export format.
func Valid(format string) bool { return format == CSV || format == XLSX }

// ContentType is the media type of a format.
func ContentType(format string) string {
	if format == XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

type kind int

const (
	kindText kind = iota
	kindNumber
	kindAmount
	kindTime
	kindEmpty
)

// Cell is one value of a row.
type Cell struct {
	kind kind
	text string
	num  decimal.Decimal
	time time.Time
}

// Text is a text cell.
func Text(s string) Cell { return Cell{kind: kindText, text: s} }

// Number is a numeric cell (counts, quantities).
func Number(d decimal.Decimal) Cell { return Cell{kind: kindNumber, num: d} }

// Int is a numeric cell holding an integer.
func Int(n int64) Cell { return Number(decimal.NewFromInt(n)) }

// Amount is a money cell: a number with two decimals.
func Amount(a money.Amount) Cell { return Cell{kind: kindAmount, num: a.Decimal()} }

// Time is a date-time cell in zone loc; nil is an empty cell.
func Time(t *time.Time, loc *time.Location) Cell {
	if t == nil || t.IsZero() {
		return Cell{kind: kindEmpty}
	}
	return Cell{kind: kindTime, time: t.In(loc)}
}

// Writer writes one sheet: a header row, then rows.
type Writer interface {
	Header(cols ...string) error
	Row(cells ...Cell) error
	// Close finishes the file; nothing is complete before it.
	Close() error
}

// New returns a writer of the format onto w. sheet names the xlsx worksheet.
func New(format string, w io.Writer, sheet string) (Writer, error) {
	switch format {
	case CSV:
		return newCSV(w), nil
	case XLSX:
		return newXLSX(w, sheet)
	}
	return nil, fmt.Errorf("export: unknown format %q", format)
}

// Neutralize makes a text safe to open in a spreadsheet: a value starting with = + - @,
// a tab or a carriage return would be read as a formula (CSV injection), so it gets a
// leading apostrophe, which spreadsheets show as plain text.
func Neutralize(s string) string {
	if s == "" {
		return s
	}
	if strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	// Leading spaces do not stop some spreadsheets from evaluating "  =1+1".
	if t := strings.TrimLeft(s, " "); t != s && t != "" && strings.ContainsRune("=+-@\t\r", rune(t[0])) {
		return "'" + s
	}
	return s
}

func decimalFromInt(n int64) decimal.Decimal { return decimal.NewFromInt(n) }
