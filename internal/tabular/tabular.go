// Package tabular reads the tables people upload — CSV or tab-separated text in whatever
// encoding their spreadsheet saved, or an .xlsx workbook — into rows of text that keep the
// line of the file each came from, and says how it read them. It knows nothing of what the
// columns mean.
package tabular

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// Encodings and formats as Detected names them.
const (
	UTF8    = "UTF-8"
	UTF8BOM = "UTF-8 BOM"
	UTF16LE = "UTF-16LE"
	UTF16BE = "UTF-16BE"
	GB18030 = "GB18030"

	CSV  = "csv"
	XLSX = "xlsx"
)

// Detected is how a file was read, for the person who uploaded it to check.
type Detected struct {
	Format    string // CSV or XLSX
	Encoding  string // CSV only: one of the encodings above
	Separator rune   // CSV only: ',', ';' or '\t'
	Sheet     string // XLSX only: the sheet read (the first)
}

// SeparatorName names the separator: "comma", "semicolon" or "tab".
func (d Detected) SeparatorName() string {
	switch d.Separator {
	case ';':
		return "semicolon"
	case '\t':
		return "tab"
	}
	return "comma"
}

// Row is one non-blank record and the line of the file it starts on (1 is the first line;
// in a workbook, the sheet's row number). A quoted field may span lines: the next row's
// line is then more than one further on.
type Row struct {
	Line  int
	Cells []string
}

// Table is a file's records: the first is the header.
type Table struct {
	Detected Detected
	Rows     []Row
}

// Problems a file can have, as Error.Reason.
const (
	ReasonBinary      = "binary"      // neither text nor a workbook
	ReasonUndecodable = "undecodable" // not UTF-8, UTF-16 with a BOM, nor GB18030
	ReasonMalformed   = "malformed"   // a CSV quoting error, at Line
	ReasonOldExcel    = "old_excel"   // an .xls (BIFF) workbook
	ReasonWorkbook    = "workbook"    // an .xlsx that cannot be opened
	ReasonEmpty       = "empty"       // no records at all
)

// Error is why a file cannot be read; Line is the file's line where that is known.
type Error struct {
	Reason string
	Line   int
	Err    error
}

func (e *Error) Error() string {
	s := "tabular: " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Read reads data, named filename by its uploader (only the extension is looked at: a
// workbook is also recognised by its content). The Detected part of the table is filled
// as far as reading got, also when an error is returned.
func Read(data []byte, filename string) (*Table, error) {
	name := strings.ToLower(filename)
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")) || strings.HasSuffix(name, ".xlsx"):
		return readXLSX(data)
	case bytes.HasPrefix(data, []byte("\xD0\xCF\x11\xE0")) || strings.HasSuffix(name, ".xls"):
		return &Table{}, &Error{Reason: ReasonOldExcel}
	}
	t := &Table{Detected: Detected{Format: CSV}}
	text, enc, err := decode(data)
	t.Detected.Encoding = enc
	if err != nil {
		return t, err
	}
	t.Detected.Separator = sniff(text)
	t.Rows, err = readCSV(text, t.Detected.Separator)
	return t, err
}

// decode turns data into UTF-8 text. A BOM says the encoding; without one, valid UTF-8 is
// UTF-8 and anything else is tried as GB18030 (a superset of GBK, what Excel writes on
// Chinese Windows), which must decode without a single replacement character.
func decode(data []byte) (string, string, error) {
	var enc encoding.Encoding
	name := ""
	switch {
	case bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")):
		data, name = data[3:], UTF8BOM
	case bytes.HasPrefix(data, []byte("\xFF\xFE")):
		enc, name = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), UTF16LE
	case bytes.HasPrefix(data, []byte("\xFE\xFF")):
		enc, name = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), UTF16BE
	case utf8.Valid(data):
		name = UTF8
	default:
		enc, name = simplifiedchinese.GB18030, GB18030
	}
	text := string(data)
	if enc != nil {
		if name != GB18030 && len(data)%2 != 0 {
			return "", name, &Error{Reason: ReasonUndecodable}
		}
		b, err := enc.NewDecoder().Bytes(data)
		if err != nil {
			return "", name, &Error{Reason: ReasonUndecodable, Err: err}
		}
		text = string(b)
		if !utf8.ValidString(text) || strings.ContainsRune(text, utf8.RuneError) {
			if name == GB18030 {
				name = ""
			}
			return "", name, &Error{Reason: ReasonUndecodable}
		}
	}
	for _, r := range text {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return "", name, &Error{Reason: ReasonBinary}
		}
	}
	return text, name, nil
}

// sniff picks the separator of the header line: whichever of comma, semicolon and tab
// occurs most outside quotes (a comma on a tie or when none does).
func sniff(text string) rune {
	line, rest := "", text
	for rest != "" && strings.TrimSpace(line) == "" {
		line, rest, _ = strings.Cut(rest, "\n")
	}
	counts := map[rune]int{}
	quoted := false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ',' || r == ';' || r == '\t'):
			counts[r]++
		}
	}
	best := ','
	for _, r := range []rune{';', '\t'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

func readCSV(text string, sep rune) ([]Row, error) {
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var rows []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			return rows, &Error{Reason: ReasonMalformed, Line: line, Err: err}
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		rows = append(rows, Row{Line: line, Cells: rec})
	}
	if len(rows) == 0 {
		return nil, &Error{Reason: ReasonEmpty}
	}
	return rows, nil
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
