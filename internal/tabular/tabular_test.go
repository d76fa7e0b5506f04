package tabular_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/purser-finance/purser/internal/tabular"
)

// The file a finance team writes: a header, a Chinese reason, an amount with a thousands
// comma (quoted where comma separates), a blank line, and a quoted reason over two lines.
func sample(sep string) string {
	q := func(s string) string {
		if strings.Contains(s, sep) || strings.Contains(s, "\n") {
			return `"` + s + `"`
		}
		return s
	}
	return strings.Join([]string{
		strings.Join([]string{"sub_account", "amount", "reason"}, sep),
		strings.Join([]string{"sub-001", q("1,234.50"), "十二月预算"}, sep),
		"",
		strings.Join([]string{"sub-002", "0.30", q("line one\nline two")}, sep),
		strings.Join([]string{"sub-003", "7", "Q4"}, sep),
	}, "\r\n") + "\r\n"
}

func encode(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	if enc == nil {
		return []byte(s)
	}
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadEveryEncodingAndSeparator(t *testing.T) {
	encodings := []struct {
		name   string
		enc    encoding.Encoding
		prefix string
		want   string
	}{
		{"utf-8", nil, "", tabular.UTF8},
		{"utf-8 bom", nil, "\uFEFF", tabular.UTF8BOM},
		{"utf-16le bom", unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), "", tabular.UTF16LE},
		{"utf-16be bom", unicode.UTF16(unicode.BigEndian, unicode.UseBOM), "", tabular.UTF16BE},
		{"gbk", simplifiedchinese.GBK, "", tabular.GB18030},
		{"gb18030", simplifiedchinese.GB18030, "", tabular.GB18030},
	}
	for _, e := range encodings {
		for _, sep := range []string{",", ";", "\t"} {
			t.Run(fmt.Sprintf("%s/%q", e.name, sep), func(t *testing.T) {
				data := encode(t, e.enc, e.prefix+sample(sep))
				tb, err := tabular.Read(data, "upload.csv")
				if err != nil {
					t.Fatal(err)
				}
				if tb.Detected.Format != tabular.CSV || tb.Detected.Encoding != e.want || string(tb.Detected.Separator) != sep {
					t.Fatalf("detected %+v, want %s %q", tb.Detected, e.want, sep)
				}
				var lines []int
				for _, r := range tb.Rows {
					lines = append(lines, r.Line)
				}
				// Header on 1, a blank line 3 skipped, line 4's reason runs onto 5.
				if !slices.Equal(lines, []int{1, 2, 4, 6}) {
					t.Fatalf("lines %v, want [1 2 4 6]", lines)
				}
				want := [][]string{{"sub_account", "amount", "reason"}, {"sub-001", "1,234.50", "十二月预算"},
					{"sub-002", "0.30", "line one\nline two"}, {"sub-003", "7", "Q4"}}
				for i, r := range tb.Rows {
					if !slices.Equal(r.Cells, want[i]) {
						t.Fatalf("row %d: %q, want %q", i, r.Cells, want[i])
					}
				}
			})
		}
	}
}

// The GBK bytes of 十二月预算 were once read as Latin-1 mojibake and accepted.
func TestGBKReasonIsNotMojibake(t *testing.T) {
	data := append([]byte("sub_account,amount,reason\nsub-001,1.00,"), 0xCA, 0xAE, 0xB6, 0xFE, 0xD4, 0xC2, 0xD4, 0xA4, 0xCB, 0xE3, '\n')
	tb, err := tabular.Read(data, "预算.csv")
	if err != nil {
		t.Fatal(err)
	}
	if tb.Detected.Encoding != tabular.GB18030 || tb.Rows[1].Cells[2] != "十二月预算" {
		t.Fatalf("read %s %q", tb.Detected.Encoding, tb.Rows[1].Cells)
	}
}

func TestRefusesWhatCannotBeDecoded(t *testing.T) {
	cases := []struct {
		name   string
		data   []byte
		reason string
	}{
		// 0x80 alone and 0xFF are neither UTF-8 nor GB18030.
		{"invalid utf-8 and gb18030", []byte("sub_account,amount\nsub-001,1.00\xFF\x80\n"), tabular.ReasonUndecodable},
		{"binary", []byte("sub_account,amount\x00\x01\x02\x03\n"), tabular.ReasonBinary},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), tabular.ReasonBinary},
		{"utf-16 odd length", []byte("\xFF\xFEa\x00b"), tabular.ReasonUndecodable},
		{"old excel", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"), tabular.ReasonOldExcel},
		{"broken xlsx", []byte("PK\x03\x04not really a zip"), tabular.ReasonWorkbook},
		{"empty", []byte("\n\r\n  \n"), tabular.ReasonEmpty},
		{"bad quote", []byte("a,b\nx,\"unterminated\n\ny,z\n"), tabular.ReasonMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := tabular.Read(c.data, "x.csv")
			var te *tabular.Error
			if !errors.As(err, &te) || te.Reason != c.reason {
				t.Fatalf("err %v, want %s", err, c.reason)
			}
		})
	}
}

func TestMalformedNamesItsLine(t *testing.T) {
	_, err := tabular.Read([]byte("a,b\n\nx,y\nx,\"a\"b\n"), "x.csv")
	var te *tabular.Error
	if !errors.As(err, &te) || te.Line != 4 {
		t.Fatalf("err %v, want line 4", err)
	}
}

func TestSniffIgnoresQuotedSeparators(t *testing.T) {
	tb, err := tabular.Read([]byte("\"a,b,c\";amount\nx;1\n"), "x.csv")
	if err != nil || tb.Detected.Separator != ';' || !slices.Equal(tb.Rows[0].Cells, []string{"a,b,c", "amount"}) {
		t.Fatalf("%+v %v", tb, err)
	}
	// Leading blank lines: the header is the first line with something on it.
	tb, err = tabular.Read([]byte("\n\nsub_account\tamount\nx\t1\n"), "x.txt")
	if err != nil || tb.Detected.Separator != '\t' || tb.Rows[0].Line != 3 {
		t.Fatalf("%+v %v", tb, err)
	}
}
